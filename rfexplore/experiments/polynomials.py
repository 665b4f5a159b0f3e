"""Random features with random biases learning low-degree polynomials (notebook 02)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import fit_nested, width_needed
from ..targets import HermiteTarget
from ._cache import CACHE, Cache

__all__ = ["POLYNOMIAL_D_RANGE", "POLYNOMIAL_LABELS", "PolynomialResult", "polynomial_pool", "polynomial_result",
           "polynomial_target"]

POLYNOMIAL_LABELS = {1: "h₁(⟨w*,x⟩)", 2: "h₂(⟨w*,x⟩)", 3: "h₃(⟨w*,x⟩)", 4: "h₄(⟨w*,x⟩)",
                     "sum": "(h₁ + h₂ + h₃ + h₄)(⟨w*,x⟩)/2"}
POLYNOMIAL_D_RANGE = (2, 32)


def polynomial_target(k):
    """``h_k(<e_1, x>)`` for ``k`` in 1..4, or ``"sum"``: ``(h_1 + h_2 + h_3 + h_4)/2`` (``E[y^2] = 1``)."""
    if isinstance(k, (bool, np.bool_)):
        validation.integer("k", k, low=1, high=4)          # refused: True == 1, but a flag is no degree
    k = validation.choice("k", k, (1, 2, 3, 4, "sum"))
    if k == "sum":
        return HermiteTarget({(j,): 0.5 for j in range(1, 5)})
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
    d = validation.integer("d", d, low=POLYNOMIAL_D_RANGE[0], high=POLYNOMIAL_D_RANGE[1])
    bias_std = validation.real("bias_std", bias_std, low=0.0, high=5.0)
    eps = validation.real("eps", eps, low=0.0, high=1.0, low_open=True, high_open=True)
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
