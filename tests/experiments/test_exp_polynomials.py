"""Notebook 02's computations (low-degree polynomials): ``width_needed``, the targets, and oracle checks of
the facts the notebook rests on (Monte Carlo, quadrature, a homogeneity bound)."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, special

from rfexplore import fit_nested, fit_samples, sample_features
from rfexplore.experiments import Cache, polynomial_pool, polynomial_result, polynomial_target
from rfexplore.fit import width_needed
from rfexplore.gaussian import biased_relu_hermite_coefficients, hermite_functions

# --------------------------------------------------------------------------- width_needed


def test_width_needed_is_the_first_width_at_or_below_eps():
    errors = np.array([1.0, 0.8, 0.5, 0.6, 0.3, 0.1])
    assert width_needed(errors, 0.5) == 3            # equality counts, and later rises do not matter
    assert width_needed(errors, 0.45) == 5
    assert width_needed(errors, 1.0) == 1
    assert width_needed(errors, 0.05) is None        # never reached within the curve
    assert width_needed([0.2], 0.5) == 1 and isinstance(width_needed([0.2], 0.5), int)


def test_width_needed_on_a_nested_fit_agrees_with_the_curve():
    nf = fit_nested(sample_features(6, 200, bias_std=1.0, seed=3), polynomial_target(2))
    e = nf.relative_errors()
    m = width_needed(e, 0.5)
    assert m is not None and e[m - 1] <= 0.5 and np.all(e[: m - 1] > 0.5)


@pytest.mark.parametrize("errors", [[], [[0.1, 0.2]], np.zeros((2, 2))])
def test_width_needed_rejects_a_non_curve(errors):
    with pytest.raises(ValueError, match="errors must be a non-empty 1-D curve"):
        width_needed(errors, 0.5)


@pytest.mark.parametrize("eps", [-0.1, float("nan"), float("inf"), True, "0.5", None])
def test_width_needed_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be a finite non-negative error level"):
        width_needed([0.9, 0.4], eps)


# --------------------------------------------------------------------------- oracles behind the notebook


@pytest.mark.parametrize("b", [-1.3, 0.0, 0.7])
def test_biased_relu_hermite_coefficients_against_quadrature(b):
    # c_k(b) = int_{-b}^inf (z + b) h_k(z) phi(z) dz, adaptive quadrature from the kink (tolerance 1e-9)
    c = biased_relu_hermite_coefficients(6, b)
    for k in range(7):
        def f(z, k=k):
            return (z + b) * hermite_functions(k, z)[k] * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        assert c[k] == pytest.approx(integrate.quad(f, -b, np.inf, epsabs=1e-13, epsrel=1e-13)[0], abs=1e-9)


def test_exact_moments_match_monte_carlo():
    # E[f_i y] and E[f_i f_j] in closed form vs means over n = 200k Gaussian samples: within 5 standard errors
    # (+1e-8 for features with very negative bias, which may never fire on the samples)
    pool = sample_features(6, 12, bias_std=1.0, seed=0)
    X = np.random.default_rng(7).standard_normal((200_000, 6))
    F = pool.evaluate(X)
    n = len(X)
    K = fit_nested(pool, polynomial_target(1)).K.numpy()
    FF = F[:, :, None] * F[:, None, :]
    assert np.all(np.abs(FF.mean(0) - K) <= 5 * FF.std(0) / math.sqrt(n) + 1e-8)
    for k in (2, 3, 4):
        target = polynomial_target(k)
        Fy = F * target(X)[:, None]
        exact = target.cross_moments(pool.W, pool.b)
        assert np.all(np.abs(Fy.mean(0) - exact) <= 5 * Fy.std(0) / math.sqrt(n) + 1e-8)


def test_sample_fit_weights_are_near_the_exact_optimum():
    # least squares on 100k samples: weights whose exact population error is at most 0.01 above the optimum
    pool = sample_features(6, 30, bias_std=1.0, seed=0)
    for k in (2, 3):
        nf = fit_nested(pool, polynomial_target(k))
        best = nf.relative_errors()[-1]
        u = fit_samples(pool, polynomial_target(k), n=100_000, n_test=1000, seed=1).weights
        gap = nf.objective(30, torch.as_tensor(u)) - best
        assert 0.2 < best < 0.99 and -1e-9 <= gap < 0.01


def test_bias_free_features_cannot_see_h3_at_any_width():
    pool = sample_features(10, 300, seed=0)
    assert np.all(polynomial_target(3).cross_moments(pool.W, pool.b) == 0.0)     # c_3(0) = 0 exactly
    assert np.all(fit_nested(pool, polynomial_target(3)).relative_errors() == 1.0)
    # one random bias per feature, same w_i: h_3 becomes learnable
    biased = sample_features(10, 300, bias_std=1.0, seed=0)
    assert np.array_equal(biased.W, pool.W)
    assert fit_nested(biased, polynomial_target(3)).relative_errors()[-1] < 0.9


def _homogeneous_floor_h2(d):
    """Error of the best positively 1-homogeneous approximation g(x/|x|)|x| of h_2(x_1) (closed form).

    With x = rho theta, rho ~ chi_d: E[rho y | theta] = (A theta_1^2 - B)/sqrt2, A = E rho^3, B = E rho, and
    the error is 1 - E[(A theta_1^2 - B)^2] / (2 d), using E theta_1^2 = 1/d, E theta_1^4 = 3/(d(d+2)).
    """
    def chi(p):
        return math.exp(p / 2 * math.log(2) + special.gammaln((d + p) / 2) - special.gammaln(d / 2))
    A, B = chi(3), chi(1)
    return 1 - (A * A * 3 / (d * (d + 2)) - 2 * A * B / d + B * B) / (2 * d)


def test_bias_free_h2_error_is_bounded_by_the_homogeneity_floor():
    # bias-free ReLU networks are 1-homogeneous: their error is never below the floor; wide ones get close
    floor = _homogeneous_floor_h2(8)
    assert floor == pytest.approx(0.16027, abs=1e-5)
    e = fit_nested(sample_features(8, 900, seed=0), polynomial_target(2)).relative_errors()
    assert np.all(e >= floor - 1e-9)
    assert e[-1] < floor + 0.005


def test_polynomial_pool_is_one_factorization_retargeted():
    cache = Cache()
    h3 = polynomial_pool(5, 80, bias_std=1.0, seed=2, target=polynomial_target(3), cache=cache)
    direct = fit_nested(sample_features(5, 80, bias_std=1.0, seed=2), polynomial_target(3))
    np.testing.assert_array_equal(h3.relative_errors(), direct.relative_errors())     # bit for bit
    assert cache.keys() == [("polynomial_pool", 5, 80, 1.0, 2)]
    res = polynomial_result(2, 5, bias_std=1.0, seed=2, eps=0.5, pool_size=80, cache=cache)
    assert len(cache) == 1 and res.needed == width_needed(res.errors, 0.5)
    assert res.counts == {2: math.comb(5 + 1, 2)}
