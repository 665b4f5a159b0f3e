"""One job: train a two-layer network on both layers beside its RF and linearized models (DESIGN 2.9).

:func:`train_two_layer` trains ``f(x) = (alpha / sqrt(r)) sum_i u_i relu(<w_i, x>)`` from a
sign-symmetric start, on the exact population loss (closed-form kernels with torch gradients) or
on samples, with its RF model (first layer frozen) and its linearized (tangent, NTK) model trained
alongside; :func:`linearized_population_loss` is the tangent model's exact loss (:class:`_Tangent`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import validation
from ..gaussian import relu_kernel_torch
from ..targets import check_target
from ..validation import as_matrix, as_vector, check_memory
from ._angles import _pair_geometry
from ._common import (
    _check_lr,
    _check_population_target,
    _check_samples,
    _check_second_moment,
    _check_steps,
    _data_bytes,
    _gaussian_data,
)
from ._run import _SLACK, RunRecord, _drive, _History, _history_bytes, _reads_run

__all__ = ["TwoLayerResult", "train_two_layer", "linearized_population_loss"]

_TWO_PI = 2.0 * math.pi
_SIN_TINY = 1e-7          # below this sin(theta), rank-2 tangent-kernel corrections (O(theta)) are dropped
_ALPHA_RANGE = (1e-6, 1e6)  # beyond it the default lr = 1 / alpha^2 or the output scale leaves the float range


@_reads_run
@dataclass(frozen=True)
class TwoLayerResult:
    """History of ``f(x) = (alpha / sqrt(r)) sum_i u_i relu(<w_i, x>)`` trained on both layers.

    Histories have shape ``(steps_done + 1,)``; losses and gaps are relative to ``E[y^2]``.

    Attributes
    ----------
    losses : the network's loss (exact population, or held-out test loss with ``samples``)
    train_losses : training loss on the samples (``None`` for the population loss)
    movements : ``|W_t - W_0|_F / |W_0|_F``, relative movement of the first layer
    output_movements : ``|u_t - u_0| / |u_0|``
    rf_losses, lin_losses : losses of the RF model (``W`` frozen at ``W_0``, only ``u`` trained)
        and of the linearized (tangent) model, trained alongside with the same steps
    rf_gaps, lin_gaps : ``E[(f - f_rf)^2] / E[y^2]`` and ``E[(f - f_lin)^2] / E[y^2]``
        (all four ``None`` when ``compare=False``)
    W, u : first-layer ``(r, d)`` and output ``(r,)`` weights after ``steps_done`` steps (also after
        an interruption: the state of the last history entry)
    run : :class:`rfexplore.train.RunRecord`; its attributes read directly too: ``steps_done``,
        ``steps``, ``complete``, ``interrupted``, ``stopped_by``, ``message``, ``exact``, ``samples``,
        ``batch_size``, ``lr``, ``seed``, ``target``
    """

    d: int
    width: int
    alpha: float
    losses: np.ndarray
    train_losses: np.ndarray | None
    movements: np.ndarray
    output_movements: np.ndarray
    rf_losses: np.ndarray | None
    lin_losses: np.ndarray | None
    rf_gaps: np.ndarray | None
    lin_gaps: np.ndarray | None
    W: np.ndarray = field(repr=False)
    u: np.ndarray = field(repr=False)
    run: RunRecord


class _Tangent:
    """Exact Gaussian moments of the tangent features of ``sum_i u_i relu(<w_i, x>)`` at ``W_0``.

    The linearized model is ``f_lin(x) = c sum_i [u_i relu(<w0_i,x>) + 1[<w0_i,x> > 0] <b_i, x>]``
    with ``b_i = u0_i (w_i - w0_i)``. Its moments use, for unit directions at angle ``theta``,
    ``E[1[<w,x>>0] 1[<v,x>>0] x x^T] = ((pi - theta) I + (w v^T + v w^T - cos theta (w w^T + v v^T))
    / sin theta) / (2 pi)`` (the mixed Hessian of ``kappa``; the rank-2 part is ``O(theta)`` and is
    dropped where ``sin theta < 1e-7``) and
    ``E[relu(<w,x>) 1[<v,x>>0] x] = grad_v kappa(w, v) = ((pi - theta) w + sin theta |w| v/|v|)/(2 pi)``.
    Everything is ``O(r^2 d)``: sums over pairs become matrix products, never ``r^2 d`` arrays.
    """

    def __init__(self, W0, w_star):
        self.W0 = W0
        self.U0 = W0 / W0.norm(dim=1, keepdim=True)                 # unit directions w0_i / |w0_i|
        self.geometry = _pair_geometry(W0, W0)
        self.pmt, sin, cos, self.K0, _ = self.geometry
        self.S = torch.where(sin > _SIN_TINY, 1.0 / sin.clamp_min(_SIN_TINY), 0.0)     # 1 / sin theta_ij
        self.CS = cos * self.S
        pmt_s, sin_s, _, k0, _ = _pair_geometry(W0, w_star[None])
        self.k0 = k0[:, 0]
        # E[1[<w0_i,x>>0] x relu(<w*,x>)] = ((pi - theta_i*) w* + sin theta_i* |w*| w0_i/|w0_i|) / (2 pi)
        self.g_star = (pmt_s * w_star[None] + sin_s * w_star.norm() * self.U0) / _TWO_PI

    def second_moment(self, B):
        """``sum_ij E[1_i 1_j <b_i,x><b_j,x>]`` for the tangent directions ``B`` ``(r, d)``."""
        P = B @ self.U0.T                                            # P_ij = <b_i, w0_j/|w0_j|>
        p = P.diagonal()
        # sum_ij b_i^T E[1_i 1_j x x^T] b_j, the rank-2 part expanded with C/S and P symmetric in (i, j)
        rank2 = (P * P.T * self.S).sum() + p @ (self.S @ p) - 2.0 * ((self.CS * P) @ p).sum()
        return ((B * (self.pmt @ B)).sum() + rank2) / _TWO_PI

    def relu_cross(self, u, B, W=None, geometry=None):
        """``sum_ij u_i E[relu(<w_i,x>) 1[<w0_j,x>>0] <b_j,x>]`` for ``W`` (default ``W0``) ``(r, d)``.

        ``geometry``: ``_pair_geometry(W, W0)`` when ``W`` is given.
        """
        W, (pmt, sin, _, _, nw) = (self.W0, self.geometry) if W is None else (W, geometry)
        q = (self.U0 * B).sum(1)                                     # <b_j, w0_j/|w0_j|>
        # sum_ij u_i [(pi - theta_ij) <w_i, b_j> + sin theta_ij |w_i| <b_j, w0_j/|w0_j|>] / (2 pi)
        return ((B * (pmt.T @ (u[:, None] * W))).sum() + (u * nw) @ (sin @ q)) / _TWO_PI

    def loss(self, u, B, c, kss):
        """Exact ``E[(f_lin - y)^2]``: ``E[f_lin^2] - 2 E[f_lin y] + E[y^2]``; also returns ``E[f_lin^2]``."""
        f2 = c * c * (u @ (self.K0 @ u) + 2.0 * self.relu_cross(u, B) + self.second_moment(B))
        fy = c * (u @ self.k0 + (B * self.g_star).sum())
        return f2 - 2.0 * fy + kss, f2


def linearized_population_loss(W0, u0, W, u, *, alpha: float = 1.0, target=None) -> float:
    """Exact population loss (relative) of the linearized network at parameters ``(W, u)``.

    ``f_lin(x) = (alpha/sqrt(r)) sum_i [u_i relu(<w0_i,x>) + u0_i 1[<w0_i,x> > 0] <w_i - w0_i, x>]``,
    the first-order Taylor model of the network around ``(W0, u0)``; see :class:`_Tangent` for
    the closed forms. ``W0, W``: ``(r, d)``; ``u0, u``: ``(r,)``; bias-free ReLU target.
    """
    W0 = as_matrix("W0", W0)
    r, d = W0.shape
    W = as_matrix("W", W, d=d)
    if W.shape != W0.shape:
        raise ValueError(f"W must have the shape of W0 {W0.shape}, got shape {W.shape}")
    u0, u = (torch.as_tensor(as_vector(name, a, r)) for name, a in (("u0", u0), ("u", u)))
    alpha = validation.positive("alpha", alpha)
    target = check_target(target)
    _check_population_target(target, "linearized_population_loss")
    check_memory(_tangent_bytes(r), f"the tangent moments of {r} neurons", fix="use fewer neurons")
    W0, W = torch.as_tensor(W0), torch.as_tensor(W)
    w_star = torch.as_tensor(target.weight(d))
    kss = _check_second_moment(target, target.second_moment(d), d)
    tan = _Tangent(W0, w_star)
    with torch.no_grad():
        return float(tan.loss(u, u0[:, None] * (W - W0), alpha / math.sqrt(len(u)), kss)[0]) / kss


def _tangent_bytes(r: int) -> float:
    """Peak of :class:`_Tangent` and one evaluation of its loss: about twenty ``(r, r)`` arrays."""
    return _SLACK * 8.0 * 20 * r * r


def _two_layer_init(d, width, seed):
    """Sign-symmetric start: rows ``2i, 2i+1`` share ``w_i`` (uniform on the sphere), ``u = (s_i, -s_i)``."""
    ss_w, ss_u = np.random.SeedSequence([seed, 2]).spawn(2)
    G = np.random.default_rng(ss_w).standard_normal((width // 2, d))
    G /= np.linalg.norm(G, axis=1, keepdims=True)
    s = np.random.default_rng(ss_u).choice([-1.0, 1.0], width // 2)
    return np.repeat(G, 2, axis=0), np.stack([s, -s], 1).reshape(-1)


def train_two_layer(d: int, width: int, *, alpha: float = 1.0, steps: int, lr: float | None = None,
                    seed: int = 0, target=None, samples: int | None = None, batch_size: int | None = None,
                    test_samples: int = 10_000, compare: bool = True, device=None,
                    callback=None) -> TwoLayerResult:
    """Train ``f(x) = (alpha / sqrt(r)) sum_i u_i relu(<w_i, x>)`` on both layers (DESIGN 2.9).

    The start is sign-symmetric — neurons in pairs ``(w, u), (w, -u)`` with ``w`` uniform on the
    sphere and ``u = +-1`` — so the initial output is exactly zero. Alongside the network, with the
    same steps, train its RF model (``W`` frozen at ``W_0``, only ``u``) and its linearized
    (tangent, NTK) model, and record how far the first layer moves and how far the network is
    from both. Large width or large ``alpha``: lazy, RF/tangent-like; small ``alpha``: the
    features move and the neuron is learned.

    Parameters
    ----------
    d : int
    width : int
        ``r``, even (neurons come in sign-symmetric pairs).
    alpha : float
        Output scale, from 1e-6 to 1e6.
    steps : int
        At most ten million.
    lr : float, optional
        Step size; default ``1 / alpha^2`` (the function then moves at a rate independent of
        ``alpha``: lazy training keeps the same speed, and the RF and linearized models follow
        the same curve at every ``alpha``). Well below ``alpha = 1`` that step is too large for
        the non-linear dynamics (``alpha = 0.1``: erratic, ``0.05``: diverges, reported as
        ``stopped_by="diverged"``); pass a smaller ``lr`` there.
    seed : int
    target : ReluTarget, optional
        ``None``: the unit neuron. The population loss needs a bias-free ReLU target; with
        ``samples`` any target works.
    samples : int, optional
        ``None``: gradient descent on the exact population loss
        ``(alpha^2/r) u^T K(W) u - 2 (alpha/sqrt r) u^T k(W) + k**`` (autograd through the
        closed-form kernel; ``O(r^2 d)`` per step, no sampling noise). ``n``: (S)GD on ``n``
        samples, with losses and gaps on ``test_samples`` held-out samples.
    batch_size : int, optional
        Minibatch size on samples (with replacement); ``None``: full batch.
    test_samples : int
    compare : bool
        Also train the RF and linearized models and record the gaps (about 3x the cost).
    device : str or torch.device, optional
    callback : callable, optional
        ``callback(step, state)``; ``state`` keys ``"step"``, ``"steps"``, ``"loss"``,
        ``"movement"``, ``"rf_loss"``, ``"lin_loss"``, ``"rf_gap"``, ``"lin_gap"``, ``"losses"``;
        return anything true (or raise ``StopIteration``) to stop.

    Returns
    -------
    TwoLayerResult

    Notes
    -----
    The linearized model's population loss is exact too: its features ``relu(<w0_i,x>)`` and
    ``1[<w0_i,x> > 0] x`` have closed Gaussian moments (derivatives of the arc-cosine kernel).
    On the population loss with ``compare`` the peak is about 35 ``(r, r)`` float64 arrays (measured
    at ``r = 1000``; about 26 GiB at ``r = 10 000``); a run that would not fit is refused before it allocates.
    """
    d = validation.positive_int("d", d)
    width = validation.positive_int("width", width)
    if width % 2:
        raise ValueError(f"width must be even (neurons come in pairs (w, u), (w, -u) so the initial output "
                         f"is zero), got {width}")
    alpha = _check_alpha(alpha)
    steps = _check_steps(steps)
    lr = 1.0 / alpha ** 2 if lr is None else _check_lr(lr)
    seed = validation.seed(seed)
    target = check_target(target)
    samples, batch_size, test_samples = _check_samples(samples, batch_size, test_samples)
    compare = validation.boolean("compare", compare)
    dev = validation.device(device)
    callback = validation.callback(callback)
    if samples is None:
        _check_population_target(target, "train_two_layer")
        what, fix = f"the population loss of a width-{width} network", "use a smaller width"
    else:
        what = f"a width-{width} network on {samples} + {test_samples} samples"
        fix = "use a smaller width or fewer samples"
    check_memory(_peak_bytes(d, width, steps, compare, samples, test_samples, batch_size), what, dev,
                 fix=fix + " or fewer steps")
    W0_np, u0_np = _two_layer_init(d, width, seed)
    W0 = torch.as_tensor(W0_np, device=dev)
    u0 = torch.as_tensor(u0_np, device=dev)
    c = alpha / math.sqrt(width)
    if samples is None:
        w_star = torch.as_tensor(target.weight(d), device=dev)
        kss = _check_second_moment(target, target.second_moment(d), d)
        model = _PopulationModels(W0, u0, w_star, c, kss, compare)
    else:
        X, y, Xt, yt, kss, rng = _gaussian_data(seed, samples, test_samples, d, target, dev)
        model = _SampleModels(W0, u0, c, kss, compare, X, y, Xt, yt, batch_size, rng)
    hist = _History(steps, _history_names(samples, compare))
    nW0, nu0 = float(W0.norm()), float(u0.norm())

    def record(p, t):
        vals = model.evaluate(p)
        with torch.no_grad():
            vals["move"] = float((p.W - W0).norm()) / nW0             # |W_t - W_0|_F / |W_0|_F
            vals["umove"] = float((p.u - u0).norm()) / nu0
        hist.put(t, vals)

    def advance(p, t):
        p = model.step(p, lr)
        record(p, t)
        if not math.isfinite(hist.a["loss"][t]):
            return p, ("diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large")
        return p, None

    def view(t, p):
        a = hist.a
        s = {"step": t, "steps": steps, "loss": a["loss"][t], "movement": a["move"][t],
             "losses": hist.upto("loss", t)}
        if compare:
            s.update(rf_loss=a["rf"][t], lin_loss=a["lin"][t], rf_gap=a["rf_gap"][t], lin_gap=a["lin_gap"][t])
        return s

    record(model.start, 0)
    done, p, stopped_by, message = _drive(steps, model.start, advance, callback, view)
    return TwoLayerResult(
        d=d, width=width, alpha=alpha, losses=hist.get("loss", done), train_losses=hist.get("train", done),
        movements=hist.get("move", done), output_movements=hist.get("umove", done),
        rf_losses=hist.get("rf", done), lin_losses=hist.get("lin", done), rf_gaps=hist.get("rf_gap", done),
        lin_gaps=hist.get("lin_gap", done), W=p.W.detach().cpu().numpy(), u=p.u.detach().cpu().numpy(),
        run=RunRecord(steps=steps, steps_done=done, stopped_by=stopped_by, message=message, lr=lr, seed=seed,
                      target=target.label(), exact=samples is None, samples=samples, batch_size=batch_size))


def _check_alpha(alpha) -> float:
    alpha = validation.positive("alpha", alpha)
    low, high = _ALPHA_RANGE
    if not low <= alpha <= high:
        raise ValueError(f"alpha must be from {low:g} to {high:g} (beyond, the default lr = 1 / alpha^2 or the "
                         f"output scale alpha / sqrt(r) leaves the float range), got {alpha:g}")
    return alpha


def _history_names(samples, compare):
    return ["loss", "move", "umove"] + (["train"] if samples is not None else []) + \
        (["rf", "lin", "rf_gap", "lin_gap"] if compare else [])


def _peak_bytes(d, width, steps, compare, samples=None, test_samples=0, batch_size=None) -> float:
    """Peak memory of :func:`train_two_layer` (the tests measure real peaks against it)."""
    r = width
    hist = _history_bytes(steps, len(_history_names(samples, compare)))
    params = 8.0 * r * d * (16 if compare else 6)                  # W, W0 and the linearized W, their steps
    if samples is None:
        # (r, r) arrays: the kernel and its closed backward for one forward + one gradient (14); with
        # compare, the tangent moments kept, the linearized loss's graph and the gaps' geometry (36)
        return _SLACK * (8.0 * r * r * (36 if compare else 14) + params + hist)
    n, nt, b = samples, test_samples, batch_size or samples
    # (n, r) activations and their graph for each model, on the batch and on the larger sample set
    per = 8.0 * r * ((5 if compare else 3) * b + (5 if compare else 3) * max(n, nt))
    return _SLACK * (_data_bytes(n, nt, d) + per + params + hist)


@dataclass(frozen=True)
class _Point:
    """The three models' parameters at one step; on the population loss also their losses (with graph).

    ``W, u``: the network; ``v``: the RF model's output weights; ``lin_W, lin_u``: the linearized model.
    """

    W: torch.Tensor
    u: torch.Tensor
    v: torch.Tensor | None = None
    lin_W: torch.Tensor | None = None
    lin_u: torch.Tensor | None = None
    loss: torch.Tensor | None = None
    f2: torch.Tensor | None = None
    lin_loss: torch.Tensor | None = None
    lin_f2: torch.Tensor | None = None


def _leaf(x):
    return None if x is None else x.requires_grad_(True)


class _PopulationModels:
    """Network, RF model and linearized model on the exact population loss (DESIGN 2.9).

    A :class:`_Point` keeps each loss with its autograd graph at its parameters: one forward per step
    serves both the record and the next gradient. :meth:`step` returns a new point and leaves the
    old one as it was (so an interrupted run keeps the point of its last recorded step).
    """

    def __init__(self, W0, u0, w_star, c, kss, compare):
        self.W0, self.u0, self.w_star, self.c, self.kss, self.compare = W0, u0, w_star, c, kss, compare
        if compare:
            self.tan = _Tangent(W0, w_star)
            self.start = self.forward(W0.clone(), u0.clone(), u0.clone(), W0.clone(), u0.clone())
        else:
            self.start = self.forward(W0.clone(), u0.clone())

    def forward(self, W, u, v=None, lin_W=None, lin_u=None) -> _Point:
        """The point at these parameters, with its losses (``W, u, lin_W, lin_u`` become autograd leaves)."""
        c, W, u, lin_W, lin_u = self.c, _leaf(W), _leaf(u), _leaf(lin_W), _leaf(lin_u)
        K = relu_kernel_torch(W)                                     # K(W), closed-form backward
        k = relu_kernel_torch(W, self.w_star[None])[:, 0]            # k(W) = E[relu(<w_i,x>) y]
        # L = c^2 u^T K(W) u - 2 c u^T k(W) + k**,  c = alpha / sqrt(r)   (DESIGN 2.9)
        f2 = c * c * (u @ (K @ u))
        loss = f2 - 2.0 * c * (u @ k) + self.kss
        if not self.compare:
            return _Point(W, u, loss=loss, f2=f2)
        B = self.u0[:, None] * (lin_W - self.W0)                     # b_i = u0_i (w_i - w0_i)
        lin_loss, lin_f2 = self.tan.loss(lin_u, B, c, self.kss)
        return _Point(W, u, v, lin_W, lin_u, loss, f2, lin_loss, lin_f2)

    def step(self, p: _Point, lr: float) -> _Point:
        c = self.c
        gW, gu = torch.autograd.grad(p.loss, (p.W, p.u))
        if not self.compare:
            with torch.no_grad():
                W, u = p.W - lr * gW, p.u - lr * gu
            return self.forward(W, u)
        lW, lu = torch.autograd.grad(p.lin_loss, (p.lin_W, p.lin_u))
        with torch.no_grad():
            # RF: gradient of c^2 v^T K0 v - 2 c v^T k0 in v
            v = p.v - lr * (2.0 * c * c * (self.tan.K0 @ p.v) - 2.0 * c * self.tan.k0)
            W, u, lin_W, lin_u = p.W - lr * gW, p.u - lr * gu, p.lin_W - lr * lW, p.lin_u - lr * lu
        return self.forward(W, u, v, lin_W, lin_u)

    def evaluate(self, p: _Point) -> dict:
        kss = self.kss
        out = {"loss": float(p.loss.detach()) / kss}
        if not self.compare:
            return out
        with torch.no_grad():
            tan, c = self.tan, self.c
            W, u, v, lu = p.W.detach(), p.u.detach(), p.v, p.lin_u.detach()
            B = self.u0[:, None] * (p.lin_W.detach() - self.W0)
            geo = _pair_geometry(W, self.W0)
            KW0 = geo[3]                                             # E[relu(<w_i,x>) relu(<w0_j,x>)]
            v2 = c * c * (v @ (tan.K0 @ v))
            rf = v2 - 2.0 * c * (v @ tan.k0) + kss
            f2 = p.f2.detach()
            # E[(f - f_rf)^2] = c^2 (u^T K(W) u - 2 u^T K(W, W0) v + v^T K0 v)
            rf_gap = f2 - 2.0 * c * c * (u @ (KW0 @ v)) + v2
            # E[f f_lin] = c^2 (u^T K(W, W0) u_lin + sum_ij u_i E[relu(<w_i,x>) 1[<w0_j,x>>0] <b_j,x>])
            f_flin = c * c * (u @ (KW0 @ lu) + tan.relu_cross(u, B, W, geo))
            lin_gap = f2 - 2.0 * f_flin + p.lin_f2.detach()
        out.update(rf=float(rf) / kss, lin=float(p.lin_loss.detach()) / kss,
                   rf_gap=max(float(rf_gap), 0.0) / kss, lin_gap=max(float(lin_gap), 0.0) / kss)
        return out


class _SampleModels:
    """Network, RF model and linearized model trained on samples, evaluated on held-out samples.

    :meth:`step` returns a new :class:`_Point` and leaves the old one as it was.
    """

    def __init__(self, W0, u0, c, kss, compare, X, y, Xt, yt, batch, rng):
        self.W0, self.u0, self.c, self.kss, self.compare = W0, u0, c, kss, compare
        self.X, self.y, self.Xt, self.yt, self.batch, self.rng = X, y, Xt, yt, batch, rng
        copies = (u0.clone(), W0.clone(), u0.clone()) if compare else ()
        self.start = _Point(*(_leaf(x) for x in (W0.clone(), u0.clone(), *copies)))

    def net(self, p, X):
        return self.c * (torch.relu(X @ p.W.T) @ p.u)              # (alpha/sqrt r) sum_i u_i relu(<w_i,x>)

    def rf(self, p, X):
        return self.c * (torch.relu(X @ self.W0.T) @ p.v)

    def lin(self, p, X):
        Z0 = X @ self.W0.T
        B = self.u0[:, None] * (p.lin_W - self.W0)
        # first-order Taylor model at (W0, u0): c sum_i [u_i relu(z0_i) + 1[z0_i > 0] <b_i, x>]
        return self.c * (torch.relu(Z0) @ p.lin_u + ((Z0 > 0).to(X.dtype) * (X @ B.T)).sum(1))

    def step(self, p: _Point, lr: float) -> _Point:
        if self.batch is None:
            X, y = self.X, self.y
        else:
            idx = torch.as_tensor(self.rng.integers(0, len(self.X), self.batch), device=self.X.device)
            X, y = self.X[idx], self.y[idx]
        models = [(self.net, ("W", "u"))]
        if self.compare:
            models += [(self.rf, ("v",)), (self.lin, ("lin_W", "lin_u"))]
        new = {}
        for f, names in models:
            params = [getattr(p, n) for n in names]
            grads = torch.autograd.grad((f(p, X) - y).pow(2).mean(), params)
            with torch.no_grad():
                new.update({n: _leaf(q - lr * g) for n, q, g in zip(names, params, grads, strict=True)})
        return _Point(**new)

    def evaluate(self, p: _Point) -> dict:
        with torch.no_grad():
            ft = self.net(p, self.Xt)
            out = {"loss": float((ft - self.yt).pow(2).mean()) / self.kss,
                   "train": float((self.net(p, self.X) - self.y).pow(2).mean()) / self.kss}
            if self.compare:
                frf, flin = self.rf(p, self.Xt), self.lin(p, self.Xt)
                out.update(rf=float((frf - self.yt).pow(2).mean()) / self.kss,
                           lin=float((flin - self.yt).pow(2).mean()) / self.kss,
                           rf_gap=float((ft - frf).pow(2).mean()) / self.kss,
                           lin_gap=float((ft - flin).pow(2).mean()) / self.kss)
        return out
