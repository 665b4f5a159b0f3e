"""The tour's three targets: the unit neuron, an offset neuron of the zig-zag's decomposition, the zig-zag."""

import numpy as np
import pytest

from rfexplore import ReluTarget, TriangleWaveTarget, fit_nested, sample_features, train_biased_neuron, train_neuron
from rfexplore.experiments import (
    TOUR_OFFSETS,
    Cache,
    tour_curve,
    tour_result,
    tour_start,
    tour_target,
    tour_training,
)
from rfexplore.periodic import relu_decomposition


def test_tour_targets_are_the_named_neurons_and_the_zigzag():
    assert tour_target("unit", norm=2.0) == ReluTarget(norm=2.0)
    assert tour_target("offset", norm=2.0, offset=0.75) == ReluTarget(norm=2.0, bias=-1.5)   # [<w*,x> - c|w*|]_+
    zz = tour_target("periodic", norm=0.5)
    assert isinstance(zz, TriangleWaveTarget) and zz.period == 1.0 and zz.norm == 0.5


def test_the_offsets_are_kinks_of_the_zigzag_at_unit_norm():
    dec = relu_decomposition(TriangleWaveTarget(period=1.0, norm=1.0), 3.0)
    right = sorted(set(dec.offsets[(dec.signs > 0) & (dec.offsets > 0)].tolist()))
    assert tuple(right) == TOUR_OFFSETS


@pytest.mark.parametrize("kind, value, message", [
    ("target", dict(kind="steep"), "target must be one of"),
    ("norm", dict(kind="unit", norm=-1.0), "target_norm must be"),
    ("offset", dict(kind="offset", offset=0.0), "offset must be"),
])
def test_bad_targets_are_refused(kind, value, message):
    with pytest.raises(ValueError, match=message):
        tour_target(value.pop("kind"), **value)


def test_offset_curve_is_exact_and_scale_free():
    cache = Cache()
    a = tour_curve(12, pool_size=80, target="offset", offset=1.25, cache=cache)
    b = tour_curve(12, pool_size=80, target="offset", offset=1.25, target_norm=7.0, cache=cache)
    # [<w*,x> - c|w*|]_+ = |w*| [x_1 - c]_+: the relative error does not depend on |w*|
    np.testing.assert_allclose(a.errors, b.errors, rtol=1e-9, atol=1e-12)
    direct = fit_nested(sample_features(12, 80, symmetric=True, seed=0), ReluTarget(norm=1.0, bias=-1.25))
    np.testing.assert_allclose(a.errors, direct.relative_errors(), rtol=1e-9, atol=1e-12)
    assert a.staircase is None and a.target == "offset" and a.offset == 1.25


def test_offset_neuron_is_harder_for_rf_than_the_unit_neuron_and_grows_with_d():
    cache = Cache()
    for seed in (0, 1, 2):
        unit40 = tour_curve(40, pool_size=300, seed=seed, cache=cache).errors[299]
        off40 = tour_curve(40, pool_size=300, seed=seed, target="offset", offset=1.25, cache=cache).errors[299]
        off5 = tour_curve(5, pool_size=300, seed=seed, target="offset", offset=1.25, cache=cache).errors[299]
        assert off40 > 3.5 * unit40 and off40 > 0.55 and off5 < off40 - 0.2   # 0.61-0.63 vs 0.36


def test_zigzag_with_biased_pairs_is_fitted_at_d2_and_lost_at_d24():
    cache = Cache()
    for seed in (0, 1):
        lo = tour_curve(2, pool_size=300, seed=seed, target="periodic", target_norm=0.5, bias_std=1.0, cache=cache)
        hi = tour_curve(24, pool_size=300, seed=seed, target="periodic", target_norm=0.5, bias_std=1.0, cache=cache)
        assert lo.errors[-1] < 0.1 and hi.errors[-1] > 0.98        # 0.05-0.07 and 0.998-0.999
        assert lo.nested.pool.b is not None and hi.staircase is None


def test_offset_training_learns_a_bias_with_the_biased_trainer():
    cache = Cache()
    res = tour_result(10, 50, pool_size=50, target="offset", offset=0.75, lr=0.5, cache=cache)
    t = tour_training(res.curve, 50, magnitude=None, lr=0.5, steps=800, cache=cache)
    ref = train_biased_neuron(10, target=ReluTarget(norm=1.0, bias=-0.75), steps=800, lr=0.5, seed=0)
    np.testing.assert_array_equal(t.neuron_losses, ref.losses)
    np.testing.assert_array_equal(t.biases, ref.biases)
    assert t.biases[0] == 0.0 and t.biases[-1] == pytest.approx(-0.75, abs=1e-3) and t.neuron_losses[-1] < 1e-6
    assert res.start.losses[0] == ref.losses[0] and t.complete and t.steps_done == 800


def test_unit_training_is_the_bias_free_trainer_as_before():
    cache = Cache()
    res = tour_result(10, 40, pool_size=40, lr=0.1, cache=cache)
    t = tour_training(res.curve, 40, magnitude=None, lr=0.1, steps=50, cache=cache)
    ref = train_neuron(10, steps=50, lr=0.1, seed=0, target=ReluTarget(norm=1.0))
    np.testing.assert_array_equal(t.neuron_losses, ref.losses)
    assert t.biases is None and res.plateau is not None


def test_zigzag_has_no_neuron_and_only_rf_train():
    cache = Cache()
    res = tour_result(6, 40, pool_size=40, target="periodic", target_norm=0.5, bias_std=1.0, cache=cache)
    assert res.start is None and res.plateau is None
    assert tour_start(6, lr=0.1, target="periodic") is None
    t = tour_training(res.curve, 40, magnitude=None, lr=0.1, steps=30, cache=cache)
    assert t.neuron_losses is None and t.distances is None and t.angles is None
    assert len(t.rf_losses) == 31 and t.steps_done == 30 and t.rf_losses[-1] < t.rf_losses[0]
    assert t.rf_losses[-1] >= res.curve.errors[39] - 1e-12
