"""Tests for rfexplore.features: nested pools, the sampling distributions, determinism, validation."""

import itertools
import math

import numpy as np
import pytest

import rfexplore as rf
from rfexplore.features import FeaturePool

KINDS = list(itertools.product(["sphere", "gaussian"], [False, True], [0.0, 0.7]))


@pytest.mark.parametrize("distribution, symmetric, bias_std", KINDS)
def test_pool_is_nested(distribution, symmetric, bias_std):
    # the pool of width m is the first m rows of any wider pool with the same seed, exactly
    kw = dict(distribution=distribution, symmetric=symmetric, bias_std=bias_std, seed=7)
    big = rf.sample_features(6, 41, **kw)
    for m in [1, 2, 3, 10, 17, 40, 41]:
        small = rf.sample_features(6, m, **kw)
        assert np.array_equal(small.W, big.W[:m])
        assert np.array_equal(small.W, big.head(m).W)
        if bias_std:
            assert np.array_equal(small.b, big.b[:m]) and np.array_equal(small.b, big.head(m).b)
        else:
            assert small.b is None and big.head(m).b is None


@pytest.mark.parametrize("distribution, symmetric, bias_std", KINDS)
def test_determinism(distribution, symmetric, bias_std):
    kw = dict(distribution=distribution, symmetric=symmetric, bias_std=bias_std)
    a, b = rf.sample_features(5, 30, seed=3, **kw), rf.sample_features(5, 30, seed=3, **kw)
    assert np.array_equal(a.W, b.W) and (a.b is None or np.array_equal(a.b, b.b))
    c = rf.sample_features(5, 30, seed=4, **kw)
    assert not np.any(a.W == c.W)
    X = np.random.default_rng(0).standard_normal((8, 5))
    assert np.array_equal(a.evaluate(X), b.evaluate(X))


def test_sphere_and_gaussian_distributions():
    d, r = 8, 40_000
    S = rf.sample_features(d, r, distribution="sphere", seed=1).W
    assert np.allclose(np.linalg.norm(S, axis=1), 1.0, rtol=0, atol=1e-15)
    # uniform on the sphere: mean 0, covariance I/d (tolerances: 5 standard errors)
    assert np.abs(S.mean(0)).max() < 5 * math.sqrt(1 / d / r)
    C = S.T @ S / r
    assert np.abs(C - np.eye(d) / d).max() < 5 * math.sqrt(2 / (d * (d + 2)) / r)
    G = rf.sample_features(d, r, distribution="gaussian", seed=1).W
    # N(0, I_d / d): E|w|^2 = 1, each coordinate has variance 1/d
    n2 = (G * G).sum(1)
    assert abs(n2.mean() - 1) < 5 * math.sqrt(2 / d / r)
    assert abs(G.var() * d - 1) < 5 * math.sqrt(2 / (r * d))
    # same directions for the same seed: the sphere pool is the normalized Gaussian one
    assert np.allclose(S, G / np.linalg.norm(G, axis=1, keepdims=True), rtol=1e-14, atol=1e-15)


def test_biases():
    pool = rf.sample_features(3, 50_000, bias_std=0.7, seed=2)
    assert pool.b.shape == (50_000,) and pool.bias_std == 0.7
    assert abs(pool.b.mean()) < 5 * 0.7 / math.sqrt(50_000)
    assert abs(pool.b.std() / 0.7 - 1) < 5 / math.sqrt(2 * 50_000)
    assert rf.sample_features(3, 10, seed=2).b is None
    # weights do not depend on whether biases are drawn (independent child streams)
    assert np.array_equal(pool.W[:10], rf.sample_features(3, 10, seed=2).W)


@pytest.mark.parametrize("width", [1, 2, 7, 8])
def test_sign_symmetric_pairs(width):
    pool = rf.sample_features(4, width, symmetric=True, bias_std=0.5, seed=5)
    assert pool.W.shape == (width, 4) and pool.b.shape == (width,)
    n = width // 2
    assert np.array_equal(pool.W[1:2 * n:2], -pool.W[0:2 * n:2])
    assert np.array_equal(pool.b[1:2 * n:2], -pool.b[0:2 * n:2])
    # pairs span linear functions: relu(z) - relu(-z) = z
    X = np.random.default_rng(1).standard_normal((6, 4))
    F = pool.evaluate(X)
    if width >= 2:
        assert np.allclose(F[:, 0] - F[:, 1], X @ pool.W[0] + pool.b[0], rtol=1e-14, atol=1e-14)


def test_evaluate_and_head():
    pool = rf.sample_features(3, 5, bias_std=1.0, seed=0)
    X = np.random.default_rng(2).standard_normal((7, 3))
    assert np.array_equal(pool.evaluate(X), np.maximum(X @ pool.W.T + pool.b, 0))
    assert pool.evaluate(X[0]).shape == (1, 5)                 # one input as one row
    h = pool.head(2)
    assert isinstance(h, FeaturePool) and h.width == 2 and h.d == 3 and h.seed == 0 and h.bias_std == 1.0
    assert pool.d == 3 and pool.width == 5


@pytest.mark.parametrize("call, exc, match", [
    (lambda: rf.sample_features(0, 5), ValueError, "d must be a positive integer, got 0"),
    (lambda: rf.sample_features(-2, 5), ValueError, "d must be a positive integer, got -2"),
    (lambda: rf.sample_features(2.5, 5), TypeError, r"d must be a positive integer, got 2.5 \(float\)"),
    (lambda: rf.sample_features(True, 5), TypeError, "d must be a positive integer, got True"),
    (lambda: rf.sample_features(3, 0), ValueError, "width must be a positive integer, got 0"),
    (lambda: rf.sample_features(3, -3), ValueError, "width must be a positive integer, got -3"),
    (lambda: rf.sample_features(3, 10.0), TypeError, "width must be a positive integer, got 10.0"),
    (lambda: rf.sample_features(3, "10"), TypeError, "width must be a positive integer, got '10'"),
    (lambda: rf.sample_features(3, 5, distribution="uniform"), ValueError,
     r"distribution must be one of \('sphere', 'gaussian'\), got 'uniform'"),
    (lambda: rf.sample_features(3, 5, symmetric="yes"), TypeError, "symmetric must be True or False, got 'y"),
    (lambda: rf.sample_features(3, 5, bias_std=-1.0), ValueError,
     "bias_std must be a finite non-negative number, got -1.0"),
    (lambda: rf.sample_features(3, 5, bias_std=float("nan")), ValueError, "bias_std must be a finite"),
    (lambda: rf.sample_features(3, 5, bias_std=float("inf")), ValueError, "bias_std must be a finite"),
    (lambda: rf.sample_features(3, 5, bias_std=1e200), ValueError,
     r"bias_std must be at most 1e\+100 \(Gram entries grow like bias_std\^2.*\), got 1e\+200"),
    (lambda: rf.sample_features(3, 5, bias_std="1"), TypeError, r"bias_std must be a finite .*got '1' \(str\)"),
    (lambda: rf.sample_features(3, 5, bias_std=2**2000), ValueError, r"bias_std must be at most 1e\+100"),
    (lambda: rf.sample_features(3, 5, seed=-1), ValueError,
     "seed must be a non-negative integer below 2\\*\\*32, got -1"),
    (lambda: rf.sample_features(3, 5, seed=1.5), TypeError,
     "seed must be a non-negative integer below 2\\*\\*32, got 1.5 \\(float\\)"),
    (lambda: rf.sample_features(3, 5).head(0), ValueError, "width must be a positive integer, got 0"),
    (lambda: rf.sample_features(3, 5).head(6), ValueError, "width must be at most the pool size 5, got 6"),
    (lambda: rf.sample_features(3, 5).head(2.0), TypeError, "width must be a positive integer"),
    (lambda: rf.sample_features(3, 5).evaluate(np.ones((4, 2))), ValueError, r"X must have d=3 columns"),
    (lambda: rf.sample_features(3, 5).evaluate([[np.nan, 0, 0]]), ValueError, "X must contain only finite"),
])
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
