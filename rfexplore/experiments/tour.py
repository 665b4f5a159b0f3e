"""The headline tour: one pool, the exact width curve, the weight sizes, a budget, and training.

One pool of ``pool_size`` features and one factorization give the exact RF error at every width
(DESIGN 2.3), so a width or budget change only reads the curve and solves at one width."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import fit_nested
from ..gaussian import rf_staircase
from ..targets import ReluTarget
from ..train import train_neuron, train_rf
from ._cache import CACHE, Cache

__all__ = ["TourCurve", "TourPoint", "TourResult", "TourTraining", "tour_curve", "tour_plateau", "tour_point",
           "tour_result", "tour_start", "tour_training"]


@dataclass(frozen=True)
class TourCurve:
    """Everything the tour computes once per ``(d, pool_size, symmetric, seed, target_norm)``."""

    d: int
    pool_size: int
    symmetric: bool
    seed: int
    target_norm: float
    nested: object                # NestedFit of the pool for the target relu(<w*, x>), |w*| = target_norm
    errors: np.ndarray            # exact relative error at widths 1..pool_size
    grid: np.ndarray              # widths where the best fit's r·max|u_i| is computed
    grid_magnitudes: np.ndarray   # r·max|u_i| of the best fit on the grid
    staircase: tuple              # (widths, levels) of the predicted plateaus, exact in dimension d


@dataclass(frozen=True)
class TourPoint:
    """The best fit at one width, and the fit under the budget ``r·max|u_i| <= magnitude`` (None: no budget)."""

    width: int
    magnitude: float | None
    best: object                  # FitResult
    constrained: object           # FitResult or None


@dataclass(frozen=True)
class TourTraining:
    """Both models trained for ``steps`` steps: the neuron by gradient descent on its own weights, the RF
    output layer (the first ``width`` features, ``u_0 = 0``) by (projected) gradient descent.

    Histories hold entry ``t`` after ``t`` steps, as far as each run got: ``complete`` is False when a
    ``KeyboardInterrupt`` (or a callback) ended the training early (the RF is not trained once the
    neuron was interrupted: its history is then its start, error 1).
    """

    steps: int
    neuron_losses: np.ndarray
    distances: np.ndarray         # |w_t - w*| / |w*|
    angles: np.ndarray            # angle of w_t to w* (radians)
    rf_losses: np.ndarray
    complete: bool
    message: str

    @property
    def steps_done(self) -> int:
        """Steps both histories hold."""
        return min(len(self.neuron_losses), len(self.rf_losses)) - 1


def _grid(n_max: int, points: int = 40) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, math.log10(n_max), points)).astype(int))


def _pool_fit(d, pool_size, symmetric, seed, cache):
    key = ("tour_pool", int(d), int(pool_size), bool(symmetric), int(seed))
    return cache.remember(key, lambda: fit_nested(sample_features(d, pool_size, symmetric=bool(symmetric), seed=seed),
                                                  ReluTarget(norm=1.0)))


def tour_curve(d: int, *, pool_size: int, symmetric: bool = True, seed: int = 0, target_norm: float = 1.0,
               cache: Cache | None = None) -> TourCurve:
    """The exact width curve of a unit-direction ReLU of norm ``target_norm`` on one pool, with the weight
    sizes on a log grid of widths and the predicted plateaus. The factorization is cached per pool, the
    curve per target norm."""
    cache = CACHE if cache is None else cache

    def build():
        nested = _pool_fit(d, pool_size, symmetric, seed, cache)
        if target_norm != 1.0:
            nested = nested.retarget(ReluTarget(norm=float(target_norm)))
        grid = _grid(pool_size)
        return TourCurve(d=int(d), pool_size=int(pool_size), symmetric=bool(symmetric), seed=int(seed),
                         target_norm=float(target_norm), nested=nested, errors=nested.relative_errors(), grid=grid,
                         grid_magnitudes=np.array([nested.fit(int(m)).magnitude for m in grid]),
                         staircase=rf_staircase(d, symmetric=bool(symmetric))[:2])

    key = ("tour_curve", int(d), int(pool_size), bool(symmetric), int(seed), float(target_norm))
    return cache.remember(key, build)


def tour_point(curve: TourCurve, width: int, magnitude: float | None = None) -> TourPoint:
    """The best fit with the first ``width`` features of ``curve``'s pool, and the fit under the budget."""
    best = curve.nested.fit(width)
    # cold start from the best fit: the same state gives the same numbers bit for bit, whatever came before
    constrained = None if magnitude is None else curve.nested.fit(width, magnitude=magnitude, warm_start=False)
    return TourPoint(width=int(width), magnitude=magnitude, best=best, constrained=constrained)


def tour_plateau(curve: TourCurve, width: int) -> float:
    """The plateau predicted for ``width``: the ReLU's residual after the degrees that this many features can
    span (DESIGN 2.5, with the levels of dimension ``d``)."""
    sw, levels = curve.staircase
    passed = sw <= width
    return float(levels[passed][-1]) if passed.any() else 1.0


def tour_start(d: int, *, lr: float, seed: int = 0, target_norm: float = 1.0, cache: Cache | None = None):
    """The neuron at its start (one step of :func:`rfexplore.train_neuron`; entry 0 of its histories), so the
    training figures are never empty before Play."""
    cache = CACHE if cache is None else cache
    key = ("tour_start", int(d), float(lr), int(seed), float(target_norm))
    return cache.remember(key, lambda: train_neuron(d, steps=1, lr=lr, seed=seed, target=ReluTarget(norm=target_norm)))


def tour_training(curve: TourCurve, width: int, *, magnitude: float | None, lr: float, steps: int,
                  cache: Cache | None = None, callback=None) -> TourTraining:
    """Train both models for ``steps`` steps (cached when both ran to the end). A ``KeyboardInterrupt`` (or a
    callback returning True) ends the training early: the histories so far come back, ``complete=False``."""
    cache = CACHE if cache is None else cache
    key = ("tour_training", curve.d, curve.pool_size, curve.symmetric, curve.seed, curve.target_norm, int(width),
           magnitude, float(lr), int(steps))

    def run():
        neuron = train_neuron(curve.d, steps=steps, lr=lr, seed=curve.seed, target=ReluTarget(norm=curve.target_norm),
                              callback=callback)
        cut = [r for r in (neuron,) if r.stopped_by in ("interrupt", "callback")]
        rf_losses = np.ones(1)                                # u_0 = 0: relative error exactly 1
        if not cut:
            rf = train_rf(curve.nested, width=width, steps=steps, magnitude=magnitude, method="iterate",
                          callback=callback)
            rf_losses = rf.losses
            cut = [rf] if rf.stopped_by in ("interrupt", "callback") else []
        return TourTraining(steps=int(steps), neuron_losses=neuron.losses, distances=neuron.distances,
                            angles=neuron.angles, rf_losses=rf_losses, complete=not cut,
                            message=cut[0].message if cut else "")

    return cache.remember(key, run, keep=lambda t: t.complete)


@dataclass(frozen=True)
class TourResult:
    """What the tour shows for one setting before training: the curve, the fit at the width, the plateau
    predicted there, and the neuron at its start."""

    curve: TourCurve
    point: TourPoint
    plateau: float
    start: object                 # NeuronResult of one step: entry 0 is the start


def tour_result(d: int, width: int, *, pool_size: int, magnitude: float | None = None, target_norm: float = 1.0,
                lr: float = 0.1, seed: int = 0, symmetric: bool = True, cache: Cache | None = None) -> TourResult:
    """:func:`tour_curve` (cached), :func:`tour_point` at ``width`` and :func:`tour_start`."""
    width = validation.integer("width", width, low=1, high=pool_size)
    curve = tour_curve(d, pool_size=pool_size, symmetric=symmetric, seed=seed, target_norm=target_norm, cache=cache)
    return TourResult(curve=curve, point=tour_point(curve, int(width), magnitude), plateau=tour_plateau(curve, width),
                      start=tour_start(d, lr=lr, seed=seed, target_norm=target_norm, cache=cache))
