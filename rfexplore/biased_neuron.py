"""Gradient descent for one neuron *with a bias*, ``relu(<w, x> + b)``, on the exact population loss.

The target is a ReLU neuron ``relu(<w*, x> + b*)`` (:class:`~rfexplore.targets.ReluTarget`), e.g. an
offset component of the periodic target's decomposition (:mod:`rfexplore.periodic`). The loss

    F(w, b) = E[(relu(<w,x> + b) - relu(<w*,x> + b*))^2]
            = K(w,b; w,b) - 2 K(w,b; w*,b*) + K(w*,b*; w*,b*),   x ~ N(0, I_d),

uses the biased-ReLU kernel ``K`` (bivariate normal CDF, :func:`rfexplore.gaussian.biased_relu_kernel`).
For autograd the cross term is a custom ``torch.autograd.Function`` with the closed gradient
(:func:`biased_relu_kernel_torch`), the self term ``E[relu(<w,x> + b)^2]`` a torch expression; the
training loop (:func:`train_biased_neuron`) uses the same closed gradient in numpy
(:func:`biased_neuron_loss_and_grad`, one bivariate normal CDF per step), checked against both. This
explorer's own computation: the paper cites the learnability of a single neuron by gradient methods
as known; whether gradient descent learns an *offset* neuron, and from where, is what this measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import special

from . import validation
from .gaussian import biased_relu_kernel, bivariate_normal_cdf
from .targets import ReluTarget
from .train._common import _check_steps

__all__ = [
    "biased_relu_kernel_torch",
    "kernel_partials",
    "biased_neuron_loss",
    "biased_neuron_loss_and_grad",
    "BiasedNeuronResult",
    "train_biased_neuron",
]

_DEGENERATE = 1e-12         # |rho| > 1 - this: the two pre-activations are treated as (anti-)parallel
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _phi(z):
    return np.exp(-0.5 * z * z) / _SQRT_2PI


def _Phi(z):
    return special.ndtr(z)


def _relu_mean(mean, sd):
    """``E[relu(N(mean, sd^2))] = mean Phi(mean/sd) + sd phi(mean/sd)`` (``relu(mean)`` when ``sd = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / sd
        val = mean * _Phi(t) + sd * _phi(t)
    return np.where(sd > 0, val, np.maximum(mean, 0.0))


def kernel_partials(W, b, V, c):
    """Closed partial derivatives of ``K_ij = E[relu(<w_i,x> + b_i) relu(<v_j,x> + c_j)]`` in ``(w_i, b_i)``.

    Returns ``(alpha, beta, gamma)``, each ``(n, m)``, with ``dK_ij/dw_i = alpha_ij w_i + beta_ij v_j`` and
    ``dK_ij/db_i = gamma_ij``. By Stein's lemma, ``dK/dw = E[x 1{<w,x>+b>0} relu(<v,x>+c)]`` splits into

    * ``alpha = E[delta(<w,x> + b) relu(<v,x> + c)] = phi(a)/|w| E[relu(<v,x> + c) | <w,x> = -b]``,
    * ``beta = P(<w,x> + b > 0, <v,x> + c > 0) = Phi2(a, c'; rho)``,

    and ``gamma = E[1{<w,x>+b>0} relu(<v,x>+c)] = |v| (c' beta + E[Y; X > -a, Y > -c'])``, with
    ``a = b/|w|``, ``c' = c/|v|``, ``rho`` the cosine of the angle and ``(X, Y)`` the standard bivariate
    normal pair of correlation ``rho``. (Anti-)parallel pairs use the one-dimensional limits; a zero
    ``w_i`` (the constant ``relu(b_i)``) gets ``alpha = 0``, ``beta = 1{b > 0} P(<v,x> + c > 0)``; a zero
    ``v_j`` (the constant ``relu(c_j)``) gets ``alpha = relu(c) phi(a)/|w|``, ``gamma = relu(c) Phi(a)``.
    """
    W, V = np.asarray(W, float), np.asarray(V, float)
    b, c = np.asarray(b, float), np.asarray(c, float)
    nw, nv = np.linalg.norm(W, axis=1), np.linalg.norm(V, axis=1)
    sw, sv = np.where(nw > 0, nw, 1.0), np.where(nv > 0, nv, 1.0)
    rho = np.clip((W @ V.T) / (sw[:, None] * sv[None, :]), -1.0, 1.0)
    a = np.broadcast_to((b / sw)[:, None], rho.shape)
    cp = np.broadcast_to((c / sv)[None, :], rho.shape)
    NV = np.broadcast_to(nv[None, :], rho.shape)
    NW = np.broadcast_to(sw[:, None], rho.shape)
    s = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    pos, neg = rho > 1.0 - _DEGENERATE, rho < -1.0 + _DEGENERATE
    gen = ~(pos | neg)
    ss = np.where(gen, s, 1.0)
    # generic pairs: Phi2 by Owen's T, and
    # E[Y; X > -a, Y > -c'] = phi(c') Phi((a - rho c')/s) + rho phi(a) Phi((c' - rho a)/s)
    beta = np.where(gen, bivariate_normal_cdf(a, cp, np.where(gen, rho, 0.0)), 0.0)
    ey = _phi(cp) * _Phi((a - rho * cp) / ss) + rho * _phi(a) * _Phi((cp - rho * a) / ss)
    cond = _relu_mean(NV * (cp - rho * a), NV * s)                   # E[relu(<v,x>+c) | <w,x> = -b]
    # rho = +1: Y = X;  rho = -1: Y = -X
    t = np.maximum(-a, -cp)
    beta = np.where(pos, _Phi(np.minimum(a, cp)), beta)
    beta = np.where(neg, np.maximum(_Phi(cp) - _Phi(-a), 0.0), beta)
    ey = np.where(pos, _phi(t), ey)                                  # E[X; X > t]
    ey = np.where(neg, np.where(cp > -a, _phi(cp) - _phi(a), 0.0), ey)   # E[-X; -a < X < c']
    cond = np.where(pos, NV * np.maximum(cp - a, 0.0), cond)
    cond = np.where(neg, NV * np.maximum(cp + a, 0.0), cond)
    alpha = _phi(a) / NW * cond
    gamma = NV * (cp * beta + ey)
    # a zero w: the feature is the constant relu(b); E[x relu(<v,x>+c)] = v P(<v,x> + c > 0)
    zero = np.broadcast_to((nw == 0)[:, None], rho.shape)
    on = np.broadcast_to((b > 0)[:, None].astype(float), rho.shape)
    p_v = np.where(nv > 0, _Phi(cp), (c > 0)[None, :].astype(float))
    m_v = np.where(nv > 0, _relu_mean(np.broadcast_to(c[None, :], rho.shape), NV), np.maximum(c, 0.0)[None, :])
    # a zero v: the other factor is the constant relu(c), so dK/dw = relu(c) E[x 1{<w,x>+b>0}]
    zero_v = np.broadcast_to((nv == 0)[None, :], rho.shape)
    const = np.broadcast_to(np.maximum(c, 0.0)[None, :], rho.shape)
    alpha = np.where(zero_v, _phi(a) / NW * const, alpha)
    beta = np.where(zero_v, 0.0, beta)
    gamma = np.where(zero_v, _Phi(a) * const, gamma)
    alpha = np.where(zero, 0.0, alpha)
    beta = np.where(zero, on * p_v, beta)
    gamma = np.where(zero, on * m_v, gamma)
    return alpha, beta, gamma


class _BiasedReluKernel(torch.autograd.Function):
    """``K(W, b; V, c)`` (numpy, Owen's T) with the closed backward of :func:`kernel_partials`."""

    @staticmethod
    def forward(ctx, W, b, V, c):
        ctx.save_for_backward(W, b, V, c)
        K = biased_relu_kernel(W.detach().cpu().numpy(), b.detach().cpu().numpy(),
                               V.detach().cpu().numpy(), c.detach().cpu().numpy())
        return torch.as_tensor(K, dtype=W.dtype, device=W.device)

    @staticmethod
    def backward(ctx, grad):
        W, b, V, c = ctx.saved_tensors
        Wn, bn, Vn, cn = (t.detach().cpu().numpy() for t in (W, b, V, c))
        G = grad.detach().cpu().numpy()
        out = [None, None, None, None]
        as_t = lambda a: torch.as_tensor(a, dtype=W.dtype, device=W.device)   # noqa: E731
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            al, be, ga = kernel_partials(Wn, bn, Vn, cn)
            out[0] = as_t((G * al).sum(1)[:, None] * Wn + (G * be) @ Vn)    # sum_j G_ij (alpha w_i + beta v_j)
            out[1] = as_t((G * ga).sum(1))
        if ctx.needs_input_grad[2] or ctx.needs_input_grad[3]:
            al, be, ga = kernel_partials(Vn, cn, Wn, bn)                      # roles swapped: K is symmetric
            Gt = G.T
            out[2] = as_t((Gt * al).sum(1)[:, None] * Vn + (Gt * be) @ Wn)
            out[3] = as_t((Gt * ga).sum(1))
        return tuple(out)


def biased_relu_kernel_torch(W: torch.Tensor, b: torch.Tensor, V: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """``K[i, j] = E[relu(<w_i,x> + b_i) relu(<v_j,x> + c_j)]``, ``x ~ N(0, I)``, differentiable in all four.

    ``W`` ``(n, d)``, ``b`` ``(n,)``, ``V`` ``(m, d)``, ``c`` ``(m,)`` (float64 tensors); returns ``(n, m)``.
    Forward: the closed form of :func:`rfexplore.gaussian.biased_relu_kernel` (computed in numpy on
    the CPU); backward: the closed gradient of :func:`kernel_partials` (checked against finite
    differences in the tests).
    """
    return _BiasedReluKernel.apply(W, b, V, c)


def _self_moment(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``E[relu(<w,x> + b)^2] = |w|^2 ((1 + a^2) Phi(a) + a phi(a))``, ``a = b/|w|`` (torch, ``|w| > 0``)."""
    n = w.norm()
    a = b / n
    phi = torch.exp(-0.5 * a * a) / _SQRT_2PI
    return n * n * ((1.0 + a * a) * torch.special.ndtr(a) + a * phi)


def biased_neuron_loss(w: torch.Tensor, b: torch.Tensor, w_star: torch.Tensor, b_star: torch.Tensor) -> torch.Tensor:
    """Exact ``E[(relu(<w,x> + b) - relu(<w*,x> + b*))^2]`` for ``x ~ N(0, I_d)`` (``w`` non-zero).

    ``K(w,b; w,b) - 2 K(w,b; w*,b*) + K(w*,b*; w*,b*)``; differentiable in ``w`` (``(d,)``) and ``b``
    (a 0-d tensor). Near the optimum the three terms cancel: the loss is accurate to about
    ``1e-16 E[relu(<w*,x> + b*)^2]`` in absolute terms, not relative to itself.
    """
    cross = biased_relu_kernel_torch(w[None], b.reshape(1), w_star[None], b_star.reshape(1))[0, 0]
    return _self_moment(w, b) - 2.0 * cross + _self_moment(w_star, b_star)


def biased_neuron_loss_and_grad(w, b: float, w_star, b_star: float):
    """``(F, grad_w F, dF/db)`` in closed form (numpy), for ``F`` of :func:`biased_neuron_loss` (``w`` non-zero).

    With ``S(w, b) = E[relu(<w,x> + b)^2]``: ``grad_w S = 2 Phi(a) w`` and ``dS/db = 2 |w| (a Phi(a) + phi(a))``
    (``a = b/|w|``, Stein's lemma); the cross term's partials are :func:`kernel_partials`, and since
    ``relu(<w,x> + b)`` is 1-homogeneous in ``(w, b)`` (Euler) the cross term itself is
    ``K = alpha |w|^2 + beta <w, w*> + gamma b``: one bivariate normal CDF per step. The training loop
    uses this; the tests check it against the autograd of :func:`biased_neuron_loss` and against
    finite differences.
    """
    w, ws = np.asarray(w, dtype=np.float64), np.asarray(w_star, dtype=np.float64)
    (al,), (be,), (ga,) = (x[0] for x in kernel_partials(w[None], np.array([b]), ws[None], np.array([b_star])))
    nw, ns = float(np.linalg.norm(w)), float(np.linalg.norm(ws))
    a, a_s = b / nw, b_star / ns
    S = nw * nw * ((1.0 + a * a) * _Phi(a) + a * _phi(a))             # E[relu(<w,x> + b)^2]
    S_star = ns * ns * ((1.0 + a_s * a_s) * _Phi(a_s) + a_s * _phi(a_s))
    K = al * nw * nw + be * float(w @ ws) + ga * b                     # Euler: K = <w, dK/dw> + b dK/db
    loss = float(S - 2.0 * K + S_star)
    gw = 2.0 * _Phi(a) * w - 2.0 * (al * w + be * ws)
    gb = float(2.0 * nw * (a * _Phi(a) + _phi(a)) - 2.0 * ga)
    return loss, gw, gb


@dataclass(frozen=True)
class BiasedNeuronResult:
    """History of ``relu(<w, x> + b)`` trained by gradient descent on the exact population loss.

    Histories have shape ``(steps_done + 1,)``; entry ``t`` is after ``t`` steps.

    Attributes
    ----------
    losses : relative loss ``E[(f - y)^2] / E[y^2]``
    biases : ``b_t``;  norms : ``|w_t|``;  angles : angle between ``w_t`` and ``w*`` (radians)
    gradient_norms : ``|(grad_w F, dF/db)|`` of the (absolute) loss at step ``t``
    active : ``P(<w_t, x> + b_t > 0) = Phi(b_t / |w_t|)``, the share of inputs where the neuron is on
    distances : ``|(w_t, b_t) - (w*, b*)| / |(w*, b*)|``, the relative distance of all ``d + 1`` parameters
    weights, bias : the final ``w`` ``(d,)`` and ``b``
    stopped_by : ``None``, ``"diverged"`` (non-finite loss), ``"collapsed"`` (``w`` reached 0),
    ``"callback"`` (the callback asked to stop) or ``"interrupt"`` (``KeyboardInterrupt``: the run so far)
    """

    d: int
    losses: np.ndarray
    biases: np.ndarray
    norms: np.ndarray
    angles: np.ndarray
    gradient_norms: np.ndarray
    active: np.ndarray
    distances: np.ndarray
    weights: np.ndarray = field(repr=False)
    bias: float = 0.0
    steps_done: int = 0
    steps: int = 0
    stopped_by: str | None = None
    message: str = ""
    lr: float = 0.0
    seed: int = 0
    target: str = ""

    @property
    def complete(self) -> bool:
        """Every step ran (no failure mode, no stop request)."""
        return self.stopped_by is None

    def steps_to(self, level: float) -> int | None:
        """First step whose relative loss is ``<= level`` (``None`` if never)."""
        hit = np.flatnonzero(self.losses <= level)
        return int(hit[0]) if hit.size else None


def _start(init, d, seed, init_scale, init_bias):
    """``(w0, b0)``: a uniform random direction of norm ``init_scale`` with bias ``init_bias``, or given."""
    if isinstance(init, str):
        validation.choice("init", init, ("random",))
        g = np.random.default_rng(np.random.SeedSequence([seed, 7])).standard_normal(d)
        return init_scale * g / np.linalg.norm(g), init_bias
    if not isinstance(init, tuple) or len(init) != 2:
        raise TypeError(f"init must be 'random' or a tuple (w0, b0), got {type(init).__name__}")
    w0 = validation.as_matrix("init[0]", init[0], d=d)
    if w0.shape[0] != 1:
        raise ValueError(f"init[0] must be one vector of shape ({d},), got shape {np.shape(init[0])}")
    if not np.any(w0):
        raise ValueError("init[0] must be a non-zero vector, got all zeros: the loss has no gradient in w at w = 0")
    return w0[0], validation.real("init[1]", init[1])


def train_biased_neuron(d: int, *, target: ReluTarget, steps: int, lr: float, seed: int = 0, init="random",
                        init_scale: float = 1.0, init_bias: float = 0.0, callback=None) -> BiasedNeuronResult:
    """Gradient descent on ``(w, b)`` for ``relu(<w,x> + b)`` towards a ReLU neuron, on the exact population loss.

    Parameters
    ----------
    d : int
    target : ReluTarget
        Any norm and bias, e.g. ``ReluTarget(norm=R, bias=-b_j)`` for a component of the periodic
        target (:meth:`rfexplore.periodic.ReluDecomposition.neuron`).
    steps : int
    lr : float
        Step size on the absolute loss ``F``. Its curvature is at most about ``1 + b^2/|w|^2`` in
        ``(w, b)``, so ``lr`` below 1 is stable for moderate offsets.
    seed : int
        Seeds the random start.
    init : "random" or tuple (w0, b0)
        ``"random"``: a uniform random direction with norm ``init_scale`` and bias ``init_bias``.
    init_scale, init_bias : float
    callback : callable, optional
        ``callback(step, state)`` after every step, ``state`` with ``"step"``, ``"steps"``, ``"loss"``
        (relative), ``"w"`` and ``"b"``; anything true stops the run (``stopped_by="callback"``). A
        ``KeyboardInterrupt`` returns the run so far (``stopped_by="interrupt"``), as in :mod:`rfexplore.train`.

    Returns
    -------
    BiasedNeuronResult

    Notes
    -----
    Nothing is tuned to succeed: a start that is off on almost all inputs (``b0/|w0|`` very negative)
    gets an exponentially small gradient, ``|grad| ~ phi(b0/|w0|)``, and barely moves (see
    ``gradient_norms`` and ``active``); a run that reaches a non-finite loss stops (``"diverged"``).
    """
    d = validation.positive_int("d", d)
    if not isinstance(target, ReluTarget):
        raise TypeError(f"target must be a ReluTarget, got {type(target).__name__}")
    steps = _check_steps(steps)
    lr = validation.positive("lr", lr)
    seed = validation.seed(seed)
    init_scale = validation.positive("init_scale", init_scale)
    init_bias = validation.real("init_bias", init_bias)
    # six float64 histories of steps + 1 entries and their cut copies; start, target, gradients: ~8 vectors of d
    validation.check_memory(8.0 * (12 * (steps + 1) + 10 * d) + 2**16,
                            f"training a biased neuron in d={d} for {steps} steps",
                            fix="use a smaller d or fewer steps")
    w0, b0 = _start(init, d, seed, init_scale, init_bias)
    ws, bs = target.weight(d).astype(np.float64), float(target.bias)
    kss = float(target.second_moment(d))
    w, b = np.array(w0, dtype=np.float64), float(b0)
    names = ("loss", "bias", "norm", "angle", "grad", "active", "dist")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    hist = {k: np.full(steps + 1, np.nan) for k in names}
    run = _Descent(ws, bs, kss, hist)
    last, stopped_by, message = None, None, ""                 # last: (t, w, b) of the last row fully recorded
    try:
        with np.errstate(over="ignore", invalid="ignore"):    # a diverging run is reported, not warned about
            for t in range(steps + 1):
                end = run.record(t, w, b, lr)
                last = (t, w, b)                               # the commit: one assignment, atomic for an interrupt
                if end is None and t < steps:
                    w_next = w - lr * run.gw                   # one gradient step on (w, b)
                    if not np.any(w_next):
                        end = ("collapsed", f"w would reach exactly 0 at step {t + 1}, where F has no gradient: "
                                            f"stopped at step {t}")
                    elif callback is not None and callback(t, {"step": t, "steps": steps, "loss": hist["loss"][t],
                                                               "w": w.copy(), "b": b}):
                        end = ("callback", f"stopped by the callback after {t} of {steps} steps")
                if end is not None:
                    stopped_by, message = end
                    break
                if t < steps:
                    w, b = w_next, b - lr * run.gb
    except KeyboardInterrupt:
        if last is None:                                       # not even the start was recorded: record it now
            run.record(0, w, b, lr)
            last = (0, w, b)
        if last[0] < steps:
            stopped_by, message = "interrupt", f"interrupted (KeyboardInterrupt) after {last[0]} of {steps} steps"
    state = last
    done, w, b = state
    cut = {k: v[: done + 1].copy() for k, v in hist.items()}
    return BiasedNeuronResult(
        d=d, losses=cut["loss"], biases=cut["bias"], norms=cut["norm"], angles=cut["angle"],
        gradient_norms=cut["grad"], active=cut["active"], distances=cut["dist"], weights=np.array(w, copy=True),
        bias=float(b), steps_done=done, steps=steps, stopped_by=stopped_by, message=message, lr=lr, seed=seed,
        target=target.label())


class _Descent:
    """Records history row ``t`` at ``(w, b)`` and keeps the gradient there for the next step."""

    def __init__(self, ws, bs, kss, hist):
        self.ws, self.bs, self.kss, self.hist = ws, bs, kss, hist
        self.unit = ws / np.linalg.norm(ws)
        self.size = math.sqrt(float(ws @ ws) + bs * bs)                      # |(w*, b*)|
        self.gw, self.gb = None, None

    def record(self, t, w, b, lr):
        """Write row ``t``; ``None`` to go on, or ``(stopped_by, message)`` for a failure mode at this row."""
        h = self.hist
        loss, gw, gb = biased_neuron_loss_and_grad(w, b, self.ws, self.bs)
        nw, along = float(np.linalg.norm(w)), float(w @ self.unit)
        gap = w - self.ws
        row = {"loss": loss / self.kss, "bias": b, "norm": nw,
               "angle": math.atan2(float(np.linalg.norm(w - along * self.unit)), along),
               "grad": math.sqrt(float(gw @ gw) + gb * gb),
               "active": float(special.ndtr(b / nw)),                                  # P(<w,x> + b > 0)
               "dist": math.sqrt(float(gap @ gap) + (b - self.bs) * (b - self.bs)) / self.size}  # relative
        for k, v in row.items():
            h[k][t] = v
        self.gw, self.gb = gw, gb
        if not math.isfinite(row["loss"]):
            return "diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large"
        return None
