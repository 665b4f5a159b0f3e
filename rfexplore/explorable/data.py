"""The exact numbers behind the explorable page, precomputed on a stated grid.

Everything comes from the package's public mathematics, called as the tour dashboard calls it
(:class:`rfexplore.dashboards.TourDashboard`), so the page shows the tour's numbers:

* per ``(d, pairs, seed)``: one pool of ``pool_size`` features (:func:`rfexplore.sample_features`), one
  :func:`rfexplore.fit_nested`; the exact relative error at every width ``1..pool_size``
  (:meth:`NestedFit.relative_errors`) and the size of the best weights at every width
  (:func:`rfexplore.explorable.sizes.weight_sizes`: ``r * max|u_i|`` and ``|u|_2``);
* per ``(d, pairs, seed, M, width)`` on a subset of widths: the output layer trained by gradient descent
  from ``u = 0`` (:func:`rfexplore.train_rf`, ``method="iterate"``), whose ``best_error`` is the exact
  best fit (unconstrained, or under the budget ``|u_i| <= M / r``, a box QP);
* per ``(d, pairs)``: the plateaus predicted for dimension ``d`` (:func:`rfexplore.gaussian.rf_staircase`);
* per ``(d, seed, lr)``: the single neuron trained by gradient descent on its exact population loss
  (:func:`rfexplore.train_neuron`), loss, distance to ``w*`` and angle to ``w*`` at every step.

The target is the unit ReLU neuron ``[x_1]_+`` (``|w*| = 1``, the tour's default).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..features import sample_features
from ..fit import fit_nested
from ..gaussian import rf_staircase
from ..targets import ReluTarget
from ..train import train_neuron, train_rf
from .config import check_config
from .sizes import weight_sizes

__all__ = ["ExplorableData", "ExplorableGrid", "FULL_GRID", "SMALL_GRID", "explorable_data"]

# The check of weight_sizes against NestedFit.fit at a few widths of every pool (relative).
_SIZE_CHECK_RTOL = 1e-6


def _ints(name, values, *, low):
    if not isinstance(values, tuple) or not values:
        raise TypeError(f"{name} must be a non-empty tuple of integers, got {values!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{name} must hold integers >= {low}, got {v!r} in {values!r}")
    if list(values) != sorted(set(values)):
        raise ValueError(f"{name} must be strictly increasing, got {values!r}")


def _reals(name, values):
    if not isinstance(values, tuple) or not values:
        raise TypeError(f"{name} must be a non-empty tuple of numbers, got {values!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must hold finite positive numbers, got {v!r} in {values!r}")
    if list(values) != sorted(set(values)):
        raise ValueError(f"{name} must be strictly increasing, got {values!r}")


@dataclass(frozen=True)
class ExplorableGrid:
    """What the page precomputes. Every width ``1..pool_size`` is exact for the error and the weight
    sizes; RF training curves are computed at ``train_widths`` (no budget) and ``budget_widths``
    (each budget in ``budgets``); ``default`` is the configuration a page without a link shows."""

    ds: tuple = (5, 10, 20, 40, 50, 100)
    seeds: tuple = (0, 1, 2)
    pairs: tuple = (True, False)
    pool_size: int = 2048
    steps: int = 200
    lrs: tuple = (0.01, 0.03, 0.1, 0.3, 1.0)
    budgets: tuple = (3.0, 10.0, 30.0, 100.0)
    train_widths: tuple = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1000)
    budget_widths: tuple = (1, 2, 5, 10, 20, 50, 100, 200, 300)
    default: tuple = (("d", 40), ("r", 300), ("M", None), ("lr", 0.1), ("seed", 0), ("pairs", True),
                      ("step", 200))

    def __post_init__(self):
        _ints("ds", self.ds, low=2)
        _ints("seeds", self.seeds, low=0)
        if not isinstance(self.pairs, tuple) or not self.pairs or any(not isinstance(p, bool) for p in self.pairs) \
                or len(set(self.pairs)) != len(self.pairs):
            raise ValueError(f"pairs must be a tuple of distinct booleans, got {self.pairs!r}")
        for name in ("pool_size", "steps"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        _reals("lrs", self.lrs)
        _reals("budgets", self.budgets)
        _ints("train_widths", self.train_widths, low=1)
        _ints("budget_widths", self.budget_widths, low=1)
        for name in ("train_widths", "budget_widths"):
            if max(getattr(self, name)) > self.pool_size:
                raise ValueError(f"{name} must not exceed pool_size {self.pool_size}, got {getattr(self, name)}")
        if min(self.train_widths) != 1 or min(self.budget_widths) != 1:
            raise ValueError("train_widths and budget_widths must start at width 1 (every width then has a "
                             f"computed width at or below it), got {self.train_widths}, {self.budget_widths}")
        problems = check_config(dict(self.default), self)
        if problems:
            raise ValueError("default is not a configuration of this grid: " + "; ".join(problems))

    @property
    def defaults(self) -> dict:
        return dict(self.default)

    def describe(self) -> str:
        """One paragraph saying what was computed (shown on the page)."""
        def lst(v):
            return ", ".join(f"{x:g}" for x in v)
        return (f"d ∈ {{{lst(self.ds)}}}; features i.i.d. or sign-symmetric pairs (w, −w); seeds "
                f"{{{lst(self.seeds)}}}. For each of these {self.n_pools} pools of {self.pool_size} features "
                f"uniform on the sphere: the exact error, r·max|uᵢ| and |u|₂ of the best fit at every width "
                f"1…{self.pool_size}. Output layer trained by gradient descent ({self.steps} steps from u = 0, "
                f"step 1/(2 λmax(K))) at widths {lst(self.train_widths)}; with a budget M ∈ {{{lst(self.budgets)}}} "
                f"(|uᵢ| ≤ M/r, projected gradient descent, and the exact constrained fit, a box QP) at widths "
                f"{lst(self.budget_widths)}. The neuron: {self.steps} steps of gradient descent on its exact "
                f"population loss, learning rate ∈ {{{lst(self.lrs)}}}, per (d, seed). Target: the unit ReLU "
                f"neuron [x₁]₊ (|w*| = 1).")

    @property
    def n_pools(self) -> int:
        return len(self.ds) * len(self.pairs) * len(self.seeds)


FULL_GRID = ExplorableGrid()
# For tests and CI=1: the same page, a grid small enough to build in seconds.
SMALL_GRID = ExplorableGrid(ds=(5, 10), seeds=(0, 1), pool_size=256, steps=40, lrs=(0.1, 1.0),
                            budgets=(3.0, 10.0), train_widths=(1, 2, 5, 10, 20, 50, 100, 200),
                            budget_widths=(1, 2, 5, 10, 20, 50),
                            default=(("d", 10), ("r", 50), ("M", None), ("lr", 0.1), ("seed", 0),
                                     ("pairs", True), ("step", 40)))


@dataclass(frozen=True)
class PoolNumbers:
    """One pool: exact relative error, ``r * max|u_i|`` and ``|u|_2`` at widths ``1..R`` (shape ``(R,)``)."""

    errors: np.ndarray = field(repr=False)
    magnitudes: np.ndarray = field(repr=False)
    l2_norms: np.ndarray = field(repr=False)
    jitter: float
    second_moment: float            # E[y^2]


@dataclass(frozen=True)
class TrainingCurve:
    """RF output layer trained at one width: ``losses`` of shape ``(steps + 1,)`` and its limit."""

    losses: np.ndarray = field(repr=False)
    best_error: float


@dataclass(frozen=True)
class NeuronCurve:
    """The neuron trained by population gradient descent: shapes ``(steps + 1,)``; angles in radians."""

    losses: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)
    angles: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ExplorableData:
    """All numbers of a page, keyed by grid values: ``pools[(d, pairs, seed)]``,
    ``training[(d, pairs, seed, M, width)]`` (``M`` is ``None`` for no budget),
    ``staircase[(d, pairs)] = (widths, levels)``, ``neurons[(d, seed, lr)]``."""

    grid: ExplorableGrid
    pools: dict = field(repr=False)
    training: dict = field(repr=False)
    staircase: dict = field(repr=False)
    neurons: dict = field(repr=False)
    seconds: float = 0.0


def _check_sizes(nested, mags, l2, d):
    """weight_sizes agrees with NestedFit.fit where the two algorithms differ most (a failure is loud)."""
    R = nested.width
    for m in sorted({1, 2, 3, min(2 * d - 1, R), min(2 * d + 1, R), R // 2, R - 1, R} - {0}):
        f = nested.fit(m)
        for got, want, what in ((mags[m - 1], f.magnitude, "r*max|u_i|"), (l2[m - 1], f.l2_norm, "|u|_2")):
            if not abs(got - want) <= _SIZE_CHECK_RTOL * abs(want):
                raise RuntimeError(f"weight_sizes disagrees with NestedFit.fit at width {m} (d={d}): "
                                   f"{what} {got!r} against {want!r}")


def pool_numbers(d: int, pairs: bool, seed: int, grid: ExplorableGrid):
    """The nested fit of one pool and its :class:`PoolNumbers` (what the tour computes for this pool)."""
    nested = fit_nested(sample_features(d, grid.pool_size, symmetric=pairs, seed=seed), ReluTarget(norm=1.0))
    mags, l2 = weight_sizes(nested)
    _check_sizes(nested, mags, l2, d)
    return nested, PoolNumbers(nested.relative_errors().copy(), mags, l2, float(nested.jitter), float(nested.kss))


def training_curve(nested, width: int, magnitude, steps: int) -> TrainingCurve:
    """RF output weights trained as the tour trains them."""
    rf = train_rf(nested, width=width, steps=steps, magnitude=magnitude, method="iterate")
    return TrainingCurve(rf.losses, float(rf.best_error))


def neuron_curve(d: int, seed: int, lr: float, steps: int) -> NeuronCurve:
    """The neuron trained as the tour trains it."""
    res = train_neuron(d, steps=steps, lr=lr, seed=seed, target=ReluTarget(norm=1.0))
    if not res.complete:
        raise RuntimeError(f"the neuron stopped early at d={d}, seed={seed}, lr={lr:g}: {res.message}")
    return NeuronCurve(res.losses, res.distances, res.angles)


def explorable_data(grid: ExplorableGrid = FULL_GRID, *, progress=None) -> ExplorableData:
    """Compute every number of the page for ``grid``. ``progress``: a text stream for one line per pool."""
    if not isinstance(grid, ExplorableGrid):
        raise TypeError(f"grid must be an ExplorableGrid, got {type(grid).__name__}")
    t0 = time.perf_counter()
    pools, training, staircase, neurons = {}, {}, {}, {}
    done = 0
    for d in grid.ds:
        for pairs in grid.pairs:
            sw, levels = rf_staircase(d, symmetric=pairs)[:2]
            staircase[(d, pairs)] = (np.asarray(sw, dtype=float), np.asarray(levels, dtype=float))
            for seed in grid.seeds:
                nested, numbers = pool_numbers(d, pairs, seed, grid)
                pools[(d, pairs, seed)] = numbers
                nested.gram(max(grid.train_widths + grid.budget_widths))   # once, not once per width
                for m in grid.train_widths:
                    training[(d, pairs, seed, None, m)] = training_curve(nested, m, None, grid.steps)
                for M in grid.budgets:
                    for m in grid.budget_widths:
                        training[(d, pairs, seed, M, m)] = training_curve(nested, m, M, grid.steps)
                done += 1
                if progress is not None:
                    print(f"  pool {done}/{grid.n_pools}: d={d} pairs={int(pairs)} seed={seed} "
                          f"({time.perf_counter() - t0:.0f} s)", file=progress, flush=True)
        for seed in grid.seeds:
            for lr in grid.lrs:
                neurons[(d, seed, lr)] = neuron_curve(d, seed, lr, grid.steps)
    return ExplorableData(grid, pools, training, staircase, neurons, time.perf_counter() - t0)
