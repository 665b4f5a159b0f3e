"""Tests of rfexplore.train.rf: RF output weights by (projected) gradient descent against the exact
fit, the closed-form curve against plain iteration, a shared step axis with the neuron; validation."""

import numpy as np
import pytest

from rfexplore import sample_features, train_neuron, train_rf
from rfexplore.fit import fit_nested

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def positive_start(d, seed):
    """A random unit start with positive correlation to w* = e_1."""
    g = np.random.default_rng(seed).standard_normal(d)
    g /= np.linalg.norm(g)
    return g if g[0] > 0 else -g


def test_rf_gradient_descent_limit_is_the_exact_fit():
    pool = sample_features(5, 20, seed=0)
    res = train_rf(pool, steps=20_000)
    best = fit_nested(pool).fit(20).relative_error
    assert res.best_error == pytest.approx(best, rel=1e-12)
    assert abs(res.losses[-1] - best) <= 1e-4 * best
    assert res.losses[0] == 1.0 and np.all(np.diff(res.losses) <= 1e-15)   # monotone from u = 0


def test_rf_projected_gradient_descent_limit_is_the_constrained_fit():
    pool = sample_features(5, 20, seed=0)
    best = fit_nested(pool).fit(20, magnitude=5.0)
    assert best.method == "constrained"
    res = train_rf(pool, steps=5000, magnitude=5.0)
    assert res.method == "iterate"
    assert abs(res.losses[-1] - best.relative_error) <= 1e-4 * best.relative_error
    assert np.all(res.magnitudes <= 5.0 + 1e-12)


def test_rf_closed_form_equals_plain_iteration():
    pool = sample_features(6, 30, symmetric=True, seed=3)
    a = train_rf(pool, steps=300, method="closed")
    b = train_rf(pool, steps=300, method="iterate")
    np.testing.assert_allclose(a.losses, b.losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.magnitudes, b.magnitudes, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-10)
    c = train_rf(pool, steps=300, lr=0.5 * a.lr)
    assert c.lr == 0.5 * a.lr and c.losses[-1] > a.losses[-1]


def test_rf_and_neuron_share_a_step_axis():
    """The neuron's error vanishes while the RF error plateaus at the exact best fit."""
    d = 10
    neuron = train_neuron(d, steps=200, lr=0.5, init=positive_start(d, 0))
    rf = train_rf(sample_features(d, 100, seed=0), steps=200)
    assert neuron.losses.shape == rf.losses.shape == (201,)
    assert neuron.losses[-1] < 1e-12 < rf.best_error <= rf.losses[-1]


# --------------------------------------------------------------------------- validation


def test_train_rf_validation():
    pool = sample_features(4, 6)
    with pytest.raises(TypeError, match="pool must be a FeaturePool"):
        train_rf(np.ones((6, 4)), steps=3)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        train_rf(pool, steps=0)
    with pytest.raises(ValueError, match="magnitude must be a finite positive number"):
        train_rf(pool, steps=3, magnitude=-1.0)
    with pytest.raises(ValueError, match="method must be"):
        train_rf(pool, steps=3, method="newton")
    with pytest.raises(ValueError, match="method='closed' has no magnitude budget"):
        train_rf(pool, steps=3, method="closed", magnitude=1.0)
    with pytest.raises(ValueError, match=r"lr must be below 1 / lambda_max\(K\)"):
        train_rf(pool, steps=3, lr=100.0)


def test_train_rf_reuses_a_nested_factorization():
    """A NestedFit's Gram matrix serves any prefix width: same curve as training that pool alone."""
    from rfexplore.fit import fit_nested

    pool = sample_features(6, 40, symmetric=True, seed=3)
    nested = fit_nested(pool)
    a = train_rf(nested, width=24, steps=30, method="iterate")
    b = train_rf(pool.head(24), steps=30, method="iterate")
    assert a.width == 24 and a.seed == 3
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-9, atol=1e-12)
    assert a.best_error == pytest.approx(nested.relative_errors()[23], rel=1e-12)
    with pytest.raises(ValueError, match="width must be at most the pool size 40, got 41"):
        train_rf(nested, width=41, steps=3)
