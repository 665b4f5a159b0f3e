"""Random features with random biases learning low-degree polynomials (notebook 02)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..features import sample_features
from ..fit import fit_nested, width_needed
from ..targets import HermiteTarget
from ._cache import CACHE, Cache

__all__ = ["POLYNOMIAL_D_RANGE", "POLYNOMIAL_LABELS", "PolynomialResult", "polynomial_pool", "polynomial_result",
           "polynomial_target"]

POLYNOMIAL_LABELS = {1: "h₁(⟨w*,x⟩)", 2: "h₂(⟨w*,x⟩)", 3: "h₃(⟨w*,x⟩)", 4: "h₄(⟨w*,x⟩)",
                     "sum": "(h₁ + h₂ + h₃ + h₄)(⟨w*,x⟩)/2"}
POLYNOMIAL_D_RANGE = (2, 32)


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def polynomial_target(k):
    """``h_k(<e_1, x>)`` for ``k`` in 1..4, or ``"sum"``: ``(h_1 + h_2 + h_3 + h_4)/2`` (``E[y^2] = 1``)."""
    if k == "sum":
        return HermiteTarget({(j,): 0.5 for j in range(1, 5)})
    if not _is_int(k) or not 1 <= k <= 4:
        raise ValueError(f"k must be a degree 1, 2, 3, 4 or 'sum', got {k!r}")
    return HermiteTarget.single(int(k))


def polynomial_pool(d: int, size: int, *, bias_std: float = 1.0, seed: int = 0, target=None,
                    cache: Cache | None = None):
    """The :class:`rfexplore.NestedFit` of ``size`` features ``relu(<w_i,x> + b_i)`` (``w_i`` on the sphere,
    ``b_i ~ N(0, bias_std^2)``), one Cholesky factorization per ``(d, size, bias_std, seed)`` (cached);
    retargeted to ``target`` (default ``h_1``) with :meth:`~rfexplore.NestedFit.retarget`."""
    cache = CACHE if cache is None else cache
    key = ("polynomial_pool", int(d), int(size), float(bias_std), int(seed))
    fit = cache.remember(key, lambda: fit_nested(sample_features(int(d), int(size), bias_std=float(bias_std),
                                                                 seed=seed), polynomial_target(1)))
    return fit if target is None else fit.retarget(target)


@dataclass(frozen=True)
class PolynomialResult:
    """What :func:`rfexplore.dashboards.polynomial_dashboard` shows for one setting (exact population errors)."""

    k: object                      # degree 1..4 or "sum"
    d: int
    bias_std: float
    seed: int
    eps: float
    label: str
    widths: np.ndarray             # 1..R
    errors: np.ndarray             # exact relative error at every width
    counts: dict                   # {degree j: C(d+j-1, j)} for the degrees in the target
    needed: int | None             # first width with error <= eps (None: not within R)
    grid: np.ndarray               # widths where r·max|u_i| is computed
    magnitudes: np.ndarray         # r·max|u_i| of the best fit on the grid
    magnitude_needed: float | None  # r·max|u_i| at the width needed
    jitter: float


def polynomial_result(k, d: int, *, bias_std: float = 1.0, seed: int = 0, eps: float = 0.5, pool_size: int = 1000,
                      cache: Cache | None = None) -> PolynomialResult:
    """The exact error of every width ``1..pool_size`` for ``h_k``, the width needed for ``eps`` and the
    size ``r·max|u_i|`` of the best fits, from the cached pool of ``(d, pool_size, bias_std, seed)``."""
    target = polynomial_target(k)
    lo, hi = POLYNOMIAL_D_RANGE
    if not _is_int(d) or not lo <= d <= hi:
        raise ValueError(f"d must be an integer from {lo} to {hi}, got {d!r}")
    if not _is_real(bias_std) or not 0 <= bias_std <= 5:
        raise ValueError(f"bias_std must be a number from 0 (no biases) to 5, got {bias_std!r}")
    if not _is_real(eps) or not 0 < eps < 1:
        raise ValueError(f"eps must be a target error strictly between 0 and 1, got {eps!r}")
    fit = polynomial_pool(int(d), pool_size, bias_std=bias_std, seed=seed, target=target, cache=cache)
    errors = fit.relative_errors()
    R = len(errors)
    needed = width_needed(errors, float(eps))
    grid = np.unique(np.round(np.logspace(0, math.log10(R), 30)).astype(int))
    if needed is not None:
        grid = np.union1d(grid, [needed])
    mags = np.array([fit.fit(int(m)).magnitude for m in grid])
    counts = {j: math.comb(int(d) + j - 1, j) for j in sorted({sum(a) for a in target.terms})}
    return PolynomialResult(
        k=k, d=int(d), bias_std=float(bias_std), seed=int(seed), eps=float(eps), label=POLYNOMIAL_LABELS[k],
        widths=np.arange(1, R + 1), errors=errors, counts=counts, needed=needed, grid=grid,
        magnitudes=mags, magnitude_needed=None if needed is None else float(mags[grid == needed][0]), jitter=fit.jitter)
