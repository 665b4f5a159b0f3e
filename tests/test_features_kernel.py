"""The kernel of a feature pool over inputs (notebook 01): its closed-form limit, checked against
Monte Carlo and special values, and the 1/sqrt(r) law of the empirical kernel's error."""

import math

import numpy as np
import pytest

from rfexplore.features import (
    feature_kernel,
    feature_kernel_errors,
    feature_kernel_limit,
    feature_kernel_variance,
    sample_features,
)
from rfexplore.gaussian import relu_kernel

X5 = np.random.default_rng(0).standard_normal((6, 3))


@pytest.mark.parametrize("kw", [dict(distribution="gaussian"), dict(distribution="gaussian", bias_std=0.7),
                                dict(distribution="sphere"), dict(distribution="sphere", symmetric=True),
                                dict(distribution="gaussian", bias_std=1.3, symmetric=True)])
def test_limit_matches_monte_carlo(kw):
    # 400 000 features: Monte Carlo error ~ sigma / sqrt(4e5); measured below 0.4% of max|K|, allowed 2%
    pool = sample_features(3, 400_000, seed=3, **kw)
    emp, lim = feature_kernel(pool, X5), feature_kernel_limit(pool, X5)
    assert emp.shape == lim.shape == (6, 6)
    assert np.abs(emp - lim).max() < 0.02 * np.abs(lim).max()


def test_limit_special_values():
    d = 4
    pool = sample_features(d, 3, distribution="gaussian", seed=0)
    x = np.array([[3.0, 4.0, 0.0, 0.0]])
    # w ~ N(0, I/d): E[relu(<w,x>)^2] = |x|^2 / (2 d)
    assert feature_kernel_limit(pool, x)[0, 0] == pytest.approx(25.0 / (2 * d), rel=1e-12)
    # orthogonal unit inputs: kappa = 1 / (2 pi), divided by d
    e = np.eye(d)[:2]
    assert feature_kernel_limit(pool, e)[0, 1] == pytest.approx(1.0 / (2 * math.pi * d), rel=1e-12)
    # sphere weights without biases: the same kernel, kappa / d
    sph = sample_features(d, 3, seed=0)
    np.testing.assert_allclose(feature_kernel_limit(sph, X5[:, :3] @ np.ones((3, d)) / 3),
                               relu_kernel(X5[:, :3] @ np.ones((3, d)) / 3) / d, rtol=1e-12)
    # a bias is one more Gaussian coordinate: at x = x' = 0 the feature is relu(b), E = s^2 / 2
    biased = sample_features(d, 3, distribution="gaussian", bias_std=1.7, seed=0)
    assert feature_kernel_limit(biased, np.zeros((1, d)))[0, 0] == pytest.approx(1.7 ** 2 / 2, rel=1e-12)


def test_limit_two_sets_and_symmetry():
    pool = sample_features(3, 3, distribution="gaussian", bias_std=0.5, seed=1)
    A, B = X5[:4], X5[4:]
    K = feature_kernel_limit(pool, X5)
    np.testing.assert_allclose(feature_kernel_limit(pool, A, B), K[:4, 4:], rtol=1e-12)
    np.testing.assert_allclose(K, K.T, rtol=1e-12)


def test_errors_match_direct_computation_and_any_order():
    pool = sample_features(3, 300, distribution="gaussian", bias_std=0.5, seed=2)
    lim = feature_kernel_limit(pool, X5)
    widths = [300, 7, 50, 1]
    rms = feature_kernel_errors(pool, X5, widths)
    mx = feature_kernel_errors(pool, X5, widths, norm="max")
    for m, e_rms, e_max in zip(widths, rms, mx, strict=True):
        D = feature_kernel(pool.head(m), X5) - lim
        assert e_rms == pytest.approx(np.sqrt(np.mean(D ** 2)), rel=1e-10)
        assert e_max == pytest.approx(np.abs(D).max(), rel=1e-10)
        assert e_max >= e_rms
    full = feature_kernel_errors(pool, X5)
    assert full.shape == (300,)
    np.testing.assert_allclose(full[[299, 6, 49, 0]], rms, rtol=1e-10)


def test_error_falls_like_one_over_sqrt_width():
    # E[rms^2] = sigma^2 / m exactly for independent features; 300 seeds, so the mean of rms^2
    # has a relative standard error of about 10% (heavy tails): allowed 30%
    X = np.linspace(-2, 2, 9)[:, None]
    sigma2 = feature_kernel_variance(sample_features(1, 200_000, distribution="gaussian", bias_std=1.0,
                                                     seed=99), X)
    widths = [10, 100]
    errs = np.array([feature_kernel_errors(sample_features(1, 100, distribution="gaussian", bias_std=1.0,
                                                           seed=s), X, widths) for s in range(300)])
    np.testing.assert_allclose((errs ** 2).mean(0) * widths, sigma2, rtol=0.3)


def test_same_seed_same_numbers():
    a = feature_kernel_errors(sample_features(3, 50, seed=5), X5)
    b = feature_kernel_errors(sample_features(3, 50, seed=5), X5)
    c = feature_kernel_errors(sample_features(3, 50, seed=6), X5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_errors_are_refused_with_the_rule():
    pool = sample_features(3, 10, seed=0)
    with pytest.raises(ValueError, match="sphere"):
        feature_kernel_limit(sample_features(3, 10, bias_std=1.0, seed=0), X5)
    with pytest.raises(ValueError, match="d=3"):
        feature_kernel_limit(pool, np.ones((2, 4)))
    with pytest.raises(TypeError, match="FeaturePool"):
        feature_kernel(np.eye(3), X5)
    with pytest.raises(ValueError, match="norm"):
        feature_kernel_errors(pool, X5, norm="fro")
    with pytest.raises(ValueError, match="at most the pool size 10"):
        feature_kernel_errors(pool, X5, [11])
    with pytest.raises(ValueError, match="positive integer"):
        feature_kernel_errors(pool, X5, [0])
    with pytest.raises(ValueError, match="at least one"):
        feature_kernel_errors(pool, X5, [])
