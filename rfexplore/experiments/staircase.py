"""The Hermite spectrum and the staircase (notebooks 05 and 06): exact error curves, the predicted
plateaus and the width a given accuracy needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import fit_nested, width_needed
from ..gaussian import (
    harmonic_dimension,
    relu_hermite_coefficients,
    relu_hermite_residuals,
    relu_sphere_energies,
    rf_staircase,
)
from ._cache import CACHE, Cache

__all__ = ["STAIRCASE_D_RANGE", "STAIRCASE_KMAX", "STAIRCASE_POOL_RANGE", "StaircaseLevel", "StaircaseResult",
           "StaircaseWidth", "log_widths", "staircase_curve", "staircase_levels", "staircase_result",
           "staircase_width"]

STAIRCASE_D_RANGE = (2, 30)
STAIRCASE_POOL_RANGE = (100, 4000)
STAIRCASE_KMAX = 12
_MAX_DEGREES = (32, 64, 128, 256, 512)     # staircase_width looks this far for its level


def log_widths(n_max: int, points: int = 160) -> np.ndarray:
    """About ``points`` integer widths from 1 to ``n_max``, evenly spaced on a log scale."""
    return np.unique(np.round(np.logspace(0, np.log10(n_max), points)).astype(int))


def staircase_curve(d: int, pool: int, *, symmetric: bool = True, seed: int = 0, cache: Cache | None = None,
                    device=None) -> np.ndarray:
    """Exact relative error of a unit ReLU for every width ``1..pool`` (nested features, one Cholesky).

    The cache keeps the longest curve computed for ``(d, symmetric, seed)``; a pool no larger than
    that is a slice of it (pools are nested), so only a larger pool is factorized again.
    """
    d = validation.integer("d", d, low=STAIRCASE_D_RANGE[0], high=STAIRCASE_D_RANGE[1])
    pool = validation.integer("pool", pool, low=STAIRCASE_POOL_RANGE[0], high=STAIRCASE_POOL_RANGE[1])
    seed = validation.seed(seed)
    symmetric = validation.boolean("symmetric", symmetric)
    cache = CACHE if cache is None else cache
    key = ("staircase_curve", int(d), symmetric, seed)
    curve = cache.get(key)
    if curve is None or len(curve) < pool:
        fit = fit_nested(sample_features(int(d), pool, symmetric=symmetric, seed=seed), device=device)
        curve = fit.relative_errors().copy()
        curve.flags.writeable = False
        cache.put(key, curve)
    return curve[:pool]


def staircase_levels(d: int, *, symmetric: bool = False, max_degree: int = 6, cache: Cache | None = None):
    """:func:`rfexplore.gaussian.rf_staircase` ``(widths, levels, degrees)``, remembered in the cache."""
    cache = CACHE if cache is None else cache
    return cache.remember(("staircase_levels", int(d), bool(symmetric), int(max_degree)),
                          lambda: rf_staircase(d, symmetric=symmetric, max_degree=max_degree))


class StaircaseWidth(NamedTuple):
    """The staircase's prediction for an accuracy: harmonics up to ``degree`` need about ``width`` features."""

    degree: int
    width: int


def staircase_width(d: int, eps: float, *, symmetric: bool = False, cache: Cache | None = None) -> StaircaseWidth:
    """The first plateau of :func:`rfexplore.gaussian.rf_staircase` at or below ``eps``: its degree ``L``
    and the number of features (directions up to degree ``L``) that reach it (DESIGN 2.5, a heuristic).

    Looks up to degree 512; an ``eps`` below every level up to there is refused.
    """
    eps = validation.real("eps", eps, low=0.0, high=1.0, low_open=True, high_open=True)
    for max_degree in _MAX_DEGREES:
        widths, levels, degrees = staircase_levels(d, symmetric=symmetric, max_degree=max_degree, cache=cache)
        hit = np.flatnonzero(levels <= eps)
        if hit.size:
            j = int(hit[0])
            return StaircaseWidth(int(degrees[j]), int(widths[j]))
    raise ValueError(f"eps must be at least the staircase level after degree {_MAX_DEGREES[-1]} in dimension {d} "
                     f"({levels[-1]:.3g}), got {eps!r}")


@dataclass(frozen=True)
class StaircaseLevel:
    """One plateau of the staircase, measured against the exact curve."""

    degree: int                   # degree <= l of the harmonics spanned
    directions: int               # new directions N(d, l)
    step: int                     # width at which the plateau is predicted to start
    level: float                  # the residual after degree l, dimension d
    limit: float                  # its d -> oo limit (Hermite)
    error_at_step: float | None   # exact RF error at that width (None: beyond the pool)
    reached_at: int | None        # first width whose error is at or below the level


@dataclass(frozen=True)
class StaircaseResult:
    """What :func:`rfexplore.dashboards.staircase_dashboard` shows for one setting."""

    d: int
    pool: int
    symmetric: bool
    seed: int
    errors: np.ndarray            # exact relative error at widths 1..pool
    grid: np.ndarray              # widths drawn
    staircase: tuple              # (widths, levels, degrees) of rf_staircase(d, max_degree=10)
    limit: np.ndarray             # the d -> oo levels of those degrees
    rows: tuple                   # StaircaseLevel per degree
    hermite: np.ndarray           # 2 a_k^2, k = 0..STAIRCASE_KMAX: the Hermite share of E[relu^2] per degree
    sphere: np.ndarray            # the same in dimension d (spherical harmonics)


def staircase_result(d: int, pool: int, *, symmetric: bool = True, seed: int = 0,
                     cache: Cache | None = None) -> StaircaseResult:
    """The exact curve, the predicted plateaus and the energy per degree for one ``(d, pool, symmetric, seed)``."""
    errors = staircase_curve(d, pool, symmetric=symmetric, seed=seed, cache=cache)
    steps, levels, degrees = staircase_levels(d, symmetric=bool(symmetric), max_degree=10, cache=cache)
    limit = relu_hermite_residuals(degrees)                   # the d -> oo levels
    rows = tuple(StaircaseLevel(
        degree=int(l), directions=harmonic_dimension(d, int(l)), step=int(w), level=float(lv), limit=float(lim),
        error_at_step=float(errors[w - 1]) if w <= pool else None, reached_at=width_needed(errors, float(lv)))
        for w, lv, lim, l in zip(steps, levels, limit, degrees, strict=True))
    kmax = STAIRCASE_KMAX
    return StaircaseResult(d=int(d), pool=int(pool), symmetric=bool(symmetric), seed=int(seed), errors=errors,
                           grid=log_widths(pool), staircase=(steps, levels, degrees), limit=limit, rows=rows,
                           hermite=2.0 * relu_hermite_coefficients(kmax) ** 2,   # a_k^2 / E[relu^2], E = 1/2
                           sphere=relu_sphere_energies(d, kmax))
