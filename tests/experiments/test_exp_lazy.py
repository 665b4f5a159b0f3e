"""Lazy training's computations (notebook 03): the step size, cached runs, the start, the exact RF limit,
the movements read off the cache and the alignment of the neurons."""

import math

import numpy as np
import pytest

from rfexplore.experiments import (
    LAZY_MAX_LR,
    Cache,
    lazy_alignment,
    lazy_lr,
    lazy_movements,
    lazy_rf_best,
    lazy_run,
    lazy_start,
)
from rfexplore.gaussian import relu_kernel
from rfexplore.targets import ReluTarget
from rfexplore.train import train_two_layer

D, STEPS = 6, 25


# ------------------------------------------------------------------ step size, runs and the cache


def test_step_size_is_one_over_alpha_squared_capped():
    for a in (0.5, 1.0, 3.0, 10.0, 30.0):
        assert lazy_lr(a) == pytest.approx(1.0 / a**2, rel=1e-15)
    assert lazy_lr(0.1) == lazy_lr(0.3) == LAZY_MAX_LR == 4.0
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="alpha must be a finite positive number"):
            lazy_lr(bad)
    for bad in ("1", None, True):
        with pytest.raises(TypeError, match="alpha must be a finite positive number"):
            lazy_lr(bad)


def test_lazy_run_is_train_two_layer_with_that_step_and_is_cached():
    cache = Cache()
    run = lazy_run(D, 8, 3.0, steps=STEPS, cache=cache)
    direct = train_two_layer(D, 8, alpha=3.0, steps=STEPS, lr=1.0 / 9.0)
    np.testing.assert_array_equal(run.losses, direct.losses)            # same seed, same history, bit for bit
    np.testing.assert_array_equal(run.lin_gaps, direct.lin_gaps)
    assert cache.keys() == [("lazy_run", D, 8, 3.0, STEPS, 0)]
    assert lazy_run(D, 8, 3.0, steps=STEPS, cache=cache) is run         # a revisit does not train again
    assert lazy_run(D, 8, 3.0, steps=STEPS, cache=cache, compare=False) is run


def test_compare_false_run_is_upgraded_when_the_models_are_needed():
    cache = Cache()
    quick = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache, compare=False)
    assert quick.rf_losses is None
    full = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache)
    assert full.rf_losses is not None and cache.get(("lazy_run", D, 8, 10.0, STEPS, 0)) is full
    np.testing.assert_array_equal(quick.movements, full.movements)       # the network's own path is the same


def test_stopped_runs_are_returned_but_not_cached():
    cache = Cache()
    run = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache, callback=lambda t, s: t >= 5)
    assert not run.complete and run.steps_done == 5 and run.stopped_by == "callback"
    assert len(cache) == 0


def test_start_is_the_trainers_start():
    W0, u0 = lazy_start(D, 8, seed=3)
    np.testing.assert_array_equal(W0[0::2], W0[1::2])                  # pairs share w ...
    np.testing.assert_array_equal(u0[0::2], -u0[1::2])                 # ... with opposite output weights
    np.testing.assert_allclose(np.linalg.norm(W0, axis=1), 1.0, rtol=1e-14)
    run = train_two_layer(D, 8, alpha=2.0, steps=7, seed=3, compare=False)
    # movement = |W_t - W_0|_F / |W_0|_F with W_0 from lazy_start
    assert run.movements[-1] == pytest.approx(np.linalg.norm(run.W - W0) / np.linalg.norm(W0), rel=1e-12)
    with pytest.raises(ValueError, match="width must be even"):
        lazy_start(D, 7)


def test_rf_best_matches_pseudo_inverse_and_monte_carlo():
    d, r = 5, 12
    W0, _ = lazy_start(d, r)
    best = lazy_rf_best(d, r)
    # oracle 1: the duplicated features (pairs share w) through the pseudo-inverse of their singular Gram
    w_star = ReluTarget().weight(d)
    K, k = relu_kernel(W0, W0), relu_kernel(W0, w_star[None])[:, 0]
    kss = 0.5                                                           # E[relu(x_1)^2]
    assert best == pytest.approx((kss - k @ np.linalg.pinv(K, rcond=1e-10) @ k) / kss, rel=1e-8)
    # oracle 2: least squares on 400 000 Gaussian samples (6 features: noise well below 1%)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((400_000, d))
    F, y = np.maximum(X @ W0[0::2].T, 0.0), np.maximum(X[:, 0], 0.0)
    coef = np.linalg.lstsq(F, y, rcond=None)[0]
    assert best == pytest.approx(np.mean((F @ coef - y) ** 2) / np.mean(y**2), rel=2e-2)
    # the RF model trained alongside the network can never beat it
    run = train_two_layer(d, r, alpha=1.0, steps=40)
    assert np.all(run.rf_losses >= best - 1e-12)


def test_movements_are_read_from_the_cache_by_width():
    cache = Cache()
    for r in (8, 4):
        lazy_run(D, r, 10.0, steps=STEPS, cache=cache, compare=False)
    lazy_run(D, 8, 1.0, steps=STEPS, cache=cache, compare=False)
    ws, ms = lazy_movements(D, 10.0, steps=STEPS, cache=cache)
    assert ws.tolist() == [4, 8]
    assert ms.tolist() == [cache.get(("lazy_run", D, r, 10.0, STEPS, 0)).movements[-1] for r in (4, 8)]
    assert lazy_movements(D, 3.0, steps=STEPS, cache=cache)[0].size == 0


def test_alignment_is_the_mean_cosine_of_positive_neurons():
    W = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [-3.0, 0.0]])
    u = np.array([1.0, 0.5, 2.0, -1.0])                                 # the last neuron is left out
    assert lazy_alignment(W, u, [2.0, 0.0]) == pytest.approx((1.0 + 1 / math.sqrt(2) + 0.0) / 3, rel=1e-14)
    assert math.isnan(lazy_alignment(W, -np.abs(u), [1.0, 0.0]))
