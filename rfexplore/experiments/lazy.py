"""Lazy training (notebook 03): a two-layer network beside its random-features and linearized models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import FeaturePool
from ..fit import fit_population
from ..targets import ReluTarget
from ..train import _two_layer_init, train_two_layer
from ._cache import CACHE, Cache

__all__ = ["LAZY_ALPHAS", "LAZY_MAX_LR", "LAZY_WIDTHS", "LazyResult", "lazy_alignment", "lazy_lr", "lazy_movements",
           "lazy_result", "lazy_rf_best", "lazy_run", "lazy_start"]

LAZY_WIDTHS = (16, 32, 64, 128)
LAZY_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
LAZY_MAX_LR = 4.0


def lazy_lr(alpha: float) -> float:
    """Step size of the lazy-training runs: ``1 / alpha^2``, at most :data:`LAZY_MAX_LR` (4).

    ``1 / alpha^2`` moves the function at a rate that does not depend on ``alpha`` (the RF and
    linearized models then follow the same curve for every ``alpha >= 1/2``); below ``alpha = 1/2``
    that step is too large for the non-linear dynamics (``alpha = 0.05`` diverges), so it is capped
    (measured stable at ``alpha = 0.1 .. 0.5``, widths 16..128, ``d = 20``).
    """
    alpha = validation.positive("alpha", alpha)
    return min(1.0 / alpha ** 2, LAZY_MAX_LR)


def lazy_run(d: int, width: int, alpha: float, *, steps: int = 200, seed: int = 0, compare: bool = True,
             cache: Cache | None = None, callback=None, device=None):
    """:func:`rfexplore.train.train_two_layer` on the exact population loss with ``lr = lazy_lr(alpha)``,
    remembered in the cache under ``(d, width, alpha, steps, seed)``.

    A cached run is reused (one with ``compare=True`` also serves ``compare=False``); only complete runs
    are cached, so a run stopped by the ``callback`` (or an interrupt), or one that diverged, is returned
    but not kept.
    """
    cache = CACHE if cache is None else cache
    key = ("lazy_run", int(d), int(width), float(alpha), int(steps), int(seed))
    hit = cache.get(key)
    if hit is not None and (hit.rf_losses is not None or not compare):
        return hit
    run = train_two_layer(d, width, alpha=alpha, steps=steps, lr=lazy_lr(alpha), seed=seed, compare=compare,
                          device=device, callback=callback)
    if run.complete:
        cache.put(key, run)
    return run


def lazy_start(d: int, width: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The start ``(W_0, u_0)`` of :func:`rfexplore.train.train_two_layer`: ``(r, d)`` and ``(r,)``,
    neurons in pairs ``(w, u), (w, -u)`` with ``w`` uniform on the sphere."""
    d, width, seed = validation.positive_int("d", d), validation.positive_int("width", width), validation.seed(seed)
    if width % 2:
        raise ValueError(f"width must be even (neurons come in pairs), got {width}")
    return _two_layer_init(d, width, seed)


def lazy_rf_best(d: int, width: int, *, seed: int = 0, target=None) -> float:
    """Exact best relative error of the RF model of a width-``r`` network: its first layer ``W_0``
    frozen, only the output layer fitted (DESIGN 2.2). The pairs share their ``w``, so these are
    ``r / 2`` distinct features; this is the limit of ``TwoLayerResult.rf_losses`` as steps grow."""
    W0, _ = lazy_start(d, width, seed=seed)
    pool = FeaturePool(W0[0::2].copy(), None, "sphere", False, 0.0, int(seed))
    return float(fit_population(pool, target).relative_error)


def lazy_movements(d: int, alpha: float, *, steps: int = 200, seed: int = 0, cache: Cache | None = None):
    """``(widths, movements)``: final relative first-layer movement of every run in the cache at this
    ``(d, alpha, steps, seed)``, by increasing width."""
    cache = CACHE if cache is None else cache
    rows = sorted((k[2], float(run.movements[-1])) for k, run in cache.items()
                  if k[0] == "lazy_run" and k[1] == d and k[3] == float(alpha) and k[4] == steps and k[5] == seed)
    return np.array([r for r, _ in rows], dtype=int), np.array([m for _, m in rows])


def lazy_alignment(W, u, w_star) -> float:
    """Mean ``cos(w_i, w*)`` over the neurons with a positive output weight ``u_i`` (``W``: ``(r, d)``)."""
    W, u, w_star = np.asarray(W, dtype=float), np.asarray(u, dtype=float), np.asarray(w_star, dtype=float)
    pos = u > 0
    # cos(w_i, w*) = <w_i, w*> / (|w_i| |w*|)
    cos = (W[pos] @ w_star) / (np.linalg.norm(W[pos], axis=1) * np.linalg.norm(w_star))
    return float(cos.mean()) if cos.size else float("nan")


@dataclass(frozen=True)
class LazyResult:
    """What :func:`rfexplore.dashboards.lazy_dashboard` shows for one ``(width, alpha)``."""

    d: int
    width: int
    alpha: float
    lr: float
    steps: int
    seed: int
    run: object                    # TwoLayerResult (compare=True)
    rf_best: float                 # exact best error of the RF model (r/2 distinct features)
    rf_features: int               # r/2 distinct frozen features relu(<w0_i, x>)
    tangent_features: int          # r/2 + d r/2 frozen features of the linearized model
    curves: dict                   # "α = a" -> (widths, movements) of the cached runs
    guide: tuple                   # (widths, c / sqrt(widths)) through the chosen run
    alignment: tuple               # mean cos(w_i, w*) of neurons with u_i > 0: (start, end)


def lazy_result(d: int, width: int, alpha: float, *, steps: int = 200, seed: int = 0, alphas=LAZY_ALPHAS,
                widths=LAZY_WIDTHS, cache: Cache | None = None, callback=None) -> LazyResult:
    """Train (or recall) the run at ``(width, alpha)`` and gather the movement curves of every ``alpha`` in
    ``alphas`` run so far. A run that does not finish is refused with its message."""
    cache = CACHE if cache is None else cache
    run = lazy_run(d, width, alpha, steps=steps, seed=seed, cache=cache, callback=callback)
    if not run.complete:
        raise ValueError(f"training r = {width}, α = {alpha:g} did not finish: {run.message}")
    rf_best = cache.remember(("lazy_rf_best", int(d), int(width), int(seed)), lambda: lazy_rf_best(d, width, seed=seed))
    curves = {}
    for aa in alphas:
        ws, ms = lazy_movements(d, aa, steps=steps, seed=seed, cache=cache)
        if ws.size:
            curves[f"α = {aa:g}"] = (ws, ms)
    m = float(run.movements[-1])
    known = [w for ws, _ in curves.values() for w in ws] + list(widths)
    gx = np.geomspace(min(known), max(known), 30)
    W0, u0 = lazy_start(d, width, seed=seed)
    w_star = ReluTarget().weight(d)
    return LazyResult(
        d=d, width=width, alpha=alpha, lr=run.lr, steps=steps, seed=seed, run=run, rf_best=rf_best,
        rf_features=width // 2, tangent_features=width // 2 + d * width // 2, curves=curves,
        guide=(gx, m * np.sqrt(width / gx)),                 # movement ∝ 1/sqrt(r) through the chosen run
        alignment=(lazy_alignment(W0, u0, w_star), lazy_alignment(run.W, u0, w_star)))
