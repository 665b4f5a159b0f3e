"""The fast biased ReLU kernel (Gram matrices, ``precise=False``): Price's-theorem quadrature and the
sign-symmetric pair identity, against the Owen's T closed form and 30-digit mpmath quadrature.

Stated tolerance (absolute, the fast path's claim): ``|E_fast - E| <= 2e-15 (1 + |a|)(1 + |c|)`` for the
standardized moment ``E = E[(a + X)_+ (c + Y)_+]``; kernel entries scale it by ``|w||v|``."""

import math

import mpmath as mp
import numpy as np
import pytest
import torch

import rfexplore as rf
from rfexplore import gaussian as g
from rfexplore.fit import gram_matrix

TOL = 2e-15


def moment_mp(a, c, rho):
    """``E[(a + X)_+ (c + Y)_+]`` by conditioning on X (30 digits): ``int_{-a}^inf phi(x) (a + x) G(x) dx`` with
    ``G(x) = s g((c + rho x) / s)``, ``g(z) = phi(z) + z Phi(z)``, ``s = sqrt(1 - rho^2)``."""
    with mp.workdps(30):
        a, c, rho = mp.mpf(a), mp.mpf(c), mp.mpf(rho)
        s = mp.sqrt((1 - rho) * (1 + rho))

        def integrand(x):
            z = (c + rho * x) / s
            return mp.npdf(x) * (a + x) * s * (mp.npdf(z) + z * mp.ncdf(z))

        kink = -c / rho if rho != 0 else -a
        pts = sorted({-a, max(-a, kink), -a + 1, -a + 5, -a + 12, max(-a, 0) + 40})
        return mp.quad(integrand, pts)


def price(a, c, rho, nodes):
    """The quadrature on numpy inputs, its upper limit ``asin(rho)``."""
    a, c, rho = (torch.from_numpy(np.asarray(t, dtype=np.float64)) for t in (a, c, rho))
    return g._price_product_moment(a, c, rho, torch.asin(rho), nodes).numpy()


def scale(a, c):
    return (1.0 + np.abs(a)) * (1.0 + np.abs(c))


@pytest.mark.parametrize("lo, hi", [(0.0, 0.3), (0.3, 0.6), (0.6, 0.75), (0.75, 0.925), (0.925, 0.99)])
def test_price_quadrature_matches_the_owens_t_closed_form_in_every_band(lo, hi):
    rng = np.random.default_rng(int(100 * hi))
    n = 20000
    rho = rng.uniform(lo, hi, n) * rng.choice([-1.0, 1.0], n)
    a = rng.standard_normal(n) * rng.choice([0.3, 1.0, 3.0, 8.0], n)
    c = rng.standard_normal(n) * rng.choice([0.3, 1.0, 3.0, 8.0], n)
    ref = g._truncated_product_moment(a, c, rho)                     # Owen's T, tail-stable where needed
    nodes = next(k for bound, k in g.PRICE_BANDS if bound >= hi)
    got = price(a, c, rho, nodes)
    assert np.all(np.abs(got - ref) <= TOL * scale(a, c))


def test_fewer_nodes_than_the_bands_use_would_miss_the_tolerance():
    """The band table is not slack: one band's nodes are not enough for the next band's correlations."""
    rng = np.random.default_rng(5)
    rho = rng.uniform(0.75, 0.925, 5000)
    a, c = rng.standard_normal(5000) * 3.0, rng.standard_normal(5000) * 3.0
    ref = g._truncated_product_moment(a, c, rho)
    got = price(a, c, rho, g.PRICE_BANDS[1][1])
    assert np.max(np.abs(got - ref) / scale(a, c)) > 10 * TOL


@pytest.mark.parametrize("a, c, rho", [
    (0.0, 0.0, 0.5), (1.3, -0.4, -0.2), (-2.0, 3.0, 0.7), (4.0, 4.0, 0.95), (-6.0, -5.0, 0.3),
    (-8.0, 2.0, -0.6), (7.5, -7.5, -0.98), (-3.0, -3.0, 0.9), (10.0, 0.5, 0.05),
])
def test_price_quadrature_against_thirty_digit_quadrature(a, c, rho):
    nodes = next(k for bound, k in g.PRICE_BANDS if bound >= abs(rho))
    got = float(price(np.array([a]), np.array([c]), np.array([rho]), nodes)[0])
    ref = moment_mp(a, c, rho)
    assert abs(mp.mpf(got) - ref) <= TOL * (1 + abs(a)) * (1 + abs(c))


@pytest.mark.parametrize("d", [1, 2, 5, 40])
def test_fast_kernel_agrees_with_the_precise_one_to_its_stated_precision(d):
    """Every band and the closed-form rest (d = 1: all correlations are +-1; d = 2: many beyond 0.99)."""
    rng = np.random.default_rng(d)
    W, b = rng.standard_normal((150, d)) * rng.uniform(0.5, 2.0, (150, 1)), 2.0 * rng.standard_normal(150)
    V, c = rng.standard_normal((70, d)), rng.standard_normal(70)
    fast = g.biased_relu_kernel(W, b, V, c, precise=False)
    ref = g.biased_relu_kernel(W, b, V, c)
    nw, nv = np.linalg.norm(W, axis=1), np.linalg.norm(V, axis=1)
    bound = TOL * np.outer(nw + np.abs(b), nv + np.abs(c))          # |w||v|(1 + |a|)(1 + |c|)
    assert np.all(np.abs(fast - ref) <= bound)


def test_fast_kernel_keeps_zero_weight_vectors_constant_pre_activations():
    W = np.array([[0.0, 0.0], [1.0, 0.5], [0.0, 0.0]])
    b = np.array([0.7, -0.3, -1.0])
    fast, ref = g.biased_relu_kernel(W, b, precise=False), g.biased_relu_kernel(W, b)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-15)
    assert fast[0, 0] == pytest.approx(0.49, abs=1e-15) and fast[2, 2] == 0.0


@pytest.mark.parametrize("width, d", [(2, 3), (41, 2), (300, 30)])
def test_pair_gram_equals_the_kernel_of_the_whole_sign_symmetric_pool(width, d):
    pool = rf.sample_features(d, width, symmetric=True, bias_std=1.5, seed=width)
    K = gram_matrix(pool).numpy()                                     # the half pool's kernel, by the identity
    ref = g.biased_relu_kernel(pool.W, pool.b)
    s = 1.0 + np.abs(pool.b)                                          # unit weights: offsets are the biases
    assert K.shape == (width, width)
    assert np.all(np.abs(K - ref) <= 4 * TOL * np.outer(s, s))
    assert np.array_equal(K, K.T) or np.max(np.abs(K - K.T)) <= TOL * np.max(np.outer(s, s))


def test_pair_gram_with_a_zero_weight_vector():
    W = np.array([[0.0, 0.0], [0.6, 0.8]])
    b = np.array([0.5, -0.2])
    full_W = np.repeat(W, 2, axis=0) * np.array([1, -1, 1, -1])[:, None]
    full_b = np.repeat(b, 2) * np.array([1, -1, 1, -1])
    np.testing.assert_allclose(g.biased_relu_pair_gram(W, b), g.biased_relu_kernel(full_W, full_b), rtol=0,
                               atol=1e-15)


def test_pair_gram_refuses_bad_input():
    with pytest.raises(ValueError, match="b"):
        g.biased_relu_pair_gram(np.ones((3, 2)), np.ones(2))
    with pytest.raises(TypeError):
        g.biased_relu_pair_gram("W", np.ones(2))


def test_the_price_integrand_is_the_taylor_remainder():
    """At rho = 0 the quadrature is E0(a) E0(c) exactly (the integral vanishes)."""
    a, c = torch.tensor([0.3, -2.0]), torch.tensor([1.1, 0.4])
    a, c = a.double(), c.double()
    got = g._price_product_moment(a, c, torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), 6)
    e0 = [lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi) + t * 0.5 * math.erfc(-t / math.sqrt(2))]
    ref = [e0[0](float(x)) * e0[0](float(y)) for x, y in zip(a, c, strict=True)]
    # E0(-2) = phi(-2) - 2 Phi(-2) cancels: absolute, as the fast path claims
    assert np.all(np.abs(got.numpy() - ref) <= TOL * scale(a.numpy(), c.numpy()))
