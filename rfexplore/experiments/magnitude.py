"""The budget a fixed error needs: the smallest ``M`` with ``r·max|u_i| <= M`` whose best fit reaches ``eps``.

``r·max|u_i|`` is this explorer's measure of the abstract's "magnitude of its weights" (its choice,
consistent with the argument's ``sum_i |u_i| <= r max_i |u_i|``, notebook 07 section 2). At a fixed width an
error floor under a small budget holds for any target; what speaks to the theorem's magnitude clause is how the budget
needed for a *fixed* error grows with ``d`` on a hard target (notebooks 00 and 04; this explorer's
measurement, not the paper's constants)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

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


METHODS = ("newton", "bisect")
NEWTON_PROBES = 12        # probes of the Newton phase before the search falls back to plain bisection


def budget_needed(nested: NestedFit, width: int, eps: float, *, low: float = 1e-3, high: float | None = None,
                  rtol: float = 1e-3, method: str = "newton") -> BudgetNeeded:
    """The smallest budget ``M`` whose constrained fit at ``width`` has relative error ``<= eps``, to a
    relative precision ``rtol``.

    The constrained error ``e(M)`` is non-increasing in ``M`` (a larger box holds the smaller one) and
    convex (a mix ``s u_1 + (1 - s) u_2`` of fits under ``M_1, M_2`` is feasible under ``s M_1 + (1 - s) M_2``).
    Both methods keep a bracket ``lo < top`` with ``e(lo) > eps >= e(top)``, start from ``[low, high]``
    and stop once ``top / lo <= 1 + rtol``; they return ``top``. ``high`` defaults to the unconstrained
    best fit's own ``r·max|u_i|`` (any larger budget gives that fit); a ``high`` whose fit does not reach
    ``eps`` is refused. Each probe is one box-constrained fit (:meth:`rfexplore.fit.NestedFit.fit`).

    ``method="bisect"``: bisection in ``log M``, every fit cold-started (``log2(log(high/low) / rtol)`` fits,
    rounded up, and those at ``low`` and ``high``: 13 or 14 in the tour's searches, benchmarks/bench_budget.py).

    ``method="newton"`` (default; this explorer's: 5 to 7 fits there, the one at ``low`` included). Every fit
    ``u`` under a budget ``M_u`` bounds the threshold ``M*`` from both sides through ``q(t)``, the error of
    ``t u`` (feasible under ``t M_u``): ``q(t) = a t^2 - 2 b t + 1`` with ``b = k.u / k**`` and
    ``a = e(M_u) - 1 + 2 b``. Upper: ``e(t M_u) <= q(t)`` for any feasible ``u``, so where ``q`` first
    falls to ``eps`` the error is at most ``eps``. Lower: at the optimum ``M_u e'(M_u) = q'(1) = u.g / k**``
    (``g = 2 (K u - k)``; only coordinates at a bound contribute, ``u_i g_i = -B |g_i|``, the multipliers),
    and a convex ``e`` lies above its tangent, so ``M* >= M_u (1 + (eps - e) / q'(1))``: Newton's step.
    Both bounds close in quadratically as ``M_u`` nears ``M*``. Each probe is the best lower bound (Newton
    steps from the left), or, once the best upper bound is within ``rtol`` of ``lo``, that bound times
    ``1 + log1p(rtol) / 64`` (so the returned budget lies about that far above the threshold; bisection's
    anywhere up to ``rtol``). A probe outside the bracket, or more than ``NEWTON_PROBES`` probes, falls back
    to bisection. The bounds only choose the probes: the bracket is always made of fitted budgets, so
    ``error`` is a fit's error and ``bracket`` means what it does for bisection. Each fit starts from the
    solved budget nearest in ``log M`` (its weights scaled to the new box), with this search's own solver
    cache and the exact face step tried from the first step (:func:`rfexplore.boxqp.solve_paired_qp`,
    ``hint``); the QP's optimal value does not depend on the start, so the errors agree with cold-started
    fits to the fits' tolerance (``BUDGET_TOL``), and the two methods' thresholds to ``rtol``.
    """
    if not isinstance(nested, NestedFit):
        raise TypeError(f"nested must be a NestedFit (from fit_nested), got {type(nested).__name__}")
    width = validation.integer("width", width, low=1, high=nested.pool.width)
    eps = validation.positive("eps", eps)
    low = validation.positive("low", low)
    rtol = validation.positive("rtol", rtol)
    method = validation.choice("method", method, METHODS)
    free = nested.fit(width)
    if free.relative_error > eps:
        return BudgetNeeded(width, eps, None, None, float(free.relative_error), None)
    hi = validation.positive("high", high) if high is not None else float(free.magnitude)
    if low >= hi:
        raise ValueError(f"low must be below high ({hi:g}), got {low:g}")
    search = _bisect if method == "bisect" else _newton
    return search(nested, width, eps, low, hi, math.log1p(rtol), free)


def _refuse_high(hi, e_top, eps):
    raise ValueError(f"high must be a budget whose fit reaches eps = {eps:g}, got {hi:g} "
                     f"(relative error {e_top:.6g} there)")


def _bisect(nested, width, eps, low, hi, width_log, free):
    """Plain bisection in ``log M``, each step a cold-started fit (the reference method)."""
    def error(m):
        return float(nested.fit(width, magnitude=m, warm_start=False).relative_error)

    if error(low) <= eps:
        return BudgetNeeded(width, eps, float(low), error(low), float(free.relative_error), (0.0, float(low)))
    lo, top = math.log(low), math.log(hi)
    e_top = error(hi)
    if e_top > eps:
        _refuse_high(hi, e_top, eps)
    while top - lo > width_log:
        mid = 0.5 * (lo + top)
        e = error(math.exp(mid))
        if e > eps:
            lo = mid
        else:
            top, e_top = mid, e
    return BudgetNeeded(width, eps, math.exp(top), e_top, float(free.relative_error), (math.exp(lo), math.exp(top)))


def _root_bounds(m, e, b, eps):
    """``(lower, upper)`` bounds on the threshold from a fit under budget ``m`` with relative error ``e`` and
    ``b = k.u / k**`` (:func:`budget_needed`): the tangent's root (``0`` where the tangent does not fall)
    and the first root of ``q(t) = eps`` times ``m`` (``inf`` where ``q`` stays above ``eps``)."""
    a, slope = e - 1.0 + 2.0 * b, 2.0 * (e - 1.0 + b)          # q(t) = a t^2 - 2 b t + 1, slope = q'(1)
    lower = m * (1.0 + (eps - e) / slope) if slope < 0 else 0.0
    disc = b * b - a * (1.0 - eps)
    root = b + math.sqrt(disc) if disc >= 0 else -1.0
    upper = m * (1.0 - eps) / root if root > 0 else math.inf   # the smaller root of a t^2 - 2 b t + (1 - eps)
    return lower, upper


def _newton(nested, width, eps, low, hi, width_log, free):
    """The safeguarded Newton search of :func:`budget_needed`."""
    k, kss = nested.k[:width], float(nested.kss)
    # this search's solver cache; its warm starts sit near their face: exact face steps from the first step
    hint = dict(face_first=1, face_stable=0, face_every=3)
    solved = []                                               # (log m, weights tensor, lower, upper)

    def fit(m):
        near = min(solved, key=lambda s: abs(s[0] - math.log(m)), default=None)
        u0 = None if near is None else near[1] * (m / math.exp(near[0]))
        res = nested.fit(width, magnitude=m, u0=u0, hint=hint) if u0 is not None else \
            nested.fit(width, magnitude=m, warm_start=False)
        u = torch.as_tensor(res.weights, dtype=k.dtype, device=k.device)
        e = float(res.relative_error)
        solved.append((math.log(m), u, *_root_bounds(m, e, float(k @ u) / kss, eps)))
        return e

    e_lo = fit(low)
    if e_lo <= eps:
        return BudgetNeeded(width, eps, float(low), e_lo, float(free.relative_error), (0.0, float(low)))
    u_free = torch.as_tensor(free.weights, dtype=k.dtype, device=k.device)
    e_free = float(free.relative_error)
    if hi == float(free.magnitude):
        e_top = e_free                                        # the budget does not bind: the best fit
        solved.append((math.log(hi), u_free, *_root_bounds(hi, e_free, float(k @ u_free) / kss, eps)))
    else:
        e_top = fit(hi)
        if e_top > eps:
            _refuse_high(hi, e_top, eps)
    lo, top, probes = low, hi, 0
    while math.log(top / lo) > width_log:
        lower = max(lo, *(s[2] for s in solved))             # the threshold lies in [lower, upper]
        upper = min(top, *(s[3] for s in solved))
        if math.log(upper / lo) < width_log:
            x = min(upper * (1 + width_log / 64), lo * math.exp(width_log * (1 - 1e-6)))   # closes the bracket above
        elif math.log(top / lower) < width_log:
            x = max(lower * (1 - width_log / 64), top * math.exp(-width_log * (1 - 1e-6)))  # or below
        else:
            x = lower                                                          # Newton's step from the left
        probes += 1
        if not (lo < x < top) or probes > NEWTON_PROBES:
            x = math.sqrt(lo * top)                                            # bisection
        e = fit(x)
        if e > eps:
            lo = x
        else:
            top, e_top = x, e
    return BudgetNeeded(width, eps, top, e_top, e_free, (lo, top))
