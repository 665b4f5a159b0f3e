"""Oracle tests for TriangleWaveTarget: the zig-zag itself, E[y^2] and the cross-moments against mpmath
quadrature and Monte Carlo, and the exact RF error against a sampled least-squares fit."""

import math

import mpmath
import numpy as np
import pytest

from rfexplore import fit_nested, fit_samples, rf_error_curve, sample_features
from rfexplore.fit import sample_inputs
from rfexplore.targets import CallableTarget, TriangleWaveTarget, check_target

mpmath.mp.dps = 20


def mp_tri(z, p):
    return p / 4 - abs(((z + p / 4) % p) - p / 2)


def mp_second_moment(t):
    """``E[tri(R z)^2]`` by mpmath quadrature between the kinks."""
    pts = [-15] + [mpmath.mpf(k) for k in t.kinks(-15 * t.norm, 15 * t.norm) / t.norm] + [15]
    return mpmath.quad(lambda z: mp_tri(t.norm * z, t.period) ** 2 * mpmath.npdf(z), pts)


def mp_cross_moment(t, w, b):
    """``E[relu(<w,x> + b) tri(R x_1)]`` as a 1-D mpmath integral of the conditional mean (independent code)."""
    w1, rest = float(w[0]), float(np.linalg.norm(w[1:]))

    def mean(z):
        mu = w1 * z + b
        if rest == 0:
            return max(mu, 0)
        return mu * mpmath.ncdf(mu / rest) + rest * mpmath.npdf(mu / rest)

    # |z| > 9 weighs below phi(9) ~ 1e-18 of the scale: far under the tolerance
    pts = {mpmath.mpf(-9), mpmath.mpf(9)} | {mpmath.mpf(k) for k in t.kinks(-9 * t.norm, 9 * t.norm) / t.norm}
    if w1 != 0 and abs(b / w1) < 9:
        pts.add(mpmath.mpf(-b / w1))
    return mpmath.quad(lambda z: mean(z) * mp_tri(t.norm * z, t.period) * mpmath.npdf(z), sorted(pts))


# --------------------------------------------------------------------------- the zig-zag


@pytest.mark.parametrize("p", [1.0, 0.3, 2.5])
def test_tri_is_the_odd_zigzag_with_slope_one_at_zero(p):
    t = TriangleWaveTarget(period=p)
    z = np.linspace(-3 * p, 3 * p, 6001)
    y = t.tri(z)
    assert t.tri(0.0) == 0.0
    np.testing.assert_allclose(t.tri(-z), -y, atol=1e-13)                   # odd
    np.testing.assert_allclose(t.tri(z + p), y, atol=1e-12)                 # period p
    assert y.max() == pytest.approx(p / 4) and y.min() == pytest.approx(-p / 4)
    np.testing.assert_allclose(t.tri(np.linspace(-p / 4, p / 4, 101)), np.linspace(-p / 4, p / 4, 101), atol=1e-14)
    np.testing.assert_allclose(t.tri(np.linspace(p / 4, 3 * p / 4, 101)), np.linspace(p / 4, -p / 4, 101), atol=1e-14)
    kinks = t.kinks(-3 * p, 3 * p)
    np.testing.assert_allclose(np.diff(kinks), p / 2)
    assert kinks[0] == pytest.approx(-2.75 * p) and np.all(np.abs(kinks) < 3 * p)


def test_target_values_are_tri_of_the_first_coordinate_times_norm():
    t = TriangleWaveTarget(period=0.7, norm=2.3)
    X = np.random.default_rng(0).standard_normal((50, 4))
    np.testing.assert_array_equal(t(X), t.tri(2.3 * X[:, 0]))
    np.testing.assert_array_equal(t.weight(4), [2.3, 0, 0, 0])


# --------------------------------------------------------------------------- exact moments


@pytest.mark.parametrize("p, R", [(1.0, 0.3), (1.0, 1.0), (1.0, 3.0), (0.5, 2.0), (2.0, 0.1)])
def test_second_moment_matches_mpmath(p, R):
    t = TriangleWaveTarget(period=p, norm=R)
    # closed form between kinks; rounding of the truncated-normal moments: 1e-13 relative
    assert t.second_moment(3) == pytest.approx(float(mp_second_moment(t)), rel=1e-13)


def test_second_moment_tends_to_that_of_the_uniform_phase():
    # many periods under the Gaussian: tri(z) is uniform on [-p/4, p/4], E[y^2] = p^2/48
    assert TriangleWaveTarget(period=1.0, norm=20.0).second_moment(2) == pytest.approx(1 / 48, rel=1e-12)


CASES = [
    ([1.0, 0.0, 0.0], 0.0),            # aligned with w*: the conditional mean is a kinked ReLU
    ([-0.7, 0.0, 0.0], 0.4),           # anti-aligned, with a bias
    ([0.8, 1e-6, 0.0], -0.3),          # nearly aligned: a kink smoothed over 1e-6
    ([0.6, 0.8, 0.0], 0.5),
    ([0.05, -0.9, 0.4], -1.2),         # nearly orthogonal
    ([0.0, 1.0, 0.0], 0.7),            # orthogonal: E[y] = 0 times E[relu] = 0
    ([0.0, 0.0, 0.0], 1.5),            # zero weight: the constant relu(b)
    ([2.5, -1.0, 3.0], 4.0),           # large norm and bias
]


@pytest.mark.parametrize("p, R, cases", [(1.0, 0.3, CASES), (1.0, 1.0, CASES), (0.5, 2.0, CASES[:4]),
                                         (1.0, 5.0, CASES[2:4])])
def test_cross_moments_match_mpmath(p, R, cases):
    t = TriangleWaveTarget(period=p, norm=R)
    W = np.array([c[0] for c in cases])
    b = np.array([c[1] for c in cases])
    got = t.cross_moments(W, b)
    exact = np.array([float(mp_cross_moment(t, w, bb)) for w, bb in zip(W, b, strict=True)])
    scale = (np.linalg.norm(W, axis=1) + np.abs(b)) * p
    # the stated accuracy: absolute error below 1e-14 (|w| + |b|) p
    assert np.all(np.abs(got - exact) <= 1e-14 * scale + 1e-300)


def test_cross_moments_are_odd_in_the_aligned_coordinate():
    t = TriangleWaveTarget(period=1.0, norm=1.3)
    W = np.random.default_rng(2).standard_normal((20, 5))
    b = np.random.default_rng(3).standard_normal(20)
    flip = W * np.array([-1, 1, 1, 1, 1])
    np.testing.assert_allclose(t.cross_moments(flip, b), -t.cross_moments(W, b), rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", [200_000, 2_000_000])
def test_cross_moments_and_second_moment_match_monte_carlo(n):
    # 4 standard errors: the tolerance shrinks like 1/sqrt(n)
    t = TriangleWaveTarget(period=1.0, norm=1.0)
    W = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.3, -0.2, 0.9], [-0.5, 0.5, 0.5]])
    b = np.array([0.3, -0.5, 1.0, 0.0])
    X = np.random.default_rng(n).standard_normal((n, 3))
    y = t(X)
    prods = np.maximum(X @ W.T + b, 0.0) * y[:, None]
    se = prods.std(0) / math.sqrt(n)
    assert np.all(np.abs(t.cross_moments(W, b) - prods.mean(0)) < 4 * se)
    assert abs(t.second_moment(3) - np.mean(y * y)) < 4 * np.std(y * y) / math.sqrt(n)


def test_quadrature_does_not_change_with_more_pieces_of_the_pool():
    # the chunking over features does not change any value (each feature is integrated on its own)
    t = TriangleWaveTarget(period=1.0, norm=2.0)
    pool = sample_features(6, 300, bias_std=1.0, seed=4)
    whole = t.cross_moments(pool.W, pool.b)
    parts = np.concatenate([t.cross_moments(pool.W[i:i + 7], pool.b[i:i + 7]) for i in range(0, 300, 7)])
    np.testing.assert_array_equal(whole, parts)


# --------------------------------------------------------------------------- it plugs into the fitting code


def test_check_target_keeps_it_and_rf_error_curve_is_exact():
    t = TriangleWaveTarget(period=1.0, norm=0.5)
    assert check_target(t) is t and not isinstance(check_target(t), CallableTarget)
    curve = rf_error_curve(4, [10, 40], target=t, bias_std=1.0, seed=0)
    nested = fit_nested(sample_features(4, 40, bias_std=1.0, seed=0), t).relative_errors()
    assert curve.exact and np.all(np.diff(curve.relative_errors) <= 0)
    np.testing.assert_allclose(curve.relative_errors, nested[[9, 39]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("bias_std", [1.0, 0.0])
def test_exact_error_matches_a_sampled_least_squares_fit(bias_std):
    """The population-optimal weights and error against least squares on n samples at small d."""
    d, r, n = 3, 20, 400_000
    t = TriangleWaveTarget(period=1.0, norm=0.4)
    pool = sample_features(d, r, bias_std=bias_std, seed=1)
    nested = fit_nested(pool, t)
    best = float(nested.relative_errors()[-1])
    sampled = fit_samples(pool, t, n=n, n_test=n, seed=2)
    # the sampled weights' exact population error exceeds the best by O(r/n) only
    pop = nested.objective(r, __import__("torch").as_tensor(sampled.weights))
    assert best - 1e-9 <= pop <= best + 20 * r / n
    # and the held-out error estimates it within 4 standard errors of the test mean
    _, Xt = sample_inputs(n, d, 2, n_test=n)
    sq = (pool.evaluate(Xt) @ sampled.weights - t(Xt)) ** 2 / t.second_moment(d)
    assert abs(sampled.test_relative_error - pop) < 4 * sq.std() / math.sqrt(n)


def test_bias_free_features_see_only_the_linear_part_of_the_odd_wave():
    # bias-free ReLU = |w|(a_0 + z/2 + even degrees): against an odd target only degree 1 counts, so the
    # best error is at least 1 - E[x_1 y]^2 / E[y^2], with equality once pairs span every linear function
    t = TriangleWaveTarget(period=1.0, norm=0.4)
    d = 5
    lin = t.cross_moments(np.array([[1.0, 0, 0, 0, 0]]), [0.0])[0] - t.cross_moments(
        np.array([[-1.0, 0, 0, 0, 0]]), [0.0])[0]                          # E[x_1 y] (relu(z) - relu(-z) = z)
    floor = 1.0 - lin ** 2 / t.second_moment(d)
    iid = fit_nested(sample_features(d, 200, seed=0), t).relative_errors()
    pairs = fit_nested(sample_features(d, 40, symmetric=True, seed=0), t).relative_errors()
    assert np.all(iid >= floor - 1e-9)
    assert pairs[-1] == pytest.approx(floor, abs=1e-9)


@pytest.mark.parametrize("bad, exc", [({"period": -1.0}, ValueError), ({"norm": 0.0}, ValueError),
                                      ({"period": "1"}, TypeError), ({"norm": float("inf")}, ValueError)])
def test_bad_settings_are_refused(bad, exc):
    with pytest.raises(exc, match="period|norm"):
        TriangleWaveTarget(**bad)
