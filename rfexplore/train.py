"""Training by gradient descent (torch): a single neuron, RF output weights, a two-layer network.

* :func:`train_neuron` — learn ``relu(<w, x>)`` towards a target neuron ``relu(<w*, x>)``,
  either by gradient descent on the exact population loss (DESIGN 2.6, closed-form loss and
  gradient, no sampling noise) or by SGD / full-batch GD on ``n`` Gaussian samples with a
  held-out test loss.
* :func:`train_rf` — the output weights of a random-features model trained by (projected)
  gradient descent on the same population loss; its limit is the exact best fit of
  :mod:`rfexplore.fit`.
* :func:`train_two_layer` — ``f(x) = (alpha / sqrt(r)) sum_i u_i relu(<w_i, x>)`` with both
  layers trained, side by side with its RF model (output layer only) and its linearized
  (tangent) model, on the exact population loss (DESIGN 2.9) or on samples.

Every trainer returns a small frozen dataclass of numpy histories indexed by step: entry ``t``
is the state after ``t`` steps, ``t = 0 .. steps_done``. Each takes ``callback(step, state)``,
called after every step with ``state`` a dict (``"step"``, ``"steps"``, ``"loss"`` and
trainer-specific keys; ``"losses"`` is a view of the history so far: copy it to keep it);
returning ``True`` or raising ``StopIteration`` stops the run, and so does
a ``KeyboardInterrupt`` — the history so far comes back with ``complete=False`` and
``stopped_by`` saying why. A dashboard's Stop button is a callback that checks a flag:
``callback=lambda step, state: stop_event.is_set()``.

The exact population trainers take bias-free ReLU targets (closed forms with torch gradients);
a biased or any other target trains on samples, where the neuron may learn a bias too.
Losses are mean squared errors ``E[(f(x) - y(x))^2]`` reported relative to ``E[y^2]``.
Randomness comes only from ``seed`` (numpy ``SeedSequence`` streams); same seed, same history.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from . import validation
from .features import FeaturePool, check_positive_int, check_seed
from .fit import NestedFit, check_magnitude, check_memory, fit_nested
from .gaussian import as_matrix, relu_kernel_torch
from .targets import ReluTarget, check_target

__all__ = [
    "NeuronResult",
    "RFTrainResult",
    "TwoLayerResult",
    "train_neuron",
    "train_rf",
    "train_two_layer",
    "neuron_population_loss",
    "neuron_population_grad",
    "linearized_population_loss",
]

_TWO_PI = 2.0 * math.pi
_SIN_TINY = 1e-7          # below this sin(theta), rank-2 tangent-kernel corrections (O(theta)) are dropped


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class NeuronResult:
    """History of a single neuron ``relu(<w, x> (+ b))`` trained towards a target.

    Histories have shape ``(steps_done + 1,)``; entry ``t`` is after ``t`` steps.

    Attributes
    ----------
    losses : relative loss ``E[(f - y)^2] / E[y^2]``: exact population loss (``exact=True``) or
        held-out test loss on ``test_samples`` fresh samples (``samples=n``)
    distances : ``|w_t - w*| / |w*|`` (``None`` when the target is not a ReLU neuron)
    angles : angle between ``w_t`` and ``w*`` in radians (``None`` likewise)
    train_losses : relative training loss on the ``n`` samples (``None`` for population GD)
    population_losses : exact relative population loss of a sample-trained bias-free neuron
        against a bias-free ReLU target (``None`` otherwise; equals ``losses`` when ``exact``)
    weights : ``(d,)`` final ``w``; ``bias``: final student bias (``None`` if not learned)
    steps_done, steps : steps run and asked for; ``complete``: all ``steps`` ran
    stopped_by : ``None``, ``"callback"``, ``"interrupt"``, ``"collapsed"`` (``w`` reached 0),
        ``"dead"`` (no active training sample: zero gradient for ever) or ``"diverged"``
    message : explanation of a failure mode or early stop (``""`` when none)
    """

    d: int
    losses: np.ndarray
    distances: np.ndarray | None
    angles: np.ndarray | None
    train_losses: np.ndarray | None
    population_losses: np.ndarray | None
    weights: np.ndarray = field(repr=False)
    bias: float | None
    steps_done: int
    steps: int
    complete: bool
    stopped_by: str | None
    message: str
    exact: bool
    samples: int | None
    batch_size: int | None
    lr: float
    seed: int
    target: str


@dataclass(frozen=True)
class RFTrainResult:
    """History of RF output weights ``u`` trained by (projected) gradient descent.

    Attributes
    ----------
    losses : ``(steps_done + 1,)`` relative population error of ``u_t`` (``u_0 = 0``, loss 1)
    magnitudes : ``(steps_done + 1,)`` the paper's measure ``r * max_i |u_i|`` of ``u_t``
    best_error : the exact best relative error from :mod:`rfexplore.fit` (the limit of ``losses``)
    weights : ``(r,)`` final ``u``
    lr : step size used (default ``1 / (2 lambda_max(K))``); ``method``: ``"closed"`` or ``"iterate"``
    """

    width: int
    losses: np.ndarray
    magnitudes: np.ndarray
    best_error: float
    weights: np.ndarray = field(repr=False)
    steps_done: int
    steps: int
    complete: bool
    stopped_by: str | None
    message: str
    lr: float
    method: str
    magnitude_budget: float | None
    seed: int
    target: str


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
    W, u : final first-layer ``(r, d)`` and output ``(r,)`` weights (after a ``KeyboardInterrupt``
        in the middle of a step they may be one step past the last history entry)
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
    steps_done: int
    steps: int
    complete: bool
    stopped_by: str | None
    message: str
    exact: bool
    samples: int | None
    batch_size: int | None
    lr: float
    seed: int
    target: str


# --------------------------------------------------------------------------- validation


def _check_lr(lr):
    return validation.positive("lr", lr)


def _check_positive_float(name, value):
    return validation.positive(name, value)


def _check_samples(samples, batch_size, test_samples):
    """``samples`` (None or positive int), ``batch_size`` (None or 1..samples), ``test_samples``."""
    test_samples = check_positive_int("test_samples", test_samples)
    if samples is None:
        if batch_size is not None:
            raise ValueError(f"batch_size needs samples=n (SGD on samples), got batch_size={batch_size!r} "
                             "with samples=None (the exact population loss)")
        return None, None, test_samples
    samples = check_positive_int("samples", samples)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
        if batch_size > samples:
            raise ValueError(f"batch_size must be at most samples={samples}, got {batch_size}")
    return samples, batch_size, test_samples


def _check_device(device):
    return validation.device(device)


def _check_callback(callback):
    return validation.callback(callback)


def _population_weight(target, d, what):
    """``w*`` of a bias-free ReLU target: the only kind with a torch-differentiable closed form here."""
    if not isinstance(target, ReluTarget):
        raise ValueError(f"{what} on the exact population loss needs a ReLU neuron target, got "
                         f"{target.label()!r}; pass samples=n to train on Gaussian samples instead")
    if target.bias != 0:
        raise ValueError(f"{what} on the exact population loss supports bias-free ReLU targets only, got "
                         f"bias={target.bias:g}; pass samples=n to train on Gaussian samples instead")
    return target.weight(d)


# --------------------------------------------------------------------------- exact single-neuron maths


def _angle(w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Angle between two vectors, accurate near 0 and pi (Kahan): ``2 atan2(|a - b|, |a + b|)``."""
    a, b = w / w.norm(), v / v.norm()
    return 2.0 * torch.atan2((a - b).norm(), (a + b).norm())


def _sin_minus_theta_cos(theta: torch.Tensor) -> torch.Tensor:
    """``sin(theta) - theta cos(theta)``, by its series ``theta^3/3 - theta^5/30 + theta^7/840`` near 0."""
    t2 = theta * theta
    series = theta * t2 * (1.0 / 3.0 - t2 / 30.0 + t2 * t2 / 840.0)
    return torch.where(theta < 1e-2, series, torch.sin(theta) - theta * torch.cos(theta))


def neuron_population_loss(w: torch.Tensor, w_star: torch.Tensor) -> torch.Tensor:
    """Exact ``F(w) = E[(relu(<w,x>) - relu(<w*,x>))^2]`` for ``x ~ N(0, I_d)`` (DESIGN 2.6).

    ``F = kappa(w,w) - 2 kappa(w,w*) + kappa(w*,w*)``, evaluated without cancellation near the
    optimum as ``|w - w*|^2 / 2 - |w||w*| (sin(theta) - theta cos(theta)) / pi``.
    ``w``, ``w_star``: float tensors of shape ``(d,)``; ``w = 0`` gives ``|w*|^2 / 2``.
    """
    nw, ns = w.norm(), w_star.norm()
    if float(nw.detach()) == 0.0:
        return 0.5 * ns * ns
    theta = _angle(w, w_star)
    # F = |w - w*|^2/2 + |w||w*| (theta cos theta - sin theta)/pi, from kappa of DESIGN 2.1
    return 0.5 * (w - w_star).pow(2).sum() - nw * ns * _sin_minus_theta_cos(theta) / math.pi


def neuron_population_grad(w: torch.Tensor, w_star: torch.Tensor) -> torch.Tensor:
    """Closed gradient ``grad F = w - ((pi - theta) w* + sin(theta) |w*| w / |w|) / pi`` (DESIGN 2.6).

    ``F`` is not differentiable at ``w = 0`` (``kappa`` is positively homogeneous); raises
    ``ValueError`` there.
    """
    nw = w.norm()
    if float(nw.detach()) == 0.0:
        raise ValueError("the population loss is not differentiable at w = 0 (no gradient direction)")
    theta = _angle(w, w_star)
    # grad F = w - 2 grad_w kappa(w, w*),  grad_w kappa = ((pi - theta) w* + sin(theta)|w*| w/|w|)/(2 pi)
    return w - ((math.pi - theta) * w_star + torch.sin(theta) * w_star.norm() * (w / nw)) / math.pi


# --------------------------------------------------------------------------- the loop driver


def _drive(steps: int, step: Callable, state: Callable, callback):
    """Run ``step(t)`` for ``t = 1..steps``; returns ``(steps_done, stopped_by, message)``.

    ``step`` returns ``None`` or ``(reason, message)`` to end the run (a failure mode);
    the callback may stop it (``True`` / ``StopIteration``), so may a ``KeyboardInterrupt``.
    """
    done = 0
    try:
        for t in range(1, steps + 1):
            end = step(t)
            done = t
            if end is not None:
                return done, end[0], end[1]
            if callback is not None:
                try:
                    if callback(t, state(t)) is True:
                        return done, "callback", f"stopped by the callback after {t} of {steps} steps"
                except StopIteration:
                    return done, "callback", f"stopped by the callback after {t} of {steps} steps"
    except KeyboardInterrupt:
        return done, "interrupt", f"interrupted (KeyboardInterrupt) after {done} of {steps} steps"
    return done, None, ""


class _History:
    """Preallocated per-step records, cut to the steps actually run."""

    def __init__(self, steps, names):
        self.a = {n: np.full(steps + 1, np.nan) for n in names}

    def put(self, t, **values):
        for k, v in values.items():
            self.a[k][t] = v

    def get(self, name, done):
        return None if name not in self.a else self.a[name][: done + 1].copy()


# --------------------------------------------------------------------------- single neuron


def _streams(seed):
    """The neuron's four streams, domain-separated from feature pools drawn with the same seed."""
    return np.random.SeedSequence([seed, 3]).spawn(4)


def _neuron_init(init, d, seed, scale, w_star):
    """Start ``w_0``: uniform random direction with norm ``scale``, or a given vector."""
    if init is None or (isinstance(init, str) and init == "random"):
        g = np.random.default_rng(_streams(seed)[0]).standard_normal(d)
        return scale * g / np.linalg.norm(g)
    if isinstance(init, str):
        raise ValueError(f"init must be None, 'random' or an array of shape ({d},), got {init!r}")
    w = as_matrix("init", init, d=d)
    if w.shape[0] != 1:
        raise ValueError(f"init must be one vector of shape ({d},), got shape {np.shape(init)}")
    w = w[0]
    if not np.any(w):
        raise ValueError(
            "init must be a non-zero vector, got all zeros: the population loss is not differentiable at "
            "w = 0 (kappa is positively homogeneous), so gradient descent has no direction to start from; "
            "start from a small random vector instead")
    return w


def _anti_aligned_message(w0, w_star):
    cos = float(w0 @ w_star / (np.linalg.norm(w0) * np.linalg.norm(w_star))) if w_star is not None else 0.0
    if cos <= -1.0 + 1e-12:
        return ("the start is anti-aligned with w* (angle = pi): the population gradient is then parallel "
                "to w, so gradient descent only shrinks w towards 0 and the relative loss tends to 1 "
                "(a saddle); perturb the start")
    return ""


def train_neuron(d: int, *, steps: int, lr: float, seed: int = 0, target=None, samples: int | None = None,
                 device=None, callback=None, init=None, init_scale: float = 1.0,
                 batch_size: int | None = None, test_samples: int = 10_000, learn_bias: bool | None = None,
                 init_bias: float = 0.0) -> NeuronResult:
    """Learn a single neuron ``relu(<w, x>)`` towards a target neuron by gradient descent.

    Parameters
    ----------
    d : int
        Input dimension.
    steps : int
        Gradient steps.
    lr : float
        Step size. On the population loss the Hessian at ``w*`` is the identity, so ``lr = 1`` is
        nearly Newton's step and ``lr < 2`` is stable; on ``n`` samples (batch ``B``) keep
        ``lr`` below about ``min(1, B / d)``.
    seed : int
        Seeds the start, the samples and the minibatches.
    target : ReluTarget, optional
        ``None``: the unit neuron ``[<e_1, x>]_+``. The population trainer takes bias-free ReLU
        targets only (``ValueError`` otherwise); with ``samples`` any target works.
    samples : int, optional
        ``None``: gradient descent on the exact population loss (closed-form loss and gradient,
        DESIGN 2.6). ``n``: (stochastic) gradient descent on ``n`` Gaussian samples; ``losses`` is
        then the held-out loss on ``test_samples`` fresh samples.
    device : str or torch.device, optional
    callback : callable, optional
        ``callback(step, state)`` after every step; ``state`` holds ``"step"``, ``"steps"``,
        ``"loss"``, ``"distance"``, ``"angle"``, ``"w"`` (numpy ``(d,)``) and ``"losses"`` (the
        history so far). Return ``True`` (or raise ``StopIteration``) to stop.
    init : None, "random" or array of shape (d,)
        Start ``w_0``; the default is a uniform random direction with norm ``init_scale``.
        A zero vector is refused (no gradient direction at 0).
    init_scale : float
        Norm of the random start.
    batch_size : int, optional
        Minibatch size for SGD on samples (drawn with replacement); ``None``: full-batch GD.
    test_samples : int
        Held-out samples for ``losses`` when ``samples`` is given.
    learn_bias : bool, optional
        Train a student bias ``relu(<w,x> + b)`` (samples only); default: when the target is a
        ReLU neuron with a bias.
    init_bias : float
        Start of the student bias.

    Returns
    -------
    NeuronResult
        ``.losses`` (relative, shape ``(steps_done + 1,)``), ``.distances``, ``.angles``,
        ``.complete``, ``.stopped_by``, ``.message``, ``.weights``.

    Notes
    -----
    Failure modes are reported, not raised: an anti-aligned start (angle pi) only shrinks ``w``
    (``message`` says so; if ``w`` reaches exactly 0 the run stops with
    ``stopped_by="collapsed"``); on samples a neuron with no active training sample has zero
    gradient for ever (``stopped_by="dead"``); a non-finite loss stops with ``"diverged"``.

    Examples
    --------
    >>> import rfexplore
    >>> res = rfexplore.train_neuron(100, steps=20, lr=0.5, seed=0)
    >>> float(res.losses[0].round(3)), bool(res.losses[10] < 1e-4), bool(res.losses[20] < 1e-10)
    (1.329, True, True)
    >>> res.complete, bool(res.angles[-1] < 1e-5)
    (True, True)
    """
    d = check_positive_int("d", d)
    steps = check_positive_int("steps", steps)
    lr = _check_lr(lr)
    seed = check_seed(seed)
    target = check_target(target)
    samples, batch_size, test_samples = _check_samples(samples, batch_size, test_samples)
    dev = _check_device(device)
    callback = _check_callback(callback)
    init_scale = _check_positive_float("init_scale", init_scale)
    if samples is None:
        w_star = _population_weight(target, d, "train_neuron")
        if learn_bias or init_bias != 0:
            raise ValueError("learn_bias and init_bias need samples=n: the population trainer has no student "
                             f"bias, got learn_bias={learn_bias!r}, init_bias={init_bias!r}")
        w0 = _neuron_init(init, d, seed, init_scale, w_star)
        return _neuron_population(d, w0, w_star, target, steps, lr, seed, dev, callback)
    w_star = target.weight(d) if isinstance(target, ReluTarget) else None
    if learn_bias is None:
        learn_bias = isinstance(target, ReluTarget) and target.bias != 0
    if not isinstance(learn_bias, (bool, np.bool_)):
        raise TypeError(f"learn_bias must be True, False or None, got {learn_bias!r}")
    if isinstance(init_bias, bool) or not isinstance(init_bias, (int, float, np.integer, np.floating)) \
            or not math.isfinite(init_bias):
        raise ValueError(f"init_bias must be a finite number, got {init_bias!r}")
    if init_bias != 0 and not learn_bias:
        raise ValueError(f"init_bias={init_bias:g} needs a learned student bias: pass learn_bias=True")
    w0 = _neuron_init(init, d, seed, init_scale, w_star)
    return _neuron_samples(d, w0, w_star, target, steps, lr, seed, dev, callback, samples, batch_size,
                           test_samples, bool(learn_bias), float(init_bias))


def _sin_minus_theta_cos_float(theta: float) -> float:
    """Scalar ``sin(theta) - theta cos(theta)`` (series near 0, as :func:`_sin_minus_theta_cos`)."""
    if theta < 1e-2:
        t2 = theta * theta
        return theta * t2 * (1.0 / 3.0 - t2 / 30.0 + t2 * t2 / 840.0)
    return math.sin(theta) - theta * math.cos(theta)


def _neuron_population(d, w0, w_star_np, target, steps, lr, seed, dev, callback):
    """Population GD with the closed forms of DESIGN 2.6 reduced to three scalars per step.

    With ``e = w*/|w*|``, ``c = <w, e>`` and ``q = |w - c e|`` (computed as a vector norm, so
    accurate at any angle): ``|w| = hypot(c, q)``, ``theta = atan2(q, c)``,
    ``|w - w*| = hypot(q, c - |w*|)``; the gradient step is one ``axpy``.
    """
    w_star = torch.as_tensor(w_star_np, dtype=torch.float64, device=dev)
    w = torch.as_tensor(w0, dtype=torch.float64, device=dev).clone()
    ns = float(w_star.norm())
    e = w_star / ns
    kss = 0.5 * ns * ns                                            # E[y^2] = kappa(w*, w*) = |w*|^2 / 2
    hist = _History(steps, ("loss", "distance", "angle"))
    geo = None

    def record(t):
        nonlocal geo
        c_t = w @ e
        c, q = torch.stack([c_t, (w - c_t * e).norm()]).tolist()
        nw, theta, dist = math.hypot(c, q), math.atan2(q, c), math.hypot(q, c - ns)
        geo = nw, theta, q
        # F = |w - w*|^2 / 2 - |w||w*| (sin theta - theta cos theta) / pi   (DESIGN 2.6, no cancellation)
        F = 0.5 * dist * dist - nw * ns * _sin_minus_theta_cos_float(theta) / math.pi
        hist.put(t, loss=F / kss, distance=dist / ns, angle=theta if nw > 0 else math.nan)

    def step(t):
        nonlocal w
        nw, theta, q = geo
        # w - lr grad F with grad F = w - ((pi - theta) w* + sin(theta) |w*| w / |w|) / pi, sin(theta) = q/|w|
        a = 1.0 - lr + lr * ns * q / (math.pi * nw * nw)
        w = torch.add(a * w, w_star, alpha=lr * (math.pi - theta) / math.pi)
        record(t)
        if not math.isfinite(hist.a["loss"][t]):
            return "diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large"
        if geo[0] == 0.0:
            return "collapsed", (f"w reached exactly 0 at step {t} (an anti-aligned start shrinks w; with "
                                 "lr = 1 it lands on 0), where the loss has no gradient: stopped")
        return None

    def state(t):
        return {"step": t, "steps": steps, "loss": hist.a["loss"][t], "distance": hist.a["distance"][t],
                "angle": hist.a["angle"][t], "w": w.cpu().numpy(), "losses": hist.a["loss"][: t + 1]}

    record(0)
    done, stopped_by, message = _drive(steps, step, state, callback)
    message = message or _anti_aligned_message(w0, w_star_np)
    return NeuronResult(
        d=d, losses=hist.get("loss", done), distances=hist.get("distance", done),
        angles=hist.get("angle", done), train_losses=None, population_losses=hist.get("loss", done),
        weights=w.cpu().numpy(), bias=None, steps_done=done, steps=steps, complete=done == steps,
        stopped_by=stopped_by, message=message, exact=True, samples=None, batch_size=None, lr=lr, seed=seed,
        target=target.label())


def _gaussian_data(seed, n, n_test, d, target, dev):
    """Training and test samples ``(X, y)``, ``(Xt, yt)`` and a numpy stream for minibatches.

    Streams: child 0 of ``SeedSequence([seed, 3])`` is the neuron's start, 1 the training samples,
    2 the test samples, 3 the minibatches.
    """
    _, ss_train, ss_test, ss_batch = _streams(seed)
    X = np.random.default_rng(ss_train).standard_normal((n, d))
    Xt = np.random.default_rng(ss_test).standard_normal((n_test, d))
    y, yt = target(X), target(Xt)
    ey2 = target.second_moment(d)
    ey2 = float(np.mean(yt ** 2)) if ey2 is None else float(ey2)
    if not ey2 > 0:
        raise ValueError(f"the target {target.label()!r} is zero on the test samples; nothing to learn")
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64, device=dev)   # noqa: E731
    return as_t(X), as_t(y), as_t(Xt), as_t(yt), ey2, np.random.default_rng(ss_batch)


def _neuron_samples(d, w0, w_star_np, target, steps, lr, seed, dev, callback, n, batch, n_test, learn_bias,
                    b0):
    check_memory(8.0 * (n + n_test) * (d + 3), f"training a neuron on {n} + {n_test} samples in d={d}", dev)
    X, y, Xt, yt, ey2, rng = _gaussian_data(seed, n, n_test, d, target, dev)
    w = torch.as_tensor(w0, dtype=torch.float64, device=dev).clone()
    b = torch.tensor(b0, dtype=torch.float64, device=dev)
    w_star = None if w_star_np is None else torch.as_tensor(w_star_np, dtype=torch.float64, device=dev)
    exact_pop = w_star is not None and not learn_bias and target.bias == 0
    names = ["loss", "train"] + (["distance", "angle"] if w_star is not None else []) + (["pop"] if exact_pop
                                                                                          else [])
    hist = _History(steps, names)
    ns = None if w_star is None else float(w_star.norm())
    z_train, alive = None, True

    def record(t):
        nonlocal z_train, alive
        z_train = X @ w + b                                        # pre-activations on the training set
        alive = bool((z_train > 0).any())
        vals = {"loss": float((torch.relu(Xt @ w + b) - yt).pow(2).mean()) / ey2,
                "train": float((torch.relu(z_train) - y).pow(2).mean()) / ey2}
        if w_star is not None:
            vals["distance"] = float((w - w_star).norm()) / ns
            vals["angle"] = float(_angle(w, w_star)) if float(w.norm()) > 0 else math.nan
        if exact_pop:
            vals["pop"] = float(neuron_population_loss(w, w_star)) / ey2
        hist.put(t, **vals)

    def step(t):
        nonlocal w, b
        if batch is None:
            Xb, yb, z = X, y, z_train
        else:
            idx = torch.as_tensor(rng.integers(0, n, batch), device=dev)
            Xb, yb = X[idx], y[idx]
            z = z_train[idx]
        active = (z > 0).to(z.dtype)
        r = 2.0 * (torch.relu(z) - yb) * active / len(yb)          # d/dz of the mean squared error
        if learn_bias:
            b = b - lr * r.sum()
        w = w - lr * (r @ Xb)                                      # (S)GD on the empirical loss
        record(t)
        if not math.isfinite(hist.a["train"][t]):
            return "diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large"
        if not alive:
            return "dead", (f"dead neuron at step {t}: relu(<w,x> + b) is 0 on every training sample, so the "
                            "gradient is 0 for ever (often after a too-large step, or a start with a very "
                            "negative bias); lower lr or change the start")
        return None

    def state(t):
        s = {"step": t, "steps": steps, "loss": hist.a["loss"][t], "train_loss": hist.a["train"][t],
             "w": w.cpu().numpy(), "losses": hist.a["loss"][: t + 1]}
        if w_star is not None:
            s.update(distance=hist.a["distance"][t], angle=hist.a["angle"][t])
        return s

    record(0)
    if not alive:
        done, stopped_by = 0, "dead"
        message = ("dead start: relu(<w,x> + b) is 0 on every training sample, so the gradient is 0 and "
                   "gradient descent cannot move; raise init_bias or change the start")
    else:
        done, stopped_by, message = _drive(steps, step, state, callback)
    # on samples the noise usually turns an anti-aligned start away from the saddle: say so only if stuck
    if not message and w_star is not None and hist.a["angle"][done] >= math.pi - 1e-6:
        message = _anti_aligned_message(w0, w_star_np)
    return NeuronResult(
        d=d, losses=hist.get("loss", done), distances=hist.get("distance", done),
        angles=hist.get("angle", done), train_losses=hist.get("train", done),
        population_losses=hist.get("pop", done), weights=w.cpu().numpy(),
        bias=float(b) if learn_bias else None, steps_done=done, steps=steps, complete=done == steps,
        stopped_by=stopped_by, message=message, exact=False, samples=n, batch_size=batch, lr=lr, seed=seed,
        target=target.label())


# --------------------------------------------------------------------------- RF by gradient descent


def train_rf(pool: FeaturePool | NestedFit, target=None, *, steps: int, lr: float | None = None, magnitude=None,
             method: str = "auto", width: int | None = None, device=None, callback=None) -> RFTrainResult:
    """Train the output weights ``u`` of a random-features model by gradient descent from ``u = 0``.

    Minimizes the exact population loss ``u^T K u - 2 k^T u + k**`` (DESIGN 2.2) by gradient
    descent, projected onto ``|u_i| <= magnitude / r`` when a budget is set (DESIGN 2.8). The
    curve shares its x-axis (steps) with :func:`train_neuron`; its limit is the exact best fit
    ``best_error`` of :mod:`rfexplore.fit`.

    Parameters
    ----------
    pool : FeaturePool or NestedFit
        Features from :func:`rfexplore.sample_features` (``r`` of them, with or without biases), or
        an already factorized :class:`rfexplore.fit.NestedFit`, whose Gram matrix is then reused
        (its own target unless ``target`` is given; its first ``width`` features).
    target : target, optional
        Any target with closed-form moments (``None``: the unit ReLU neuron).
    steps : int
    lr : float, optional
        Step size; default ``1 / (2 lambda_max(K))`` (``1 / L`` for the gradient's Lipschitz
        constant ``L``). Must be below ``1 / lambda_max(K)`` for gradient descent to converge.
    magnitude : float, optional
        Budget ``M`` on ``r * max|u_i|``; ``None``: unconstrained.
    method : {"auto", "closed", "iterate"}
        ``"closed"``: the unconstrained curve in closed form from the eigendecomposition of ``K``,
        ``u_t = V diag((1 - (1 - 2 lr lambda)^t) / lambda) V^T k``; ``"iterate"``: plain
        (projected) iteration. ``"auto"``: closed unless a magnitude budget is set.
    device : str or torch.device, optional
    callback : callable, optional
        ``callback(step, state)`` with ``state`` keys ``"step"``, ``"steps"``, ``"loss"``,
        ``"magnitude"``, ``"losses"``; return ``True`` to stop.

    Returns
    -------
    RFTrainResult
    """
    if not isinstance(pool, (FeaturePool, NestedFit)):
        raise TypeError(f"pool must be a FeaturePool (from sample_features) or a NestedFit, got {type(pool).__name__}")
    if isinstance(pool, NestedFit) and target is None:
        target = pool.target
    target = check_target(target)
    steps = check_positive_int("steps", steps)
    magnitude = check_magnitude(magnitude)
    if method not in ("auto", "closed", "iterate"):
        raise ValueError(f"method must be 'auto', 'closed' or 'iterate', got {method!r}")
    if method == "closed" and magnitude is not None:
        raise ValueError("method='closed' has no magnitude budget (projection has no closed form); "
                         "use method='iterate' or 'auto'")
    method = ("iterate" if magnitude is not None else "closed") if method == "auto" else method
    dev = _check_device(device)
    callback = _check_callback(callback)
    if isinstance(pool, NestedFit):
        nested = pool if target is pool.target else pool.retarget(target)
    else:
        nested = fit_nested(pool, target, device=dev)
    r = nested.width if width is None else check_positive_int("width", width)
    if r > nested.width:
        raise ValueError(f"width must be at most the pool size {nested.width}, got {r}")
    best = nested.fit(r, magnitude=magnitude).relative_error
    K, k, kss = nested.gram(r), nested.k[:r], nested.kss
    dev = K.device
    if method == "closed":
        lam, V = torch.linalg.eigh(K)
        lam = lam.clamp_min(0.0)
        lam_max = float(lam[-1])
    else:                        # power iteration: lambda_max without the O(r^3) eigendecomposition
        v = torch.ones(r, dtype=K.dtype, device=dev) / math.sqrt(r)
        for _ in range(100):     # the ReLU Gram's top eigenvalue is well separated: fast convergence
            v = K @ v
            v = v / v.norm().clamp_min(1e-300)
        lam_max = float(v @ (K @ v))
    if lr is None:
        lr = 0.5 / lam_max
    else:
        lr = _check_lr(lr)
        if lr >= 1.0 / lam_max:
            raise ValueError(f"lr must be below 1 / lambda_max(K) = {1.0 / lam_max:.4g} for gradient "
                             f"descent on this RF model to converge, got {lr:g}; leave lr=None for "
                             "1 / (2 lambda_max)")
    hist = _History(steps, ("loss", "magnitude"))
    hist.put(0, loss=1.0, magnitude=0.0)

    def state(t):
        return {"step": t, "steps": steps, "loss": hist.a["loss"][t], "magnitude": hist.a["magnitude"][t],
                "losses": hist.a["loss"][: t + 1]}

    if method == "closed":
        c = V.T @ k                                                  # k in the eigenbasis of K
        log_q = torch.log1p(-2.0 * lr * lam)                         # q = 1 - 2 lr lambda
        safe = torch.where(lam > 0, lam, 1.0)

        def weights_at(ts):
            """``u_t = V (c * s_t)`` with ``s_t = (1 - q^t) / lambda`` (``2 lr t`` at lambda = 0)."""
            tt = torch.as_tensor(ts, dtype=K.dtype, device=dev)[:, None]
            s = torch.where(lam > 0, -torch.expm1(tt * log_q) / safe, 2.0 * lr * tt)
            return s, (c * s) @ V.T

        chunk = max(1, min(steps, 2_000_000 // max(r, 1)))
        filled = 0

        def step(t):
            nonlocal filled
            if t > filled:                                           # the next chunk of the curve at once
                ts = np.arange(t, min(t + chunk, steps + 1))
                s, U = weights_at(ts)
                # loss(u_t) = k** + sum_j c_j^2 (lambda_j s_j^2 - 2 s_j)   (GD on a quadratic, eigenbasis)
                hist.a["loss"][ts] = ((kss + ((c * c) * (lam * s * s - 2.0 * s)).sum(1)) / kss).cpu().numpy()
                hist.a["magnitude"][ts] = (r * U.abs().amax(1)).cpu().numpy()
                filled = int(ts[-1])
            return None

        done, stopped_by, message = _drive(steps, step, state, callback)
        u = weights_at([done])[1][0]
    else:
        bound = None if magnitude is None else magnitude / r
        u = torch.zeros(r, dtype=K.dtype, device=dev)
        Ku = torch.zeros_like(u)

        def step(t):
            nonlocal u, Ku
            u_new = u - lr * 2.0 * (Ku - k)                          # gradient of u^T K u - 2 k^T u
            if bound is not None:
                u_new = u_new.clamp(-bound, bound)                   # projection onto |u_i| <= M / r
            u, Ku = u_new, K @ u_new
            # relative population error of u_t (DESIGN 2.2)
            hist.put(t, loss=float((u @ Ku - 2.0 * (k @ u) + kss) / kss), magnitude=float(r * u.abs().max()))
            return None

        done, stopped_by, message = _drive(steps, step, state, callback)
    return RFTrainResult(
        width=r, losses=hist.get("loss", done), magnitudes=hist.get("magnitude", done),
        best_error=float(best),
        weights=u.cpu().numpy(), steps_done=done, steps=steps, complete=done == steps, stopped_by=stopped_by,
        message=message, lr=float(lr), method=method, magnitude_budget=magnitude, seed=nested.pool.seed,
        target=target.label())


# --------------------------------------------------------------------------- two-layer network


def _pair_geometry(W: torch.Tensor, V: torch.Tensor):
    """Between rows of ``W`` ``(n, d)`` and ``V`` ``(m, d)``: ``pi - theta``, ``sin theta``, ``cos theta``
    ``(n, m)``, the arc-cosine kernel ``kappa`` ``(n, m)`` and ``|w_i|`` ``(n,)`` (no autograd)."""
    G = W @ V.T
    nw, nv = W.norm(dim=1), V.norm(dim=1)
    N = nw[:, None] * nv[None, :]
    S = torch.sqrt((N * N - G * G).clamp_min(0.0))                 # |w||v| sin theta
    pmt = math.pi - torch.atan2(S, G)                              # theta from (S, G), as in gaussian.py
    inv_N = torch.where(N > 0, 1.0 / N.clamp_min(1e-300), 0.0)
    # Cho & Saul: kappa = (|w||v| sin theta + (pi - theta) <w, v>) / (2 pi)
    return pmt, S * inv_N, G * inv_N, (S + pmt * G) / _TWO_PI, nw


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
    W0 = torch.as_tensor(as_matrix("W0", W0), dtype=torch.float64)
    W = torch.as_tensor(as_matrix("W", W, d=W0.shape[1]), dtype=torch.float64)
    u0 = torch.as_tensor(np.asarray(u0, dtype=np.float64))
    u = torch.as_tensor(np.asarray(u, dtype=np.float64))
    alpha = _check_positive_float("alpha", alpha)
    target = check_target(target)
    w_star = torch.as_tensor(_population_weight(target, W0.shape[1], "linearized_population_loss"))
    kss = target.second_moment(W0.shape[1])
    tan = _Tangent(W0, w_star)
    with torch.no_grad():
        return float(tan.loss(u, u0[:, None] * (W - W0), alpha / math.sqrt(len(u)), kss)[0]) / kss


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
        Output scale.
    steps : int
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
        ``"movement"``, ``"rf_loss"``, ``"lin_loss"``, ``"rf_gap"``, ``"lin_gap"``, ``"losses"``.

    Returns
    -------
    TwoLayerResult

    Notes
    -----
    The linearized model's population loss is exact too: its features ``relu(<w0_i,x>)`` and
    ``1[<w0_i,x> > 0] x`` have closed Gaussian moments (derivatives of the arc-cosine kernel).
    """
    d = check_positive_int("d", d)
    width = check_positive_int("width", width)
    if width % 2:
        raise ValueError(f"width must be even (neurons come in pairs (w, u), (w, -u) so the initial output "
                         f"is zero), got {width}")
    alpha = _check_positive_float("alpha", alpha)
    steps = check_positive_int("steps", steps)
    lr = 1.0 / alpha ** 2 if lr is None else _check_lr(lr)
    seed = check_seed(seed)
    target = check_target(target)
    samples, batch_size, test_samples = _check_samples(samples, batch_size, test_samples)
    if not isinstance(compare, (bool, np.bool_)):
        raise TypeError(f"compare must be True or False, got {compare!r}")
    dev = _check_device(device)
    callback = _check_callback(callback)
    W0_np, u0_np = _two_layer_init(d, width, seed)
    W0 = torch.as_tensor(W0_np, device=dev)
    u0 = torch.as_tensor(u0_np, device=dev)
    c = alpha / math.sqrt(width)
    if samples is None:
        w_star = torch.as_tensor(_population_weight(target, d, "train_two_layer"), device=dev)
        kss = target.second_moment(d)
        check_memory(8.0 * width * width * (14 if compare else 6) + 8.0 * width * d * 8,
                     f"the population loss of a width-{width} network", dev)
        model = _PopulationModels(W0, u0, w_star, c, kss, compare)
    else:
        n_eval = samples + test_samples
        check_memory(8.0 * n_eval * (d + 4 * width) + 8.0 * width * d * 8,
                     f"a width-{width} network on {samples} + {test_samples} samples", dev)
        X, y, Xt, yt, kss, rng = _gaussian_data(seed, samples, test_samples, d, target, dev)
        model = _SampleModels(W0, u0, c, kss, compare, X, y, Xt, yt, batch_size, rng)
    names = ["loss", "move", "umove"] + (["train"] if samples is not None else []) + \
        (["rf", "lin", "rf_gap", "lin_gap"] if compare else [])
    hist = _History(steps, names)
    nW0, nu0 = float(W0.norm()), float(u0.norm())

    def record(t):
        vals = model.evaluate()
        with torch.no_grad():
            vals["move"] = float((model.W - W0).norm()) / nW0        # |W_t - W_0|_F / |W_0|_F
            vals["umove"] = float((model.u - u0).norm()) / nu0
        hist.put(t, **vals)

    def step(t):
        model.step(t, lr)
        record(t)
        if not math.isfinite(hist.a["loss"][t]):
            return "diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large"
        return None

    def state(t):
        a = hist.a
        s = {"step": t, "steps": steps, "loss": a["loss"][t], "movement": a["move"][t],
             "losses": a["loss"][: t + 1]}
        if compare:
            s.update(rf_loss=a["rf"][t], lin_loss=a["lin"][t], rf_gap=a["rf_gap"][t], lin_gap=a["lin_gap"][t])
        return s

    record(0)
    done, stopped_by, message = _drive(steps, step, state, callback)
    return TwoLayerResult(
        d=d, width=width, alpha=alpha, losses=hist.get("loss", done), train_losses=hist.get("train", done),
        movements=hist.get("move", done), output_movements=hist.get("umove", done),
        rf_losses=hist.get("rf", done), lin_losses=hist.get("lin", done), rf_gaps=hist.get("rf_gap", done),
        lin_gaps=hist.get("lin_gap", done), W=model.W.detach().cpu().numpy(),
        u=model.u.detach().cpu().numpy(), steps_done=done, steps=steps, complete=done == steps,
        stopped_by=stopped_by, message=message, exact=samples is None, samples=samples, batch_size=batch_size,
        lr=lr, seed=seed, target=target.label())


class _PopulationModels:
    """Network, RF model and linearized model on the exact population loss (DESIGN 2.9).

    Each loss is kept with its autograd graph at the current parameters: one forward per step
    serves both the record and the next gradient.
    """

    def __init__(self, W0, u0, w_star, c, kss, compare):
        self.W0, self.u0, self.w_star, self.c, self.kss, self.compare = W0, u0, w_star, c, kss, compare
        self.W, self.u = W0.clone().requires_grad_(True), u0.clone().requires_grad_(True)
        if compare:
            self.tan = _Tangent(W0, w_star)
            self.v = u0.clone()                                      # RF output weights
            self.lin_u = u0.clone().requires_grad_(True)
            self.lin_W = W0.clone().requires_grad_(True)
        self._forward()

    def _forward(self):
        c = self.c
        K = relu_kernel_torch(self.W)                                # K(W), closed-form backward
        k = relu_kernel_torch(self.W, self.w_star[None])[:, 0]       # k(W) = E[relu(<w_i,x>) y]
        # L = c^2 u^T K(W) u - 2 c u^T k(W) + k**,  c = alpha / sqrt(r)   (DESIGN 2.9)
        self.f2 = c * c * (self.u @ (K @ self.u))
        self.loss = self.f2 - 2.0 * c * (self.u @ k) + self.kss
        if self.compare:
            B = self.u0[:, None] * (self.lin_W - self.W0)            # b_i = u0_i (w_i - w0_i)
            self.lin_loss, self.lin_f2 = self.tan.loss(self.lin_u, B, c, self.kss)

    def step(self, t, lr):
        c, tan = self.c, getattr(self, "tan", None)
        gW, gu = torch.autograd.grad(self.loss, (self.W, self.u))
        if self.compare:
            lW, lu = torch.autograd.grad(self.lin_loss, (self.lin_W, self.lin_u))
        with torch.no_grad():
            self.W -= lr * gW
            self.u -= lr * gu
            if self.compare:
                self.lin_W -= lr * lW
                self.lin_u -= lr * lu
                # RF: gradient of c^2 v^T K0 v - 2 c v^T k0 in v
                self.v -= lr * (2.0 * c * c * (tan.K0 @ self.v) - 2.0 * c * tan.k0)
        self._forward()

    def evaluate(self):
        kss = self.kss
        out = {"loss": float(self.loss.detach()) / kss}
        if not self.compare:
            return out
        with torch.no_grad():
            tan, c = self.tan, self.c
            W, u, v, lu = self.W.detach(), self.u.detach(), self.v, self.lin_u.detach()
            B = self.u0[:, None] * (self.lin_W.detach() - self.W0)
            geo = _pair_geometry(W, self.W0)
            KW0 = geo[3]                                             # E[relu(<w_i,x>) relu(<w0_j,x>)]
            v2 = c * c * (v @ (tan.K0 @ v))
            rf = v2 - 2.0 * c * (v @ tan.k0) + kss
            f2 = self.f2.detach()
            # E[(f - f_rf)^2] = c^2 (u^T K(W) u - 2 u^T K(W, W0) v + v^T K0 v)
            rf_gap = f2 - 2.0 * c * c * (u @ (KW0 @ v)) + v2
            # E[f f_lin] = c^2 (u^T K(W, W0) u_lin + sum_ij u_i E[relu(<w_i,x>) 1[<w0_j,x>>0] <b_j,x>])
            f_flin = c * c * (u @ (KW0 @ lu) + tan.relu_cross(u, B, W, geo))
            lin_gap = f2 - 2.0 * f_flin + self.lin_f2.detach()
        out.update(rf=float(rf) / kss, lin=float(self.lin_loss.detach()) / kss,
                   rf_gap=max(float(rf_gap), 0.0) / kss, lin_gap=max(float(lin_gap), 0.0) / kss)
        return out


class _SampleModels:
    """Network, RF model and linearized model trained on samples, evaluated on held-out samples."""

    def __init__(self, W0, u0, c, kss, compare, X, y, Xt, yt, batch, rng):
        self.W0, self.u0, self.c, self.kss, self.compare = W0, u0, c, kss, compare
        self.X, self.y, self.Xt, self.yt, self.batch, self.rng = X, y, Xt, yt, batch, rng
        self.W, self.u = W0.clone().requires_grad_(True), u0.clone().requires_grad_(True)
        if compare:
            self.v = u0.clone().requires_grad_(True)
            self.lin_u = u0.clone().requires_grad_(True)
            self.lin_W = W0.clone().requires_grad_(True)

    def net(self, X):
        return self.c * (torch.relu(X @ self.W.T) @ self.u)        # (alpha/sqrt r) sum_i u_i relu(<w_i,x>)

    def rf(self, X):
        return self.c * (torch.relu(X @ self.W0.T) @ self.v)

    def lin(self, X):
        Z0 = X @ self.W0.T
        B = self.u0[:, None] * (self.lin_W - self.W0)
        # first-order Taylor model at (W0, u0): c sum_i [u_i relu(z0_i) + 1[z0_i > 0] <b_i, x>]
        return self.c * (torch.relu(Z0) @ self.lin_u + ((Z0 > 0).to(X.dtype) * (X @ B.T)).sum(1))

    def step(self, t, lr):
        if self.batch is None:
            X, y = self.X, self.y
        else:
            idx = torch.as_tensor(self.rng.integers(0, len(self.X), self.batch), device=self.X.device)
            X, y = self.X[idx], self.y[idx]
        models = [(self.net, (self.W, self.u))]
        if self.compare:
            models += [(self.rf, (self.v,)), (self.lin, (self.lin_W, self.lin_u))]
        for f, params in models:
            grads = torch.autograd.grad((f(X) - y).pow(2).mean(), params)
            with torch.no_grad():
                for p, g in zip(params, grads, strict=True):
                    p -= lr * g

    def evaluate(self):
        with torch.no_grad():
            ft = self.net(self.Xt)
            out = {"loss": float((ft - self.yt).pow(2).mean()) / self.kss,
                   "train": float((self.net(self.X) - self.y).pow(2).mean()) / self.kss}
            if self.compare:
                frf, flin = self.rf(self.Xt), self.lin(self.Xt)
                out.update(rf=float((frf - self.yt).pow(2).mean()) / self.kss,
                           lin=float((flin - self.yt).pow(2).mean()) / self.kss,
                           rf_gap=float((ft - frf).pow(2).mean()) / self.kss,
                           lin_gap=float((ft - flin).pow(2).mean()) / self.kss)
        return out
