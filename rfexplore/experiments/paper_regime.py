"""The paper's regime (notebook 03): the network ``sum_i u_i relu(<w_i, x> + b_i)`` trained on both layers with
a small first-layer rate, beside the RF model over its initial features ``relu(<w_i^0, x> + b_i^0)``.

The paper's reduction (Yehudai & Shamir 2019) is to RF over the initial features: the first layer stays at its
random start and the output layer learns. :func:`paper_regime_run` trains such a network (cached);
:func:`paper_regime_row` reads off what notebook 03 states about one run — how far the first layer moved, how far
the network's function is from the RF model's over the whole run, and both errors against the best RF fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..targets import ReluTarget
from ..train import train_biased_network, train_rf
from ._cache import CACHE, Cache

__all__ = ["PAPER_RATES", "PaperRegimeRow", "paper_regime_row", "paper_regime_run", "paper_rf_curve"]

PAPER_RATES = (0.0, 0.001, 0.01, 0.1, 1.0)     # first-layer rates of notebook 03's sweep


def paper_regime_run(d: int, width: int, first_layer_rate: float, *, steps: int = 300, seed: int = 0,
                     bias_std: float = 1.0, cache: Cache | None = None, callback=None):
    """:func:`rfexplore.train.train_biased_network` (i.i.d. Gaussian weights ``N(0, I_d/d)``, biases
    ``N(0, bias_std^2)``, the unit neuron as target), remembered under ``(d, width, rate, steps, seed,
    bias_std)``. Only complete runs are cached."""
    cache = CACHE if cache is None else cache
    key = ("paper_regime_run", int(d), int(width), float(first_layer_rate), int(steps), int(seed), float(bias_std))
    hit = cache.get(key)
    if hit is not None:
        return hit
    run = train_biased_network(d, width, first_layer_rate=first_layer_rate, steps=steps, seed=seed,
                               bias_std=bias_std, callback=callback)
    if run.complete:
        cache.put(key, run)
    return run


@dataclass(frozen=True)
class PaperRegimeRow:
    """What notebook 03 reads off one run of :func:`paper_regime_run` (errors relative to ``E[y^2]``).

    ``movement``: final ``|(W, b) - (W_0, b_0)| / |(W_0, b_0)|``; ``max_gap``: the largest
    ``E[(N - N_rf)^2] / E[y^2]`` over the run; ``max_error_gap``: the largest ``|error - rf_error|`` over the
    run, relative to the RF model's error at that step; ``error``, ``rf_error``: after the last step;
    ``best_error``: the exact best RF fit over the initial features; ``inherited_floor``:
    ``(sqrt(best_error) - sqrt(gap))_+^2`` with ``gap`` the final distance — by the triangle inequality in
    ``L2``, ``|N - y| >= |N_rf - y| - |N - N_rf| >= sqrt(best) - sqrt(gap)`` (relative units), a floor under the
    network's error that it inherits from the RF model it stays next to.
    """

    first_layer_rate: float
    seed: int
    movement: float
    max_gap: float
    max_error_gap: float
    error: float
    rf_error: float
    best_error: float
    inherited_floor: float


def paper_regime_row(run) -> PaperRegimeRow:
    """The :class:`PaperRegimeRow` of a :class:`rfexplore.train.BiasedNetworkResult`."""
    if not hasattr(run, "rf_gaps") or not hasattr(run, "first_layer_rate"):
        raise TypeError(f"run must be a BiasedNetworkResult (from paper_regime_run), got {type(run).__name__}")
    # |error_t - rf_error_t| / rf_error_t, the largest over the run
    rel = np.abs(run.losses - run.rf_losses) / run.rf_losses
    # |N - y| >= |N_rf - y| - |N - N_rf| >= sqrt(best) - sqrt(gap)   (triangle inequality in L2)
    floor = max(0.0, math.sqrt(run.best_error) - math.sqrt(float(run.rf_gaps[-1]))) ** 2
    return PaperRegimeRow(first_layer_rate=run.first_layer_rate, seed=run.seed, movement=float(run.movements[-1]),
                          max_gap=float(run.rf_gaps.max()), max_error_gap=float(rel.max()),
                          error=float(run.losses[-1]), rf_error=float(run.rf_losses[-1]),
                          best_error=run.best_error, inherited_floor=floor)


def paper_rf_curve(run, steps: int) -> np.ndarray:
    """The RF model of ``run`` trained on, to ``steps`` steps: the errors of :func:`rfexplore.train.train_rf`
    (closed form, the same pool, step and start ``v_0 = 0``), ``(steps + 1,)``. Its first entries are
    ``run.rf_losses``; it tends to ``run.best_error``."""
    if not hasattr(run, "pool") or not hasattr(run, "rf_losses"):
        raise TypeError(f"run must be a BiasedNetworkResult (from paper_regime_run), got {type(run).__name__}")
    if run.target != ReluTarget().label():
        raise ValueError(f"run must be trained on the unit neuron (as paper_regime_run's are), got {run.target!r}")
    steps = validation.positive_int("steps", steps)
    return train_rf(run.pool, None, steps=steps, lr=run.lr, method="closed").losses
