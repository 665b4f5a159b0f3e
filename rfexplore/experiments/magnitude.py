"""The budget a fixed error needs: the smallest ``M`` with ``r·max|u_i| <= M`` whose best fit reaches ``eps``.

``r·max|u_i|`` is this explorer's measure of the abstract's "magnitude of its weights" (its choice,
consistent with the argument's ``sum_i |u_i| <= r max_i |u_i|``, notebook 07 section 2). At a fixed width an
error floor under a small budget holds for any target; what speaks to the theorem's magnitude clause is how the budget
needed for a *fixed* error grows with ``d`` on a hard target (notebooks 00 and 04; this explorer's
measurement, not the paper's constants)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import validation
from ..fit import NestedFit

__all__ = ["BudgetNeeded", "budget_needed"]


@dataclass(frozen=True)
class BudgetNeeded:
    """``magnitude``: the smallest budget found (``None``: not even the unconstrained fit reaches ``eps``);
    ``error``: the relative error of the fit under it; ``free_error``: the unconstrained best error;
    ``bracket``: ``(lo, hi)`` with the error above ``eps`` at ``lo`` and at most ``eps`` at ``hi = magnitude``."""

    width: int
    eps: float
    magnitude: float | None
    error: float | None
    free_error: float
    bracket: tuple | None


def budget_needed(nested: NestedFit, width: int, eps: float, *, low: float = 1e-3, high: float | None = None,
                  rtol: float = 1e-3) -> BudgetNeeded:
    """Bisect (in ``log M``) for the smallest budget ``M`` whose constrained fit at ``width`` has relative
    error ``<= eps``.

    The constrained error is non-increasing in ``M`` (a larger box holds the smaller one), so bisection
    finds the threshold to a relative precision ``rtol``. ``high`` defaults to the unconstrained best fit's
    own ``r·max|u_i|`` (any larger budget gives that fit). Each step is one box-constrained fit
    (:meth:`rfexplore.fit.NestedFit.fit` with ``magnitude``, cold-started).
    """
    if not isinstance(nested, NestedFit):
        raise TypeError(f"nested must be a NestedFit (from fit_nested), got {type(nested).__name__}")
    width = validation.integer("width", width, low=1, high=nested.pool.width)
    eps = validation.positive("eps", eps)
    low = validation.positive("low", low)
    rtol = validation.positive("rtol", rtol)
    free = nested.fit(width)
    if free.relative_error > eps:
        return BudgetNeeded(width, eps, None, None, float(free.relative_error), None)
    hi = validation.positive("high", high) if high is not None else float(free.magnitude)
    if low >= hi:
        raise ValueError(f"low must be below high ({hi:g}), got {low:g}")

    def error(m):
        return float(nested.fit(width, magnitude=m, warm_start=False).relative_error)

    if error(low) <= eps:
        return BudgetNeeded(width, eps, float(low), error(low), float(free.relative_error), (0.0, float(low)))
    lo, top = math.log(low), math.log(hi)
    e_top = error(hi)
    while top - lo > math.log1p(rtol):
        mid = 0.5 * (lo + top)
        e = error(math.exp(mid))
        if e > eps:
            lo = mid
        else:
            top, e_top = mid, e
    return BudgetNeeded(width, eps, math.exp(top), e_top, float(free.relative_error), (math.exp(lo), math.exp(top)))
