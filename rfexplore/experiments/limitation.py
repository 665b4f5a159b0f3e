"""The limitation (notebook 04): exact RF errors for a single ReLU over a grid of ``d``, budgets and
steep neurons, precomputed once so that every dashboard control is a look-up."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import fit_nested, width_needed
from ..gaussian import relu_hermite_residuals
from ..targets import ReluTarget

__all__ = ["LIMITATION_BIASES", "LIMITATION_BUDGETS", "LIMITATION_DS", "LIMITATION_EPS", "LIMITATION_NORMS",
           "LimitationData", "LimitationView", "limitation_curves", "limitation_plateaus", "limitation_view", "pick"]

LIMITATION_DS = (4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 60)
LIMITATION_EPS = (0.3, 0.2, 0.15, 0.1, 0.05, 0.02)
LIMITATION_NORMS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
LIMITATION_BIASES = (-1.0, 0.0, 1.0)
LIMITATION_BUDGETS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def _log_grid(n_max: int, points: int) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, math.log10(n_max), points)).astype(int))


def pick(name, value, options):
    """The option equal to ``value`` (one of the precomputed values), else the validation error listing them."""
    options = tuple(options)
    if isinstance(value, (bool, np.bool_)):        # True == 1: a flag is not a precomputed value
        validation.real(name, value)
    validation.choice(name, value, options)
    return options[options.index(value)]


@dataclass(frozen=True)
class LimitationData:
    """Exact RF errors for a unit ReLU target over a grid of ``d`` (precomputed for the dashboard).

    Features are sign-symmetric pairs on the sphere; every ``d`` uses a pool of ``pool_size`` features
    per seed and one Cholesky factorization, which gives the error at every width ``1..pool_size``.
    """

    ds: tuple
    seeds: tuple
    pool_size: int
    errors: dict            # d -> (pool_size,) relative error at widths 1..R, mean over seeds
    grid: np.ndarray        # widths where the best fit's r·max|u_i| is computed
    magnitudes: dict        # d -> r·max|u_i| of the best fit on the grid (seed 0)
    grid_errors: dict       # d -> relative error of that fit on the grid (seed 0)
    norms: tuple            # |w*| on offer for the steep neuron
    biases: tuple           # b on offer for the steep neuron
    steep: dict             # (d, b, |w*|) -> (pool_size,) relative error of relu(<w*,x> + b) (seed 0)
    second_moments: dict    # (b, |w*|) -> E[y^2]
    budget_ds: tuple
    budget_width: int
    budgets: tuple
    budget_errors: dict     # d -> relative error with |u_i| <= M / r for each M in budgets (seed 0)
    budget_free: dict       # d -> (relative error, r·max|u_i|) of the unconstrained fit (seed 0)


def limitation_curves(ds=LIMITATION_DS, *, pool_size: int = 1000, seeds=(0, 1), norms=LIMITATION_NORMS,
                      biases=LIMITATION_BIASES, budget_ds=(10, 20, 40), budget_width: int = 100,
                      budgets=LIMITATION_BUDGETS, device=None) -> LimitationData:
    """Precompute :class:`LimitationData`: one ``fit_nested`` per ``(d, seed)``, then only cheap re-uses.

    The steep neuron ``relu(<w*,x> + b)`` and the magnitudes reuse seed 0's factorization
    (:meth:`NestedFit.retarget`, :meth:`NestedFit.fit`); the budget curves solve the box QP
    ``|u_i| <= M / r`` at ``budget_width`` for each ``d`` in ``budget_ds`` (which must be among ``ds``).
    """
    ds = tuple(validation.positive_int("d", d) for d in ds)
    if not ds or len(set(ds)) != len(ds):
        raise ValueError(f"ds must be distinct positive integers, got {ds!r}")
    pool_size = validation.positive_int("pool_size", pool_size)
    seeds = tuple(validation.seed(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    budget_width = validation.positive_int("budget_width", budget_width)
    if budget_width > pool_size:
        raise ValueError(f"budget_width must be at most pool_size {pool_size}, got {budget_width}")
    missing = sorted(set(budget_ds) - set(ds))
    if missing:
        raise ValueError(f"budget_ds must be among ds {ds}, got {missing} outside")
    norms, biases, budgets = (tuple(float(v) for v in a) for a in (norms, biases, budgets))
    grid = _log_grid(pool_size, 16)
    errors, magnitudes, grid_errors, steep, budget_errors, budget_free = {}, {}, {}, {}, {}, {}
    for d in ds:
        curves = []
        for s in seeds:
            pool = sample_features(d, pool_size, symmetric=True, seed=s)
            nested = fit_nested(pool, ReluTarget(), device=device)
            curves.append(nested.relative_errors())
            if s != seeds[0]:
                continue
            magnitudes[d] = np.array([nested.fit(int(m)).magnitude for m in grid])
            grid_errors[d] = curves[-1][grid - 1]
            for b in biases:
                for n in norms:
                    steep[(d, b, n)] = nested.retarget(ReluTarget(norm=n, bias=b)).relative_errors()
            if d in budget_ds:
                free = nested.fit(budget_width)
                budget_free[d] = (free.relative_error, free.magnitude)
                errs, u0 = {}, None
                for M in sorted(budgets, reverse=True):        # warm start from the larger budget
                    res = nested.fit(budget_width, magnitude=M, u0=u0)
                    errs[M], u0 = res.relative_error, res.weights
                budget_errors[d] = np.array([errs[M] for M in budgets])
        errors[d] = np.mean(curves, axis=0)
    second = {(b, n): ReluTarget(norm=n, bias=b).second_moment(1) for b in biases for n in norms}
    return LimitationData(ds, seeds, pool_size, errors, grid, magnitudes, grid_errors, norms, biases, steep,
                          second, tuple(d for d in ds if d in budget_ds), budget_width, budgets,
                          budget_errors, budget_free)


def limitation_plateaus() -> tuple[float, float]:
    """The unit ReLU's relative residual after degree 1 and after degree 2 (DESIGN 2.5; ``d -> oo``)."""
    return tuple(float(v) for v in relu_hermite_residuals([1, 2]))


def power_fit(ds, needed):
    """Slope of ``log(width needed)`` against ``log d`` over the points reached (``None`` if fewer than 3)."""
    pts = [(d, w) for d, w in zip(ds, needed, strict=True) if w is not None]
    if len(pts) < 3:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


@dataclass(frozen=True)
class LimitationView:
    """One setting of the limitation dashboard, read off :class:`LimitationData`."""

    eps: float
    width: int
    d: int
    norm: float
    bias: float
    magnitude: float
    needed_by_eps: dict           # eps -> width needed at every d of the data (None: beyond the pool)
    guides: dict                  # label -> (d, width) of the d² and d⁴ guides through the last point reached
    current: np.ndarray           # error at this width for every d
    needed: list                  # width needed for eps at every d
    slope: float | None           # fitted power of d of the width needed
    needed_here: int | None       # width needed at this d
    steep_rel: np.ndarray         # relative error of relu(<w*,x> + b) at this d and width, every |w*|
    steep_abs: np.ndarray         # absolute error
    steep_second: np.ndarray      # E[y^2]
    steep_here: tuple             # (relative, absolute, E[y^2]) at this |w*|
    budget_here: dict             # d -> error with this budget at the data's budget width


def limitation_view(data: LimitationData, *, eps: float, width: int, d: int, target_norm: float, bias: float,
                    magnitude: float) -> LimitationView:
    """Every number the limitation dashboard shows for one setting (look-ups in ``data``)."""
    R, ds = data.pool_size, data.ds
    eps = pick("eps", eps, LIMITATION_EPS)
    m = validation.integer("width", width, low=1, high=R)
    d = pick("d", d, ds)
    n = pick("target_norm", target_norm, data.norms)
    b = pick("bias", bias, data.biases)
    M = pick("magnitude", magnitude, data.budgets)
    needed = {e: [width_needed(data.errors[dd], e) for dd in ds] for e in LIMITATION_EPS}
    curve = needed[eps]
    reached = [(dd, w) for dd, w in zip(ds, curve, strict=True) if w is not None]
    guides = {}
    if reached:
        d0, w0 = reached[-1]
        for p, label in ((2, "∝ d² (guide)"), (4, "∝ d⁴ (guide)")):
            # through the last point reached, drawn back to min(ds) or down to width 1
            lo = max(min(ds), d0 * w0 ** (-1.0 / p))
            gx = np.geomspace(lo, d0, 30) if lo < d0 else np.array([d0])
            guides[label] = (gx, w0 * (gx / d0) ** p)
    rel = np.array([data.steep[(d, b, nn)][m - 1] for nn in data.norms])
    second = np.array([data.second_moments[(b, nn)] for nn in data.norms])
    k, i = data.budgets.index(M), data.norms.index(n)
    return LimitationView(
        eps=eps, width=m, d=d, norm=n, bias=b, magnitude=M, needed_by_eps=needed, guides=guides,
        current=np.array([data.errors[dd][m - 1] for dd in ds]), needed=curve, slope=power_fit(ds, curve),
        needed_here=curve[ds.index(d)], steep_rel=rel, steep_abs=rel * second, steep_second=second,
        steep_here=(float(rel[i]), float((rel * second)[i]), float(second[i])),
        budget_here={dd: float(data.budget_errors[dd][k]) for dd in data.budget_ds})
