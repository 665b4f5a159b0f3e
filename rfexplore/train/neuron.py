"""One job: train a single neuron ``relu(<w, x>)`` towards a target neuron (DESIGN 2.6).

:func:`train_neuron` runs gradient descent on the exact population loss — the closed forms
:func:`neuron_population_loss` and :func:`neuron_population_grad`, no sampling noise — or (S)GD on
``n`` Gaussian samples with a held-out test loss (any target; the neuron may learn a bias too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import validation
from ..targets import ReluTarget, check_target
from ..validation import as_matrix, check_memory
from ._angles import _angle, _plane_geometry, _sin_minus_theta_cos, _sin_minus_theta_cos_float
from ._common import (
    _check_lr,
    _check_population_target,
    _check_samples,
    _check_second_moment,
    _check_steps,
    _data_bytes,
    _gaussian_data,
    _streams,
)
from ._run import _SLACK, RunRecord, _drive, _History, _history_bytes, _reads_run

__all__ = ["NeuronResult", "train_neuron", "neuron_population_loss", "neuron_population_grad"]


@_reads_run
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
    weights : ``(d,)`` ``w`` after ``steps_done`` steps; ``bias``: the student bias then (``None`` if
        not learned)
    run : :class:`rfexplore.train.RunRecord`; its attributes read directly too: ``steps_done``,
        ``steps``, ``complete``, ``interrupted``, ``stopped_by`` (``None``, ``"callback"``,
        ``"interrupt"``, ``"collapsed"`` (``w`` reached 0), ``"dead"`` (no active training sample:
        zero gradient for ever) or ``"diverged"``), ``message``, ``exact``, ``samples``,
        ``batch_size``, ``lr``, ``seed``, ``target``
    """

    d: int
    losses: np.ndarray
    distances: np.ndarray | None
    angles: np.ndarray | None
    train_losses: np.ndarray | None
    population_losses: np.ndarray | None
    weights: np.ndarray = field(repr=False)
    bias: float | None
    run: RunRecord


# --------------------------------------------------------------------------- exact single-neuron maths


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


# --------------------------------------------------------------------------- settings and start


def _neuron_init(init, d, seed, scale):
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


def _check_bias_settings(target, samples, learn_bias, init_bias):
    """``(learn_bias, init_bias)``: a student bias is trained on samples only."""
    if learn_bias is not None and not isinstance(learn_bias, (bool, np.bool_)):
        raise TypeError(f"learn_bias must be True, False or None, got {learn_bias!r}")
    init_bias = validation.real("init_bias", init_bias)
    if samples is None:
        if learn_bias or init_bias != 0:
            raise ValueError("learn_bias and init_bias need samples=n: the population trainer has no student "
                             f"bias, got learn_bias={learn_bias!r}, init_bias={init_bias!r}")
        return False, 0.0
    if learn_bias is None:
        learn_bias = isinstance(target, ReluTarget) and target.bias != 0
    if init_bias != 0 and not learn_bias:
        raise ValueError(f"init_bias={init_bias:g} needs a learned student bias: pass learn_bias=True")
    return bool(learn_bias), init_bias


def _peak_bytes(d, steps, samples=None, test_samples=0, batch_size=None) -> float:
    """Peak memory of :func:`train_neuron` (the tests measure real peaks against it)."""
    if samples is None:
        # ten (d,) vectors (w*, the start, w and the next w, e, temporaries); three histories and a copy
        return _SLACK * (8.0 * 10 * d + _history_bytes(steps, 4))
    n, nt, b = samples, test_samples, batch_size or 0
    # the samples; eight (n,) and (n_test,) temporaries a step; the minibatch's copy and its gather; five histories
    return _SLACK * (_data_bytes(n, nt, d) + 8.0 * 8 * (n + nt) + 8.0 * 2 * b * (d + 4) + 8.0 * 12 * d
                     + _history_bytes(steps, 5))


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
        Gradient steps, at most ten million.
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
        history so far). Return anything true (or raise ``StopIteration``) to stop; a
        ``KeyboardInterrupt`` ends the run too (see :mod:`rfexplore.train`).
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
    d = validation.positive_int("d", d)
    steps = _check_steps(steps)
    lr = _check_lr(lr)
    seed = validation.seed(seed)
    target = check_target(target)
    samples, batch_size, test_samples = _check_samples(samples, batch_size, test_samples)
    dev = validation.device(device)
    callback = validation.callback(callback)
    init_scale = validation.positive("init_scale", init_scale)
    learn_bias, init_bias = _check_bias_settings(target, samples, learn_bias, init_bias)
    if samples is None:
        _check_population_target(target, "train_neuron")
        check_memory(_peak_bytes(d, steps), f"training a neuron in d={d} for {steps} steps", dev,
                     fix="use a smaller d or fewer steps")
    else:
        check_memory(_peak_bytes(d, steps, samples, test_samples, batch_size),
                     f"training a neuron on {samples} + {test_samples} samples in d={d}", dev,
                     fix="use fewer samples, a smaller d or fewer steps")
    w_star = target.weight(d) if isinstance(target, ReluTarget) else None
    w0 = _neuron_init(init, d, seed, init_scale)
    settings = dict(lr=lr, seed=seed, target=target.label(), exact=samples is None, samples=samples,
                    batch_size=batch_size)
    if samples is None:
        return _neuron_population(d, w0, w_star, target, steps, dev, callback, settings)
    return _neuron_samples(d, w0, w_star, target, steps, dev, callback, settings, test_samples, learn_bias,
                           init_bias)


def _finite_start(loss, w0, target):
    """The start's loss must be a number: a huge ``init_scale`` or target norm overflows it."""
    if not math.isfinite(loss):
        raise ValueError(f"the loss at the start is not finite (|w_0| = {np.linalg.norm(w0):.3g}, target "
                         f"{target.label()!r}): use a smaller init_scale or init, or a target nearer norm 1")


def _neuron_population(d, w0, w_star_np, target, steps, dev, callback, settings):
    """Population GD with the closed forms of DESIGN 2.6 reduced to three scalars per step.

    With ``e = w*/|w*|``, ``c = <w, e>`` and ``q = |w - c e|`` (computed as a vector norm, so
    accurate at any angle), :func:`_plane_geometry` gives ``|w|``, ``theta`` and ``|w - w*|``; the
    gradient step is one ``axpy``. The state is ``(w, (|w|, theta, q))``.
    """
    lr = settings["lr"]
    w_star = torch.as_tensor(w_star_np, dtype=torch.float64, device=dev)
    ns = float(w_star.norm())
    e = w_star / ns
    # E[y^2] = kappa(w*, w*) = |w*|^2 / 2
    kss = _check_second_moment(target, 0.5 * ns * ns, d)
    hist = _History(steps, ("loss", "distance", "angle"))

    def measure(w, t):
        """Write history row ``t`` for ``w``; return ``(|w|, theta, q)`` for the next step."""
        c_t = w @ e
        c, q = torch.stack([c_t, (w - c_t * e).norm()]).tolist()
        nw, theta, dist = _plane_geometry(c, q, ns)
        # F = |w - w*|^2 / 2 - |w||w*| (sin theta - theta cos theta) / pi   (DESIGN 2.6, no cancellation)
        F = 0.5 * dist * dist - nw * ns * _sin_minus_theta_cos_float(theta) / math.pi
        hist.put(t, {"loss": F / kss, "distance": dist / ns, "angle": theta if nw > 0 else math.nan})
        return nw, theta, q

    def advance(state, t):
        w, (nw, theta, q) = state
        # w - lr grad F with grad F = w - ((pi - theta) w* + sin(theta) |w*| w / |w|) / pi, sin(theta) = q/|w|
        a = 1.0 - lr + lr * ns * q / (math.pi * nw * nw)
        w = torch.add(a * w, w_star, alpha=lr * (math.pi - theta) / math.pi)
        geo = measure(w, t)
        if not math.isfinite(hist.a["loss"][t]):
            return (w, geo), ("diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large")
        if geo[0] == 0.0:
            return (w, geo), ("collapsed", f"w reached exactly 0 at step {t} (an anti-aligned start shrinks w; "
                                           "with lr = 1 it lands on 0), where the loss has no gradient: stopped")
        return (w, geo), None

    def view(t, state):
        a = hist.a
        return {"step": t, "steps": steps, "loss": a["loss"][t], "distance": a["distance"][t],
                "angle": a["angle"][t], "w": state[0].cpu().numpy(), "losses": hist.upto("loss", t)}

    w = torch.as_tensor(w0, dtype=torch.float64, device=dev).clone()
    start = (w, measure(w, 0))
    _finite_start(hist.a["loss"][0], w0, target)
    done, (w, _), stopped_by, message = _drive(steps, start, advance, callback, view)
    message = message or _anti_aligned_message(w0, w_star_np)
    losses = hist.get("loss", done)
    return NeuronResult(
        d=d, losses=losses, distances=hist.get("distance", done), angles=hist.get("angle", done),
        train_losses=None, population_losses=losses.copy(), weights=w.cpu().numpy(), bias=None,
        run=RunRecord(steps=steps, steps_done=done, stopped_by=stopped_by, message=message, **settings))


def _neuron_samples(d, w0, w_star_np, target, steps, dev, callback, settings, n_test, learn_bias, b0):
    """(S)GD on ``n`` samples; the state is ``(w, b, z, alive)`` with ``z = X w + b`` on the training set."""
    lr, n, batch = settings["lr"], settings["samples"], settings["batch_size"]
    X, y, Xt, yt, ey2, rng = _gaussian_data(settings["seed"], n, n_test, d, target, dev)
    w_star = None if w_star_np is None else torch.as_tensor(w_star_np, dtype=torch.float64, device=dev)
    exact_pop = w_star is not None and not learn_bias and target.bias == 0
    names = ["loss", "train"] + (["distance", "angle"] if w_star is not None else []) + \
        (["pop"] if exact_pop else [])
    hist = _History(steps, names)
    ns = None if w_star is None else float(w_star.norm())

    def measure(w, b, t):
        """Write history row ``t`` for ``(w, b)``; return the training pre-activations and liveness."""
        z = X @ w + b                                              # pre-activations on the training set
        vals = {"loss": float((torch.relu(Xt @ w + b) - yt).pow(2).mean()) / ey2,
                "train": float((torch.relu(z) - y).pow(2).mean()) / ey2}
        if w_star is not None:
            vals["distance"] = float((w - w_star).norm()) / ns
            vals["angle"] = float(_angle(w, w_star)) if float(w.norm()) > 0 else math.nan
        if exact_pop:
            vals["pop"] = float(neuron_population_loss(w, w_star)) / ey2
        hist.put(t, vals)
        return z, bool((z > 0).any())

    def advance(state, t):
        w, b, z_train, _ = state
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
        state = (w, b, *measure(w, b, t))
        if not math.isfinite(hist.a["train"][t]):
            return state, ("diverged", f"the loss became non-finite at step {t}: lr={lr:g} is too large")
        if not state[3]:
            return state, ("dead", f"dead neuron at step {t}: relu(<w,x> + b) is 0 on every training sample, "
                                   "so the gradient is 0 for ever (often after a too-large step, or a start "
                                   "with a very negative bias); lower lr or change the start")
        return state, None

    def view(t, state):
        a = hist.a
        s = {"step": t, "steps": steps, "loss": a["loss"][t], "train_loss": a["train"][t],
             "w": state[0].cpu().numpy(), "losses": hist.upto("loss", t)}
        if w_star is not None:
            s.update(distance=a["distance"][t], angle=a["angle"][t])
        return s

    w = torch.as_tensor(w0, dtype=torch.float64, device=dev).clone()
    b = torch.tensor(b0, dtype=torch.float64, device=dev)
    start = (w, b, *measure(w, b, 0))
    _finite_start(hist.a["loss"][0], w0, target)
    if not start[3]:
        done, state, stopped_by = 0, start, "dead"
        message = ("dead start: relu(<w,x> + b) is 0 on every training sample, so the gradient is 0 and "
                   "gradient descent cannot move; raise init_bias or change the start")
    else:
        done, state, stopped_by, message = _drive(steps, start, advance, callback, view)
    w, b = state[0], state[1]
    # on samples the noise usually turns an anti-aligned start away from the saddle: say so only if stuck
    if not message and w_star is not None and hist.a["angle"][done] >= math.pi - 1e-6:
        message = _anti_aligned_message(w0, w_star_np)
    return NeuronResult(
        d=d, losses=hist.get("loss", done), distances=hist.get("distance", done),
        angles=hist.get("angle", done), train_losses=hist.get("train", done),
        population_losses=hist.get("pop", done), weights=w.cpu().numpy(),
        bias=float(b) if learn_bias else None,
        run=RunRecord(steps=steps, steps_done=done, stopped_by=stopped_by, message=message, **settings))
