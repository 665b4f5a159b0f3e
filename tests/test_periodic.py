"""Oracle tests for rfexplore.periodic: the ReLU decomposition of the zig-zag and its tail, the correlation
bound, and the chain of inequalities of DESIGN 2.10(c) on many pools; plus a guard on the precision of the
biased-ReLU kernel over the offsets the chain uses."""

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate

from rfexplore import fit_nested, sample_features
from rfexplore.gaussian import biased_relu_kernel
from rfexplore.periodic import (
    correlation_bound,
    correlation_decay,
    feature_correlations,
    periodic_chain,
    relu_decomposition,
)
from rfexplore.targets import PeriodicTarget, ReluTarget, TriangleWaveTarget

# --------------------------------------------------------------------------- decomposition


@pytest.mark.parametrize("form", ["two-sided", "one-sided"])
@pytest.mark.parametrize("p, R, T", [(1.0, 1.0, 5.0), (0.3, 2.0, 7.3), (2.0, 0.5, 2.5), (1.0, 1.0, 0.75)])
def test_decomposition_is_exact_on_the_range(form, p, R, T):
    t = TriangleWaveTarget(period=p, norm=R)
    dec = relu_decomposition(t, T, form=form)
    z = np.linspace(-T, T, 200_001)
    assert np.max(np.abs(dec(z) - t.tri(z))) < 1e-12
    # ReLUs at the kinks with jumps -+2 (plus the two centre neurons of the two-sided form)
    kinks = t.kinks(-T, T)
    inner = dec.offsets if form == "one-sided" else dec.offsets[2:]
    np.testing.assert_allclose(np.sort(inner), kinks)
    assert set(np.abs(dec.coefficients[2 * (form == "two-sided"):]).tolist()) <= {2.0}
    if form == "two-sided":
        assert dec.c0 == dec.c1 == 0.0 and np.all(dec.signs * dec.offsets >= 0)


def test_decomposition_leaves_the_range_linearly():
    t = TriangleWaveTarget(period=1.0, norm=1.0)
    dec = relu_decomposition(t, 2.0)
    z = np.linspace(2.0, 6.0, 101)
    assert np.allclose(np.diff(dec(z), 2), 0.0, atol=1e-12) and not np.allclose(dec(z), t.tri(z))


@pytest.mark.parametrize("form", ["two-sided", "one-sided"])
@pytest.mark.parametrize("p, R, T", [(1.0, 1.0, 1.2), (1.0, 2.0, 3.0), (0.5, 0.7, 2.0)])
def test_tail_matches_quadrature(form, p, R, T):
    t = TriangleWaveTarget(period=p, norm=R)
    dec = relu_decomposition(t, T, form=form)

    def integrand(z):
        return (t.tri(z) - dec(z)) ** 2 * math.exp(-0.5 * (z / R) ** 2) / (R * math.sqrt(2 * math.pi))

    total = 0.0
    for lo, hi in ((T, 30 * R), (-30 * R, -T)):
        edges = np.concatenate([[lo], t.kinks(lo, hi), [hi]])
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            total += integrate.quad(integrand, a, b, epsabs=1e-20, epsrel=1e-12, limit=200)[0]
    assert dec.tail_mse == pytest.approx(total, rel=1e-10)


@pytest.mark.parametrize("n", [200_000, 2_000_000])
def test_tail_matches_monte_carlo(n):
    t = TriangleWaveTarget(period=1.0, norm=1.0)
    dec = relu_decomposition(t, 1.0)               # a short range, so that many samples fall outside
    z = np.random.default_rng(n).standard_normal(n)
    sq = (t.tri(z) - dec(z)) ** 2
    assert np.all(sq[np.abs(z) <= 1.0] < 1e-24)   # nothing inside the range
    assert abs(sq.mean() - dec.tail_mse) < 4 * sq.std() / math.sqrt(n)


def test_components_are_relu_targets_of_the_right_neuron():
    t = TriangleWaveTarget(period=1.0, norm=1.7)
    dec = relu_decomposition(t, 4.0)
    X = np.random.default_rng(0).standard_normal((1000, 3))
    z = X @ t.weight(3)
    total = sum(dec.coefficients[j] * dec.neuron(j, 3)(X) for j in range(dec.size))
    inside = np.abs(z) <= 4.0
    np.testing.assert_allclose(total[inside], t(X)[inside], atol=1e-12)
    for j in range(dec.size):
        assert dec.neuron(j, 3).norm == pytest.approx(1.7)
        np.testing.assert_allclose(dec.neuron(j, 3)(X), np.maximum(dec.signs[j] * (z - dec.offsets[j]), 0.0))


def test_decomposition_refuses_bad_input():
    t = TriangleWaveTarget()
    with pytest.raises(ValueError, match="T must be"):
        relu_decomposition(t, -1.0)
    with pytest.raises(ValueError, match="form must be"):
        relu_decomposition(t, 1.0, form="both")
    with pytest.raises(TypeError, match="target must be a TriangleWaveTarget"):
        relu_decomposition(ReluTarget(), 1.0)
    with pytest.raises(ValueError, match="j must be"):
        relu_decomposition(t, 1.0).neuron(99, 3)


# --------------------------------------------------------------------------- correlations


def _at_angles(theta, d=3):
    W = np.zeros((len(theta), d))
    W[:, 0], W[:, 1] = np.cos(theta), np.sin(theta)
    return W


@pytest.mark.parametrize("target", [TriangleWaveTarget(period=1.0, norm=0.3), TriangleWaveTarget(period=1.0, norm=1.0),
                                    TriangleWaveTarget(period=0.5, norm=0.4), PeriodicTarget(frequency=1.0, norm=0.5),
                                    PeriodicTarget(frequency=0.5, norm=1.0, phase=0.7)])
@pytest.mark.parametrize("bias", [0.0, -1.3, 0.8])
def test_correlation_bound_holds_for_every_feature(target, bias):
    theta = np.linspace(0.0, math.pi, 181)
    W = _at_angles(theta)
    corr = feature_correlations(target, W, np.full(len(W), bias))
    bound = correlation_bound(target, W)
    assert np.all(np.abs(corr) <= bound + 1e-14)


def test_correlation_bound_has_the_stated_rate():
    # DESIGN 2.10(a): the log of the bound falls like -2 pi^2 |w*|^2 sin^2 / p^2 (leading harmonic), with
    # the prefactor (2p/pi^2)/sqrt(2 E[y^2]) ~ 0.99, away from orthogonal directions (where the
    # Cauchy-Schwarz share sqrt((1 - exp(-2 beta^2 cos^2)) / 2) sends it to 0, as the correlation itself)
    t = TriangleWaveTarget(period=1.0, norm=0.8)
    theta = np.linspace(0.4, 1.2, 50)
    bound = correlation_bound(t, _at_angles(theta))
    slope = np.polyfit(np.sin(theta) ** 2, np.log(bound), 1)[0]
    assert slope == pytest.approx(-2 * math.pi ** 2 * 0.8 ** 2, rel=1e-3)
    lead = (2 / math.pi ** 2) / math.sqrt(2 * t.second_moment(3))
    np.testing.assert_allclose(bound / np.exp(-2 * math.pi ** 2 * 0.64 * np.sin(theta) ** 2), lead, rtol=1e-3)
    assert correlation_bound(t, _at_angles(np.array([math.pi / 2])))[0] < 1e-15


def test_correlations_match_a_direct_computation():
    t = TriangleWaveTarget(period=1.0, norm=0.6)
    pool = sample_features(4, 30, bias_std=1.0, seed=3)
    f2 = np.diag(biased_relu_kernel(pool.W, pool.b))
    expect = t.cross_moments(pool.W, pool.b) / np.sqrt(f2 * t.second_moment(4))
    np.testing.assert_allclose(feature_correlations(t, pool.W, pool.b), expect, rtol=1e-12)


def test_correlation_maximum_shrinks_with_d_when_the_norm_grows_like_sqrt_d():
    res = correlation_decay([4, 8, 16, 32], width=300, norm_scale=0.2, bias_std=1.0, seed=0)
    np.testing.assert_allclose(res.norms, 0.2 * np.sqrt([4, 8, 16, 32]))
    assert np.all(np.diff(res.max_correlation) < 0) and np.all(res.max_correlation <= res.max_bound)
    # the bound at a typical angle (sin^2 = 1 - 1/d) falls like exp(-2 pi^2 0.04 (d - 1))
    assert res.max_correlation[-1] < 1e-4 < res.max_correlation[0]
    with pytest.raises(TypeError, match="d must be"):
        correlation_decay([4.5], width=10)
    with pytest.raises(ValueError, match="width must be"):
        correlation_decay([4], width=0)


# --------------------------------------------------------------------------- the chain


POOLS = [(d, r, bs, seed) for d in (3, 8) for r in (40, 150) for bs in (0.0, 1.0) for seed in (0, 1, 2)]


@pytest.mark.parametrize("d, width, bias_std, seed", POOLS)
def test_chain_inequality_holds_for_every_pool(d, width, bias_std, seed):
    t = TriangleWaveTarget(period=1.0, norm=0.7)
    pool = sample_features(d, width, bias_std=bias_std, seed=seed)
    for form in ("two-sided", "one-sided"):
        c = periodic_chain(pool, t, T=3.5, form=form)
        assert c.holds and c.component_errors.max() >= c.bound
        # the triangle inequality, on the very predictor sum_j a_j g_j (+ g_affine), to rounding
        assert c.psi_error <= c.combined_error + 1e-7
        assert c.combined_error <= c.tail_l2 + c.affine_error + np.abs(c.coefficients) @ c.component_errors + 1e-9
        assert c.component_errors[c.hardest] == c.component_errors.max() == c.hardest_error


def test_chain_errors_are_those_of_direct_fits():
    t = TriangleWaveTarget(period=1.0, norm=1.0)
    pool = sample_features(5, 120, bias_std=1.0, seed=0)
    c = periodic_chain(pool, t, T=5.0, width=100)
    dec = relu_decomposition(t, 5.0)
    for j in (0, 3, dec.size - 1):
        n = dec.neuron(j, 5)
        direct = fit_nested(pool.head(100), n).relative_errors()[-1]
        assert c.component_errors[j] == pytest.approx(math.sqrt(max(direct, 0) * n.second_moment(5)), rel=1e-9,
                                                      abs=1e-12)
    assert c.psi_error == pytest.approx(math.sqrt(fit_nested(pool.head(100), t).relative_errors()[-1]
                                                  * t.second_moment(5)), rel=1e-12)
    assert c.hardest_bias == pytest.approx(-c.hardest_sign * dec.offsets[c.hardest])


def test_one_sided_affine_part_is_costly_for_bias_free_features():
    # bias-free features represent no constant: the one-sided affine part c0 + c1 z, as large as T, is
    # fitted badly, and the chain's bound becomes vacuous (negative) while the two-sided one is not
    t = TriangleWaveTarget(period=1.0, norm=1.0)
    pool = sample_features(10, 300, seed=0)
    one, two = (periodic_chain(pool, t, T=5.0, form=f) for f in ("one-sided", "two-sided"))
    assert one.affine_error > one.psi_error and one.bound < 0 < two.bound and two.affine_error == 0.0


def test_chain_refuses_bad_input():
    pool = sample_features(3, 10, seed=0)
    t = TriangleWaveTarget()
    with pytest.raises(TypeError, match="pool must be"):
        periodic_chain(np.eye(3), t, T=1.0)
    with pytest.raises(ValueError, match="width must be at most"):
        periodic_chain(pool, t, T=1.0, width=11)
    with pytest.raises(ValueError, match="T must be"):
        periodic_chain(pool, t, T=0.0)


# --------------------------------------------------------------------------- precision guard


def _mp_relu_moment(a, c, rho):
    """``E[(a + X)_+ (c + Y)_+]`` for unit normals of correlation ``rho``, by 1-D mpmath quadrature."""
    mpmath.mp.dps = 25
    a, c, rho = mpmath.mpf(a), mpmath.mpf(c), mpmath.mpf(rho)
    s = mpmath.sqrt(1 - rho ** 2)

    def g(x):
        m = c + rho * x
        return (a + x) * (m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s)) * mpmath.npdf(x)

    return mpmath.quad(g, [-a, -a + 1, -a + 4, mpmath.inf])


def _mp_relu_square(a):
    a = mpmath.mpf(a)
    return (1 + a * a) * mpmath.ncdf(a) + a * mpmath.npdf(a)


def test_biased_kernel_is_accurate_over_the_offsets_the_chain_uses():
    """Guard: component neurons have normalized offsets down to -T/|w*| >= -6 and features biases of a few
    units; there the biased kernel must stay accurate to 1e-14 absolute and 1e-9 relative to the two
    features' norms (it degrades beyond about 7 standard deviations)."""
    rng = np.random.default_rng(11)
    for _ in range(24):
        a, c, rho = -rng.uniform(0.0, 6.0), rng.uniform(-3.0, 3.0), rng.uniform(-0.99, 0.99)
        K = biased_relu_kernel(np.array([[1.0, 0.0]]), [a], np.array([[rho, math.sqrt(1 - rho * rho)]]), [c])[0, 0]
        exact = float(_mp_relu_moment(a, c, rho))
        scale = float(mpmath.sqrt(_mp_relu_square(a) * _mp_relu_square(c)))
        assert abs(K - exact) <= 1e-14 and abs(K - exact) <= 1e-9 * scale, (a, c, rho, K, exact)
