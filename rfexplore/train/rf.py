"""One job: train the output weights of a random-features model by gradient descent (DESIGN 2.2, 2.8).

:func:`train_rf` runs (projected) gradient descent from ``u = 0`` on the exact population loss
``u^T K u - 2 k^T u + k**``; its limit is the exact best fit of :mod:`rfexplore.fit`, and its
curve shares the step axis of :func:`rfexplore.train.train_neuron`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import validation
from ..features import FeaturePool
from ..fit import NestedFit, check_magnitude, fit_nested, gram_bytes
from ..targets import check_target
from ..validation import check_memory
from ._common import _check_lr, _check_steps
from ._run import _SLACK, RunRecord, _drive, _History, _history_bytes, _reads_run

__all__ = ["RFTrainResult", "train_rf"]

_CHUNK = 2_000_000          # entries of one block of the closed-form curve (steps x width)


@_reads_run
@dataclass(frozen=True)
class RFTrainResult:
    """History of RF output weights ``u`` trained by (projected) gradient descent.

    Attributes
    ----------
    losses : ``(steps_done + 1,)`` relative population error of ``u_t`` (``u_0 = 0``, loss 1)
    magnitudes : ``(steps_done + 1,)`` ``r * max_i |u_i|`` of ``u_t``: this explorer's
        measure of the abstract's "magnitude of its weights" (its choice, consistent with the proof)
    best_error : the exact best relative error from :mod:`rfexplore.fit` (the limit of ``losses``)
    weights : ``(r,)`` ``u`` after ``steps_done`` steps
    method : ``"closed"`` or ``"iterate"``; ``magnitude_budget``: the budget ``M`` or ``None``
    run : :class:`rfexplore.train.RunRecord`; its attributes read directly too: ``steps_done``,
        ``steps``, ``complete``, ``interrupted``, ``stopped_by``, ``message``, ``lr`` (default
        ``1 / (2 lambda_max(K))``), ``seed`` (the pool's), ``target``, ``exact`` (always ``True``)
    """

    width: int
    losses: np.ndarray
    magnitudes: np.ndarray
    best_error: float
    weights: np.ndarray = field(repr=False)
    method: str
    magnitude_budget: float | None
    run: RunRecord


def _peak_bytes(width, steps, method, pool_width=None, biased=False) -> float:
    """Peak memory of :func:`train_rf` at ``width`` (the tests measure real peaks against it).

    ``pool_width``: the pool to factor first (``None``: a :class:`~rfexplore.fit.NestedFit` is given, whose
    Gram matrix may still have to be computed: :func:`rfexplore.fit.gram_bytes`, with or without biases).
    In units of one ``(R, R)`` float64 array: the Gram matrix and its factor are kept (2) while the
    eigensolver needs 3 (``"closed"``) or a box-constrained fit 1 (``"iterate"``).
    """
    r = width
    gram = gram_bytes(r if pool_width is None else pool_width, biased)
    run = 8.0 * (2 + (3 if method == "closed" else 1)) * r * r
    # the closed-form curve is computed a block at a time: ten (chunk, r) arrays
    block = 8.0 * 10 * min(_CHUNK, steps * r + r) if method == "closed" else 8.0 * 16 * r
    return _SLACK * (max(gram, run) + block + _history_bytes(steps, 2))


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
        At most ten million.
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
        ``"magnitude"``, ``"losses"``; return anything true (or raise ``StopIteration``) to stop.

    Returns
    -------
    RFTrainResult
    """
    if not isinstance(pool, (FeaturePool, NestedFit)):
        raise TypeError(f"pool must be a FeaturePool (from sample_features) or a NestedFit, got {type(pool).__name__}")
    if isinstance(pool, NestedFit) and target is None:
        target = pool.target
    target = check_target(target)
    steps = _check_steps(steps)
    magnitude = check_magnitude(magnitude)
    method = validation.choice("method", method, ("auto", "closed", "iterate"))
    if method == "closed" and magnitude is not None:
        raise ValueError("method='closed' has no magnitude budget (projection has no closed form); "
                         "use method='iterate' or 'auto'")
    method = ("iterate" if magnitude is not None else "closed") if method == "auto" else method
    dev = validation.device(device)
    callback = validation.callback(callback)
    size = pool.width
    r = size if width is None else validation.positive_int("width", width)
    if r > size:
        raise ValueError(f"width must be at most the pool size {size}, got {r}")
    fresh = isinstance(pool, FeaturePool)
    check_memory(_peak_bytes(r, steps, method, size if fresh else None, fresh and pool.b is not None),
                 f"training the output weights of {r} features for {steps} steps", dev,
                 fix="use a smaller width or fewer steps")
    if not fresh:
        nested = pool if target is pool.target else pool.retarget(target)
    else:
        nested = fit_nested(pool, target, device=dev)
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
    hist.put(0, {"loss": 1.0, "magnitude": 0.0})

    def view(t, state):
        return {"step": t, "steps": steps, "loss": hist.a["loss"][t], "magnitude": hist.a["magnitude"][t],
                "losses": hist.upto("loss", t)}

    if method == "closed":
        c = V.T @ k                                                  # k in the eigenbasis of K
        q = 1.0 - 2.0 * lr * lam
        # log|q| (log1p keeps q near 1 precise); q < 0 where lr > 1 / (2 lambda): q^t = (-1)^t |q|^t
        log_q = torch.where(q >= 0, torch.log1p(-2.0 * lr * lam), torch.log(q.abs()))
        negative = q < 0
        safe = torch.where(lam > 0, lam, 1.0)

        def weights_at(ts):
            """``u_t = V (c * s_t)`` with ``s_t = (1 - q^t) / lambda`` (``2 lr t`` at lambda = 0)."""
            tt = torch.as_tensor(ts, dtype=K.dtype, device=dev)[:, None]
            odd = torch.remainder(tt, 2.0) == 1.0
            # 1 - q^t: 1 + |q|^t for negative q and odd t, else -expm1(t log|q|)
            one_minus_qt = torch.where(negative & odd, 1.0 + torch.exp(tt * log_q), -torch.expm1(tt * log_q))
            s = torch.where(lam > 0, one_minus_qt / safe, 2.0 * lr * tt)
            return s, (c * s) @ V.T

        chunk = max(1, min(steps, _CHUNK // max(r, 1)))

        def advance(filled, t):
            """The state is the last row written: the curve is filled a block of steps at a time."""
            if t > filled:
                ts = np.arange(t, min(t + chunk, steps + 1))
                s, U = weights_at(ts)
                # loss(u_t) = k** + sum_j c_j^2 (lambda_j s_j^2 - 2 s_j)   (GD on a quadratic, eigenbasis)
                hist.put_block(ts, {"loss": ((kss + ((c * c) * (lam * s * s - 2.0 * s)).sum(1)) / kss).cpu().numpy(),
                                    "magnitude": (r * U.abs().amax(1)).cpu().numpy()})
                filled = int(ts[-1])
            return filled, None

        done, _, stopped_by, message = _drive(steps, 0, advance, callback, view)
        # u_0 = 0 (the closed form's 0 * log(0) for an eigenvalue at 1 / (2 lr) would give NaN there)
        u = weights_at([done])[1][0] if done else torch.zeros(r, dtype=K.dtype, device=dev)
    else:
        bound = None if magnitude is None else magnitude / r

        def advance(state, t):
            u, Ku = state
            u_new = u - lr * 2.0 * (Ku - k)                          # gradient of u^T K u - 2 k^T u
            if bound is not None:
                u_new = u_new.clamp(-bound, bound)                   # projection onto |u_i| <= M / r
            Ku_new = K @ u_new
            # relative population error of u_t (DESIGN 2.2)
            hist.put(t, {"loss": float((u_new @ Ku_new - 2.0 * (k @ u_new) + kss) / kss),
                         "magnitude": float(r * u_new.abs().max())})
            return (u_new, Ku_new), None

        zero = torch.zeros(r, dtype=K.dtype, device=dev)
        done, (u, _), stopped_by, message = _drive(steps, (zero, torch.zeros_like(zero)), advance, callback, view)
    return RFTrainResult(
        width=r, losses=hist.get("loss", done), magnitudes=hist.get("magnitude", done), best_error=float(best),
        weights=u.cpu().numpy(), method=method, magnitude_budget=magnitude,
        run=RunRecord(steps=steps, steps_done=done, stopped_by=stopped_by, message=message, lr=float(lr),
                      seed=nested.pool.seed, target=target.label(), exact=True))
