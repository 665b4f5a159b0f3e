"""Gradient descent on a single neuron's own weights, beside random features (notebook 06)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import fit_nested
from ..targets import ReluTarget
from ..train import train_neuron, train_rf
from ._cache import CACHE, Cache

__all__ = ["NEURON_DEAD_BIAS", "NEURON_D_RANGE", "NEURON_STARTS", "NEURON_REFERENCE_DS", "NEURON_SAMPLE_WORK",
           "NEURON_STEPS_RANGE", "NEURON_TEST_SAMPLES", "NeuronView", "neuron_rf_run", "neuron_run",
           "neuron_samples", "neuron_view", "steps_to_reach"]

NEURON_D_RANGE = (2, 1000)
NEURON_STARTS = ("random", "anti-aligned", "dead", "zero")
NEURON_REFERENCE_DS = (10, 100, 1000)
NEURON_DEAD_BIAS = -10.0
NEURON_SAMPLE_WORK = 3e8     # n·d·steps of one interactive run on samples (about a second on 2 cores)
NEURON_TEST_SAMPLES = 2000
NEURON_STEPS_RANGE = (1, 2000)


def steps_to_reach(losses, eps: float) -> int | None:
    """First step ``t`` with ``losses[t] <= eps`` (``losses[0]`` is the start); ``None`` if never.

    >>> steps_to_reach([1.0, 0.1, 1e-3, 1e-7], 1e-6)
    3
    >>> steps_to_reach([1.0, 0.5], 0.1) is None
    True
    """
    arr = np.asarray(losses, dtype=np.float64)
    eps = validation.nonneg("eps", eps)
    hit = np.flatnonzero(arr <= eps)
    return int(hit[0]) if hit.size else None


def neuron_samples(d: int, samples) -> int | None:
    """Sample size for the setting ``samples``: ``None`` or 0 (exact population loss), else
    ``n = round(samples · d)`` (at least 1)."""
    if samples is None or (not isinstance(samples, (bool, str)) and samples == 0):
        return None
    samples = validation.real("samples", samples, low=0.0, high=100.0, low_open=True)   # n / d; 0: population
    return max(1, int(round(samples * d)))


def neuron_run(d: int, *, lr: float, samples=None, init: str = "random", seed: int = 0, steps: int = 100,
               test_samples: int = NEURON_TEST_SAMPLES, cache: Cache | None = None):
    """One run of :func:`rfexplore.train_neuron` from the dashboard's settings (cached by settings).

    ``samples``: ``None``/0 (population) or a multiple of ``d`` (see :func:`neuron_samples`); ``init``: ``"random"``
    (uniform direction, norm 1), ``"anti-aligned"`` (``w₀ = −w*``), ``"dead"`` (random direction with a
    learned bias starting at ``NEURON_DEAD_BIAS``, samples only) or ``"zero"`` (refused by the trainer
    with its explanation). Sample runs are refused beyond ``NEURON_SAMPLE_WORK`` (``n·d·steps``).
    A run cut short by a ``KeyboardInterrupt`` is returned but not cached.
    """
    d = validation.integer("d", d, low=NEURON_D_RANGE[0], high=NEURON_D_RANGE[1])
    steps = validation.integer("steps", steps, low=NEURON_STEPS_RANGE[0], high=NEURON_STEPS_RANGE[1])
    init = validation.choice("init", init, NEURON_STARTS)
    n = neuron_samples(d, samples)
    if n is not None and n * d * steps > NEURON_SAMPLE_WORK:
        raise ValueError(f"n·d·steps = {n}·{d}·{steps} = {n * d * steps:.2g} is more than one interactive run "
                         f"should cost ({NEURON_SAMPLE_WORK:.0e}, about a second): lower steps, d or n, or call "
                         f"rfexplore.train_neuron({d}, samples={n}, steps={steps}, lr=...) in a cell")
    if init == "dead" and n is None:
        raise ValueError("a dead start needs samples: on the exact population loss a bias-free neuron is active "
                         "on half of all inputs and is never dead; choose n = 4d samples (or another n)")
    kw = dict(steps=int(steps), lr=lr, seed=seed)
    if n is not None:
        kw.update(samples=n, test_samples=test_samples)
    if init == "anti-aligned":
        kw["init"] = -ReluTarget().weight(int(d))
    elif init == "zero":
        kw["init"] = np.zeros(int(d))
    elif init == "dead":
        kw.update(learn_bias=True, init_bias=NEURON_DEAD_BIAS)
    cache = CACHE if cache is None else cache
    key = ("neuron_run", int(d), float(lr), n, init, int(seed), int(steps), int(test_samples))
    return cache.remember(key, lambda: train_neuron(int(d), **kw), keep=lambda r: r.stopped_by != "interrupt")


def neuron_rf_run(d: int, width: int, *, steps: int, seed: int = 0, cache: Cache | None = None):
    """Random features of width ``width`` (sign-symmetric pairs, seed ``seed``) trained by gradient descent
    on their output weights for ``steps`` steps: :func:`rfexplore.train_rf` (cached)."""
    cache = CACHE if cache is None else cache

    def run():
        fit = cache.remember(("neuron_rf_fit", int(d), int(seed), int(width)),
                             lambda: fit_nested(sample_features(int(d), int(width), symmetric=True, seed=seed)))
        return train_rf(fit, steps=int(steps), method="iterate")

    return cache.remember(("neuron_rf_run", int(d), int(seed), int(width), int(steps)), run,
                          keep=lambda r: r.stopped_by != "interrupt")


@dataclass(frozen=True)
class NeuronView:
    """What :func:`rfexplore.dashboards.neuron_dashboard` shows for one setting."""

    d: int
    lr: float
    n: int | None                 # samples (None: the exact population loss)
    init: str
    seed: int
    steps: int
    run: object                   # NeuronResult of these settings
    refs: dict                    # d -> NeuronResult of population GD with the same step size
    rf: object                    # RFTrainResult of the random features compared (None: off)
    hit: int | None               # steps to reach relative loss 1e-6


def neuron_view(d: int, *, lr: float, samples=0, init: str = "random", seed: int = 0, steps: int = 60,
                rf_width: int = 0, cache: Cache | None = None) -> NeuronView:
    """This run, population GD at ``d`` = 10, 100, 1000 with the same step size, and (``rf_width > 0``)
    random features trained on the same step axis."""
    seed = validation.seed(seed)
    run = neuron_run(d, lr=lr, samples=samples, init=init, seed=seed, steps=steps, cache=cache)
    refs = {dd: neuron_run(dd, lr=lr, seed=seed, steps=steps, cache=cache) for dd in NEURON_REFERENCE_DS}
    rf = neuron_rf_run(d, rf_width, steps=steps, seed=seed, cache=cache) if rf_width else None
    return NeuronView(d=int(d), lr=float(lr), n=neuron_samples(d, samples), init=init, seed=seed, steps=int(steps),
                      run=run, refs=refs, rf=rf, hit=steps_to_reach(run.losses, 1e-6))
