"""The headline tour: one pool, the exact width curve, the weight sizes, a budget, and training.

One pool of ``pool_size`` features and one factorization give the exact RF error at every width
(DESIGN 2.3), so a width or budget change only reads the curve and solves at one width.

Three targets (:func:`tour_target`), each showing one phenomenon:

* ``"unit"``: the bias-free neuron ``[<w*, x>]_+`` — the easy case: every fixed accuracy costs RF a
  width polynomial in ``d``, a staircase (Ghorbani, Mei, Misiakiewicz & Montanari 2019; the levels
  are this explorer's exact computation). Gradient descent learns it (prior work the paper cites).
* ``"offset"``: the offset neuron ``[<w*, x> - c |w*|]_+``, whose kink sits ``c`` standard deviations of
  ``<w*, x>`` out: a component of the zig-zag's ReLU decomposition (at ``|w*| = 1`` these offsets are
  the kinks of the zig-zag of period 1, :func:`rfexplore.relu_decomposition`), the kind of neuron the
  paper's argument shows hard. Gradient descent trains a neuron *with a bias*
  (:func:`rfexplore.train_biased_neuron`); from some starts it learns, from others it switches off
  (this explorer's computation, notebook 07).
* ``"periodic"``: the zig-zag ``tri(<w*, x>)`` of period 1: the periodic function of the paper's
  proof, nearly uncorrelated with every feature (notebook 07). It is not one neuron, so there is no
  single-neuron gradient descent for it: only the RF output layer trains.

Offsetting the kink by ``c |w*|`` keeps the neuron's shape fixed as ``|w*|`` grows (``[<w*, x> - c|w*|]_+
= |w*| [x_1 - c]_+``): a fixed offset ``b`` would turn into the easy neuron as ``|w*|`` grows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .. import validation
from ..biased_neuron import train_biased_neuron
from ..features import sample_features
from ..fit import NestedSolve, fit_nested
from ..gaussian import rf_staircase
from ..targets import ReluTarget, TriangleWaveTarget
from ..train import train_neuron, train_rf
from ._cache import CACHE, Cache

__all__ = ["TOUR_OFFSETS", "TOUR_PERIOD", "TOUR_TARGETS", "TourCurve", "TourPoint", "TourResult", "TourTraining",
           "TourWork", "tour_advance", "tour_curve", "tour_plateau", "tour_point", "tour_refine", "tour_result",
           "tour_start", "tour_target", "tour_training"]

TOUR_TARGETS = ("unit", "offset", "periodic")
TOUR_PERIOD = 1.0                                        # period of the zig-zag, in units of <w*, x>
TOUR_OFFSETS = (0.25, 0.75, 1.25, 1.75, 2.25, 2.75)      # kinks p/4 + k p/2 of the zig-zag (p = 1), in units of |w*|


def tour_target(kind: str = "unit", *, norm: float = 1.0, offset: float = 1.25):
    """The tour's target of ``kind`` with ``|w*| = norm`` (``w* = norm e_1``).

    ``"unit"``: ``ReluTarget(norm=norm)``, ``[<w*, x>]_+``; ``"offset"``: ``ReluTarget(norm=norm,
    bias=-offset * norm)``, ``[<w*, x> - offset |w*|]_+``; ``"periodic"``: ``TriangleWaveTarget(period=1,
    norm=norm)``, ``tri(<w*, x>)``. ``offset`` is used by ``"offset"`` only.
    """
    validation.choice("target", kind, TOUR_TARGETS)
    norm = validation.positive("target_norm", norm)
    if kind == "unit":
        return ReluTarget(norm=norm)
    if kind == "offset":
        offset = validation.positive("offset", offset)
        return ReluTarget(norm=norm, bias=-offset * norm)                  # [<w*,x> - c|w*|]_+
    return TriangleWaveTarget(period=TOUR_PERIOD, norm=norm)


@dataclass(frozen=True)
class TourCurve:
    """Everything the tour computes once per ``(d, pool_size, symmetric, seed, target_norm, target, offset,
    bias_std)``. ``staircase`` is ``None`` where the Hermite staircase does not predict the curve (a
    target other than the unit neuron, or features with biases)."""

    d: int
    pool_size: int
    symmetric: bool
    seed: int
    target_norm: float
    nested: object                # NestedFit of the pool for tour_target(target, norm=target_norm, offset=offset)
    errors: np.ndarray            # exact relative error at widths 1..pool_size
    grid: np.ndarray              # widths where the best fit's r·max|u_i| is computed
    grid_magnitudes: np.ndarray   # r·max|u_i| of the best fit on the grid
    staircase: tuple | None       # (widths, levels) of the predicted plateaus, exact in dimension d
    target: str = "unit"          # one of TOUR_TARGETS
    offset: float = 0.0           # the offset neuron's kink, in units of |w*| (0 for the other targets)
    bias_std: float = 0.0         # feature biases b_i ~ N(0, bias_std^2); 0: bias-free features


@dataclass(frozen=True)
class TourPoint:
    """The best fit at one width, and the fit under the budget ``r·max|u_i| <= magnitude`` (None: no budget).

    A budget fit given a time limit (:func:`tour_point`'s ``max_seconds``) may come back unfinished:
    ``pending`` is then True, ``constrained`` is its best feasible iterate so far (``converged``
    False, with its KKT residual and certified gap) and :func:`tour_refine` runs it further; the
    finished fit has the same bits whatever the slices were."""

    width: int
    magnitude: float | None
    best: object                  # FitResult
    constrained: object           # FitResult or None
    solve: object = field(default=None, repr=False, compare=False)   # BudgetSolve while unfinished

    @property
    def pending(self) -> bool:
        """True while the budget fit is not final (not converged, and not given up)."""
        return self.solve is not None


@dataclass(frozen=True)
class TourTraining:
    """Both models trained for ``steps`` steps: the neuron by gradient descent on its own weights, the RF
    output layer (the first ``width`` features, ``u_0 = 0``) by (projected) gradient descent.

    Histories hold entry ``t`` after ``t`` steps, as far as each run got: ``complete`` is False when a
    ``KeyboardInterrupt`` (or a callback) ended the training early (the RF is not trained once the
    neuron was interrupted: its history is then its start, error 1).
    """

    steps: int
    neuron_losses: np.ndarray | None   # None: the target is not one neuron (the zig-zag)
    distances: np.ndarray | None       # |w_t - w*| / |w*|; with a bias |(w_t, b_t) - (w*, b*)| / |(w*, b*)|
    angles: np.ndarray | None          # angle of w_t to w* (radians)
    rf_losses: np.ndarray
    complete: bool
    message: str
    biases: np.ndarray | None = None   # the neuron's bias b_t where it learns one (the offset target)

    @property
    def steps_done(self) -> int:
        """Steps every history holds."""
        held = [len(self.rf_losses)] + ([] if self.neuron_losses is None else [len(self.neuron_losses)])
        return min(held) - 1


def _grid(n_max: int, points: int = 40) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, math.log10(n_max), points)).astype(int))


def _pool_key(d, pool_size, symmetric, seed, bias_std=0.0):
    return ("tour_pool", int(d), int(pool_size), bool(symmetric), int(seed)) + ((float(bias_std),) if bias_std else ())


def _pool(d, pool_size, symmetric, seed, bias_std):
    return sample_features(d, pool_size, symmetric=bool(symmetric), bias_std=float(bias_std), seed=seed)


def _pool_fit(d, pool_size, symmetric, seed, cache, bias_std=0.0):
    return cache.remember(_pool_key(d, pool_size, symmetric, seed, bias_std),
                          lambda: fit_nested(_pool(d, pool_size, symmetric, seed, bias_std), ReluTarget(norm=1.0)))


def _target_key(target, offset, bias_std):
    """The cache-key suffix of a curve's target and feature biases (none for the unit neuron, bias-free:
    the keys the tour had before it had a target menu)."""
    return () if target == "unit" and bias_std == 0 else (target, offset, bias_std)


def tour_curve(d: int, *, pool_size: int, symmetric: bool = True, seed: int = 0, target_norm: float = 1.0,
               target: str = "unit", offset: float = 1.25, bias_std: float = 0.0,
               cache: Cache | None = None) -> TourCurve:
    """The exact width curve of :func:`tour_target` ``(target, norm=target_norm, offset=offset)`` on one pool
    (biases ``N(0, bias_std^2)``, 0: none), with the weight sizes on a log grid of widths and, for the unit
    neuron on bias-free features, the predicted plateaus. The factorization is cached per pool, the curve
    per target."""
    cache = CACHE if cache is None else cache
    goal = tour_target(target, norm=target_norm, offset=offset)
    bias_std = validation.nonneg("bias_std", bias_std)
    offset = float(offset) if target == "offset" else 0.0

    def build():
        nested = _pool_fit(d, pool_size, symmetric, seed, cache, bias_std)
        if target != "unit" or target_norm != 1.0:
            nested = nested.retarget(goal)
        grid = _grid(pool_size)
        staircase = rf_staircase(d, symmetric=bool(symmetric))[:2] if target == "unit" and bias_std == 0 else None
        return TourCurve(d=int(d), pool_size=int(pool_size), symmetric=bool(symmetric), seed=int(seed),
                         target_norm=float(target_norm), nested=nested, errors=nested.relative_errors(), grid=grid,
                         grid_magnitudes=np.array([nested.fit(int(m)).magnitude for m in grid]),
                         staircase=staircase, target=target, offset=offset, bias_std=bias_std)

    return cache.remember(_curve_key(d, pool_size, symmetric, seed, target_norm, target, offset, bias_std), build)


def _curve_key(d, pool_size, symmetric, seed, target_norm, target, offset, bias_std):
    key = ("tour_curve", int(d), int(pool_size), bool(symmetric), int(seed), float(target_norm))
    return key + _target_key(target, offset, bias_std)


BUDGET_MAX_STEPS = 20000     # a tour's budget fit gives up (stays marked not converged) after this many steps


def _budget_key(curve, width, magnitude):
    key = ("tour_budget", curve.d, curve.pool_size, curve.symmetric, curve.seed, curve.target_norm, int(width),
           float(magnitude))
    return key + _target_key(curve.target, curve.offset, curve.bias_std)


def tour_point(curve: TourCurve, width: int, magnitude: float | None = None, *, max_seconds: float | None = None,
               cache: Cache | None = None) -> TourPoint:
    """The best fit with the first ``width`` features of ``curve``'s pool, and the fit under the budget.

    The budget fit always starts from the same point with its own solver state
    (:meth:`~rfexplore.fit.NestedFit.budget_solve`), so a configuration gives the same bits whatever
    was computed before. ``max_seconds``: run it for about that long (past one solver step or one
    factorization) and return it unfinished if it has not converged (``pending``; continue with
    :func:`tour_refine`); ``None``: to the end. Finished budget fits are cached."""
    best = curve.nested.fit(width)
    if magnitude is None:
        return TourPoint(width=int(width), magnitude=None, best=best, constrained=None)
    cache = CACHE if cache is None else cache
    done = cache.get(_budget_key(curve, width, magnitude))
    if done is not None:
        return TourPoint(width=int(width), magnitude=magnitude, best=best, constrained=done)
    point = TourPoint(width=int(width), magnitude=magnitude, best=best, constrained=None,
                      solve=curve.nested.budget_solve(width, magnitude))
    return tour_refine(curve, point, max_seconds=max_seconds, cache=cache)


def tour_refine(curve: TourCurve, point: TourPoint, *, max_seconds: float | None = None,
                cache: Cache | None = None) -> TourPoint:
    """``point`` with its unfinished budget fit run one slice further (about ``max_seconds``; ``None``: to
    the end); ``point`` itself if it is final. Gives up after ``BUDGET_MAX_STEPS`` solver steps (the fit
    then stays marked not converged)."""
    solve = point.solve
    if solve is None:
        return point
    while True:
        res = solve.advance(max_seconds=max_seconds)
        if solve.done or solve.steps >= BUDGET_MAX_STEPS or max_seconds is not None:
            break
    if solve.done:
        (CACHE if cache is None else cache).put(_budget_key(curve, point.width, point.magnitude), res)
    final = solve.done or solve.steps >= BUDGET_MAX_STEPS
    return replace(point, constrained=res, solve=None if final else solve)


def tour_plateau(curve: TourCurve, width: int) -> float | None:
    """The plateau predicted for ``width``: the ReLU's residual after the degrees that this many features can
    span (DESIGN 2.5, with the levels of dimension ``d``); ``None`` where the curve has no staircase."""
    if curve.staircase is None:
        return None
    sw, levels = curve.staircase
    passed = sw <= width
    return float(levels[passed][-1]) if passed.any() else 1.0


def _train_one(d, goal, *, steps, lr, seed, callback=None):
    """Gradient descent on one neuron towards ``goal``: bias-free (:func:`rfexplore.train_neuron`) for a
    bias-free target, with a learned bias (:func:`rfexplore.train_biased_neuron`, from ``b_0 = 0``) otherwise."""
    if goal.bias == 0:
        return train_neuron(d, steps=steps, lr=lr, seed=seed, target=goal, callback=callback)
    return train_biased_neuron(d, target=goal, steps=steps, lr=lr, seed=seed, callback=callback)


def tour_start(d: int, *, lr: float, seed: int = 0, target_norm: float = 1.0, target: str = "unit",
               offset: float = 1.25, cache: Cache | None = None):
    """The neuron at its start (one step of gradient descent; entry 0 of its histories), so the training
    figures are never empty before Play; ``None`` for the zig-zag, which is not one neuron."""
    cache = CACHE if cache is None else cache
    goal = tour_target(target, norm=target_norm, offset=offset)
    if target == "periodic":
        return None
    key = ("tour_start", int(d), float(lr), int(seed), float(target_norm))
    key += (() if target == "unit" else (target, float(offset)))
    return cache.remember(key, lambda: _train_one(d, goal, steps=1, lr=lr, seed=seed))


def tour_training(curve: TourCurve, width: int, *, magnitude: float | None, lr: float, steps: int,
                  cache: Cache | None = None, callback=None) -> TourTraining:
    """Train both models for ``steps`` steps (cached when both ran to the end). A ``KeyboardInterrupt`` (or a
    callback returning True) ends the training early: the histories so far come back, ``complete=False``."""
    cache = CACHE if cache is None else cache
    key = ("tour_training", curve.d, curve.pool_size, curve.symmetric, curve.seed, curve.target_norm, int(width),
           magnitude, float(lr), int(steps))
    key += _target_key(curve.target, curve.offset, curve.bias_std)

    def run():
        neuron = None
        if curve.target != "periodic":                        # the zig-zag is not one neuron
            goal = tour_target(curve.target, norm=curve.target_norm, offset=curve.offset)
            neuron = _train_one(curve.d, goal, steps=steps, lr=lr, seed=curve.seed, callback=callback)
        cut = [r for r in (neuron,) if r is not None and r.stopped_by in ("interrupt", "callback")]
        rf_losses = np.ones(1)                                # u_0 = 0: relative error exactly 1
        if not cut:
            rf = train_rf(curve.nested, width=width, steps=steps, magnitude=magnitude, method="iterate",
                          callback=callback)
            rf_losses = rf.losses
            cut = [rf] if rf.stopped_by in ("interrupt", "callback") else []
        return TourTraining(steps=int(steps), neuron_losses=None if neuron is None else neuron.losses,
                            distances=None if neuron is None else neuron.distances,
                            angles=None if neuron is None else neuron.angles, rf_losses=rf_losses, complete=not cut,
                            message=cut[0].message if cut else "", biases=getattr(neuron, "biases", None))

    return cache.remember(key, run, keep=lambda t: t.complete)


@dataclass(frozen=True)
class TourResult:
    """What the tour shows for one setting before training: the curve, the fit at the width, the plateau
    predicted there, and the neuron at its start."""

    curve: TourCurve
    point: TourPoint
    plateau: float | None         # None where the curve has no staircase (see TourCurve)
    start: object                 # NeuronResult (BiasedNeuronResult) of one step: entry 0 is the start; None: zig-zag

    ready = True                  # a picture (a TourWork is not one yet)

    @property
    def pending(self) -> bool:
        """True while the budget fit is unfinished (:func:`tour_refine`)."""
        return self.point.pending


@dataclass(frozen=True)
class TourWork:
    """A tour setting whose pool is still being factored (:func:`tour_result` with ``factor_seconds``): no
    picture yet. :func:`tour_advance` runs it further, to the :class:`TourResult` of the same bits as one
    uninterrupted :func:`tour_result`. ``done`` of ``total`` blocks are computed; ``stage`` runs next."""

    settings: dict                # tour_result's arguments
    solve: object = field(repr=False, compare=False)              # NestedSolve of the pool
    ready = False
    pending = True

    @property
    def done(self) -> int:
        return self.solve.done

    @property
    def total(self) -> int:
        return self.solve.total

    @property
    def stage(self) -> str:
        return self.solve.stage

    @property
    def progress_note(self) -> str:
        """``"Gram matrix rows: 5 of 33 blocks"``: where the factorization is."""
        return f"{self.stage}: {self.done} of {self.total} blocks"


def tour_advance(work: TourWork, *, max_seconds: float | None = None) -> TourWork | TourResult:
    """``work`` one slice further (about ``max_seconds``, past one block; ``None``: to the end): the same
    ``work`` while the pool's factorization runs, then the :class:`TourResult` (its budget fit, if any, run
    for the ``budget_seconds`` it was given and continued by :func:`tour_refine`)."""
    if not isinstance(work, TourWork):
        raise TypeError(f"work must be a TourWork (from tour_result with factor_seconds), got {type(work).__name__}")
    if max_seconds is not None:
        max_seconds = validation.positive("max_seconds", max_seconds)
    nested = work.solve.advance(max_seconds=max_seconds)
    if nested is None:
        return work
    s = work.settings
    cache = CACHE if s["cache"] is None else s["cache"]
    cache.put(_pool_key(s["d"], s["pool_size"], s["symmetric"], s["seed"], s["bias_std"]), nested)
    return tour_result(**s)


def tour_result(d: int, width: int, *, pool_size: int, magnitude: float | None = None, target_norm: float = 1.0,
                lr: float = 0.1, seed: int = 0, symmetric: bool = True, target: str = "unit", offset: float = 1.25,
                bias_std: float = 0.0, budget_seconds: float | None = None, factor_seconds: float | None = None,
                cache: Cache | None = None) -> TourResult | TourWork:
    """:func:`tour_curve` (cached), :func:`tour_point` at ``width`` (its budget fit run for at most about
    ``budget_seconds``; ``None``: to the end) and :func:`tour_start`.

    ``factor_seconds``: where the pool's factorization is not cached, compute it for about that long (past one
    block of :class:`~rfexplore.fit.NestedSolve`) and return a :class:`TourWork` if it is not done
    (continue with :func:`tour_advance`); ``None``: all of it now."""
    width = validation.integer("width", width, low=1, high=pool_size)
    if budget_seconds is not None:
        budget_seconds = validation.positive("budget_seconds", budget_seconds)
    if factor_seconds is not None:
        factor_seconds = validation.positive("factor_seconds", factor_seconds)
        c = CACHE if cache is None else cache
        tour_target(target, norm=target_norm, offset=offset)                     # its errors before any work
        bias_std = validation.nonneg("bias_std", bias_std)
        off = float(offset) if target == "offset" else 0.0
        if _curve_key(d, pool_size, symmetric, seed, target_norm, target, off, bias_std) not in c \
                and _pool_key(d, pool_size, symmetric, seed, bias_std) not in c:
            settings = dict(d=d, width=width, pool_size=pool_size, magnitude=magnitude, target_norm=target_norm,
                            lr=lr, seed=seed, symmetric=symmetric, target=target, offset=offset, bias_std=bias_std,
                            budget_seconds=budget_seconds, cache=cache)
            solve = NestedSolve(_pool(d, pool_size, symmetric, seed, bias_std), ReluTarget(norm=1.0))
            return tour_advance(TourWork(settings=settings, solve=solve), max_seconds=factor_seconds)
    curve = tour_curve(d, pool_size=pool_size, symmetric=symmetric, seed=seed, target_norm=target_norm, target=target,
                       offset=offset, bias_std=bias_std, cache=cache)
    point = tour_point(curve, int(width), magnitude, max_seconds=budget_seconds, cache=cache)
    return TourResult(curve=curve, point=point, plateau=tour_plateau(curve, width),
                      start=tour_start(d, lr=lr, seed=seed, target_norm=target_norm, target=target, offset=offset,
                                       cache=cache))
