"""Tests of rfexplore.experiments.paper_regime: the cached run, the row notebook 03 reads, the RF curve run on."""

import numpy as np
import pytest

from rfexplore.experiments import Cache, paper_regime_row, paper_regime_run, paper_rf_curve
from rfexplore.train import train_biased_network

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def test_run_is_cached_and_is_the_trainers():
    cache = Cache()
    run = paper_regime_run(6, 10, 0.01, steps=20, seed=1, cache=cache)
    assert paper_regime_run(6, 10, 0.01, steps=20, seed=1, cache=cache) is run and len(cache) == 1
    ref = train_biased_network(6, 10, first_layer_rate=0.01, steps=20, seed=1)
    np.testing.assert_array_equal(run.losses, ref.losses)
    stopped = paper_regime_run(6, 10, 0.1, steps=20, cache=cache, callback=lambda t, s: t == 3)
    assert stopped.steps_done == 3 and len(cache) == 1                  # an incomplete run is not kept


def test_row_reads_the_run():
    run = paper_regime_run(6, 10, 0.1, steps=30, seed=0, cache=Cache())
    row = paper_regime_row(run)
    assert row.movement == run.movements[-1] > 0 and row.max_gap == run.rf_gaps.max() > 0
    assert row.max_error_gap == pytest.approx(np.max(np.abs(run.losses - run.rf_losses) / run.rf_losses))
    assert (row.error, row.rf_error, row.best_error) == (run.losses[-1], run.rf_losses[-1], run.best_error)
    assert row.first_layer_rate == 0.1 and row.seed == 0
    assert row.inherited_floor == pytest.approx((np.sqrt(run.best_error) - np.sqrt(run.rf_gaps[-1])) ** 2)
    assert row.error >= row.inherited_floor and row.inherited_floor < row.best_error
    with pytest.raises(TypeError, match="run must be a BiasedNetworkResult"):
        paper_regime_row(run.losses)


def test_rf_curve_continues_the_runs_rf_model_to_the_best_fit():
    run = paper_regime_run(5, 8, 0.0, steps=40, seed=2, cache=Cache())
    long = paper_rf_curve(run, 20_000)
    assert long.shape == (20_001,)
    np.testing.assert_allclose(long[:41], run.rf_losses, rtol=0, atol=1e-10)
    assert np.all(np.diff(long) <= 1e-12) and long[-1] == pytest.approx(run.best_error, rel=1e-3)
    with pytest.raises(TypeError, match="run must be a BiasedNetworkResult"):
        paper_rf_curve(object(), 10)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        paper_rf_curve(run, 0)
