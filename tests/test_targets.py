"""Oracle tests for rfexplore.targets: exact moments against Monte Carlo and quadrature.

Monte Carlo checks evaluate the target's own ``__call__`` and the pool's ``evaluate`` on the same
samples and allow 5 standard errors (estimated from those samples). Quadrature oracles reduce each
single-index moment to a 1-D integral of a conditional mean.
"""

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import rfexplore as rf
from rfexplore import gaussian as g
from rfexplore.features import FeaturePool
from rfexplore.targets import check_target

N_MC = 400_000


def mc_moments_check(target, W, b, *, n=N_MC, seed=0, sigmas=5.0):
    """``cross_moments`` and ``second_moment`` against sample means of ``f_i(x) y(x)`` and ``y(x)^2``."""
    d = W.shape[1]
    X = np.random.default_rng(seed).standard_normal((n, d))
    F = FeaturePool(W, b, "sphere", False, 0.0, 0).evaluate(X)      # relu(X W^T + b)
    y = target(X)
    FY = F * y[:, None]
    k = target.cross_moments(W, b)
    se = FY.std(0) / math.sqrt(n)
    assert np.all(np.abs(FY.mean(0) - k) <= sigmas * se + 1e-12), np.abs(FY.mean(0) - k) / se
    y2 = y * y
    assert abs(y2.mean() - target.second_moment(d)) <= sigmas * y2.std() / math.sqrt(n) + 1e-12


@pytest.fixture(scope="module")
def features():
    """Six biased features in d=4 of mixed norms, plus a zero weight vector with a positive bias."""
    rng = np.random.default_rng(3)
    W = rng.standard_normal((6, 4)) * np.array([[0.5], [1.0], [2.0], [1.0], [0.7], [1.5]])
    W = np.vstack([W, np.zeros(4)])
    b = np.array([0.3, -0.8, 0.0, 1.1, -0.2, 0.5, 0.6])
    return W, b


@pytest.mark.parametrize("target", [
    rf.ReluTarget(),
    rf.ReluTarget(norm=2.0, bias=-0.5),
    rf.ReluTarget(w_star=(0.3, -1.0, 0.5, 0.2), bias=0.4),
    rf.HermiteTarget.single(2),
    rf.HermiteTarget.single(3, 0.7),
    rf.HermiteTarget({(2,): 1.0, (0, 1): 0.5, (0,): 0.3}),
    rf.HermiteTarget({(1, 1): 1.0}),
    rf.HermiteTarget({(2, 1): 0.8, (0, 0, 2): -0.4}),
    rf.PeriodicTarget(frequency=0.3, norm=1.0, phase=0.4),
    rf.PeriodicTarget(frequency=0.15, norm=2.0),
], ids=lambda t: t.label())
def test_moments_match_monte_carlo(target, features):
    W, b = features
    mc_moments_check(target, W, b)
    mc_moments_check(target, W[:6], None, seed=1)            # bias-free features


def conditional_single_index_oracle(w, b, y1, nodes=300):
    """E[relu(<w,x> + b) y1(x_1)] for a single-index target along e_1, as a 1-D integral.

    With rho = w_1/|w| and s = sqrt(1 - rho^2): E over the other coordinates of relu(<w,x> + b)
    given x_1 = z is m(z) = E[relu(N(|w| rho z + b, |w|^2 s^2))], smooth (analytic) for s > 0, so
    Gauss–Hermite quadrature (scipy's nodes, 300 of them) converges geometrically for smooth y1.
    """
    n = np.linalg.norm(w)
    rho = w[0] / n
    s = math.sqrt(max(1 - rho * rho, 0.0))
    z, wt = special.roots_hermitenorm(nodes)
    return float((wt / math.sqrt(2 * math.pi)) @ (g.relu_gaussian_mean(n * rho * z + b, n * s) * y1(z)))


def test_single_index_moments_match_quadrature():
    rng = np.random.default_rng(4)
    W = rng.standard_normal((4, 3))
    b = np.array([-1.3, 0.0, 0.7, 0.2])
    for k in range(7):
        t = rf.HermiteTarget.single(k)

        def hk(z, k=k):
            return special.eval_hermitenorm(k, z) / math.sqrt(math.factorial(k))

        ref = [conditional_single_index_oracle(w, bi, hk) for w, bi in zip(W, b, strict=True)]
        assert np.allclose(t.cross_moments(W, b), ref, rtol=0, atol=1e-12), k
    for p in [rf.PeriodicTarget(frequency=0.4, phase=0.3), rf.PeriodicTarget(frequency=1.0, norm=0.8)]:
        ref = [conditional_single_index_oracle(w, bi, lambda z, p=p: np.cos(p.t * z + p.phase))
               for w, bi in zip(W, b, strict=True)]
        # the Hermite series is truncated where its tail is below 1e-13
        assert np.allclose(p.cross_moments(W, b), ref, rtol=0, atol=1e-12)
        q = integrate.quad(lambda z, p=p: np.cos(p.t * z + p.phase) ** 2 * stats.norm.pdf(z), -np.inf, np.inf,
                           epsabs=1e-14)[0]
        assert p.second_moment(3) == pytest.approx(q, abs=1e-12)


def test_relu_target_moments_are_biased_kernel():
    t = rf.ReluTarget(norm=1.7, bias=-0.4)
    W = np.random.default_rng(5).standard_normal((5, 6))
    b = np.linspace(-1, 1, 5)
    w_star = np.zeros(6)
    w_star[0] = 1.7
    assert np.array_equal(t.cross_moments(W, b), g.biased_relu_kernel(W, b, w_star[None], [-0.4])[:, 0])
    # E[relu(1.7 z - 0.4)^2] = (s^2 + b^2) Phi(b/s) + s b phi(b/s)
    s, bb = 1.7, -0.4
    exact = (s * s + bb * bb) * special.ndtr(bb / s) + s * bb * stats.norm.pdf(bb / s)
    assert t.second_moment(6) == pytest.approx(exact, rel=1e-14)
    assert rf.ReluTarget().second_moment(3) == pytest.approx(0.5, rel=1e-15)        # unit ReLU: 1/2


def test_hermite_target_algebra():
    # an orthonormal basis: E[y^2] is the sum of squared coefficients
    t = rf.HermiteTarget({(2,): 1.0, (0, 1): 0.5, (1, 1): -2.0})
    assert t.second_moment(3) == pytest.approx(1 + 0.25 + 4)
    assert t.degree == 2
    # trailing zeros are dropped and duplicates merged
    assert rf.HermiteTarget({(2, 0): 1.0, (2,): 0.5}).terms == {(2,): 1.5}
    assert rf.HermiteTarget({3: 1.0}).terms == {(3,): 1.0}
    # values: h_2(x1) + 0.5 h_1(x2) - 2 h_1(x1) h_1(x2)
    X = np.random.default_rng(6).standard_normal((50, 3))
    y = (X[:, 0] ** 2 - 1) / math.sqrt(2) + 0.5 * X[:, 1] - 2 * X[:, 0] * X[:, 1]
    assert np.allclose(t(X), y, rtol=1e-14, atol=1e-14)
    # cross moments are linear in the terms
    W = np.random.default_rng(7).standard_normal((4, 3))
    b = np.array([0.1, -0.5, 0.9, 0.0])
    parts = sum(c * rf.HermiteTarget({a: 1.0}).cross_moments(W, b) for a, c in t.terms.items())
    assert np.allclose(t.cross_moments(W, b), parts, rtol=1e-14, atol=1e-16)
    # rotation: h_1(x1) h_1(x2) = (h_2(u) - h_2(v)) / sqrt(2) with u, v = (x1 +- x2)/sqrt(2)
    prod = rf.HermiteTarget({(1, 1): 1.0}).cross_moments(W, b)
    R = np.array([[1, 1, 0], [1, -1, 0], [0, 0, math.sqrt(2)]]) / math.sqrt(2)
    h2 = rf.HermiteTarget.single(2)
    Wr = W @ R.T                                           # coordinates (u, v, x3)
    P = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])        # swap u and v to put v first
    assert np.allclose(prod, (h2.cross_moments(Wr, b) - h2.cross_moments(Wr @ P, b)) / math.sqrt(2),
                       rtol=1e-12, atol=1e-15)


def test_bias_free_features_cannot_see_h3():
    # DESIGN 2.7 trap: a_k = 0 for odd k >= 3, so bias-free ReLU features have zero cross moments
    # with h_3(<w*, x>): the RF error is exactly 1 at every width. With biases it falls.
    h3 = rf.HermiteTarget.single(3)
    pool = rf.sample_features(10, 1280, seed=0)
    assert np.abs(h3.cross_moments(pool.W, pool.b)).max() < 1e-15
    curve = rf.rf_error_curve(10, [10, 80, 320, 1280], target=h3, seed=0)
    assert np.allclose(curve.relative_errors, 1.0, rtol=0, atol=1e-12)
    biased = rf.rf_error_curve(10, [10, 80, 320, 1280], target=h3, bias_std=1.0, seed=0)
    assert np.all(np.diff(biased.relative_errors) < 0) and biased.relative_errors[-1] < 0.8


def test_zero_weight_feature_is_a_constant():
    # relu(<0, x> + b) = relu(b): its moment with y is relu(b) E[y]
    W = np.array([[0.0, 0.0], [1.0, 0.0]])
    b = np.array([0.8, 0.0])
    h = rf.HermiteTarget({(0,): 0.3, (2,): 1.0})
    assert h.cross_moments(W, b)[0] == pytest.approx(0.8 * 0.3, rel=1e-15)
    p = rf.PeriodicTarget(frequency=0.2, phase=0.5)
    assert p.cross_moments(W, b)[0] == pytest.approx(0.8 * math.cos(0.5) * math.exp(-p.t ** 2 / 2), rel=1e-12)
    assert rf.ReluTarget().cross_moments(W, b)[0] == pytest.approx(0.8 / math.sqrt(2 * math.pi), rel=1e-15)
    assert h.cross_moments(W, -b)[0] == 0.0


def test_target_values():
    X = np.random.default_rng(8).standard_normal((20, 3))
    assert np.array_equal(rf.ReluTarget(norm=2, bias=-1)(X), np.maximum(2 * X[:, 0] - 1, 0))
    w = np.array([0.5, -1.0, 2.0])
    assert np.allclose(rf.ReluTarget(w_star=w)(X), np.maximum(X @ w, 0), rtol=1e-15, atol=0)
    p = rf.PeriodicTarget(frequency=0.5, norm=2.0, phase=0.1)
    assert np.allclose(p(X), np.cos(2 * math.pi * 0.5 * 2.0 * X[:, 0] + 0.1), rtol=1e-15, atol=1e-15)
    c = rf.CallableTarget(lambda X: X[:, 1] ** 2, name="x2 squared")
    assert np.array_equal(c(X), X[:, 1] ** 2) and c.label() == "x2 squared"
    assert c.second_moment(3) is None and c.cross_moments(X, None) is None


def test_check_target():
    assert check_target(None) == rf.ReluTarget()
    t = rf.HermiteTarget.single(2)
    assert check_target(t) is t

    def square(X):
        return X[:, 0] ** 2

    c = check_target(square)
    assert isinstance(c, rf.CallableTarget) and c.label() == "square"
    with pytest.raises(TypeError, match="target must be None, a ReluTarget.*got str"):
        check_target("relu")


def test_labels_are_readable():
    assert "|w*| = 2" in rf.ReluTarget(norm=2).label()
    assert "[<w*,x> + 0.5]+" in rf.ReluTarget(bias=0.5).label()
    assert "[<w*,x> - 0.5]+" in rf.ReluTarget(bias=-0.5).label()
    assert rf.HermiteTarget({(1, 1): 1.0}).label() == "Hermite polynomial h1(x1)h1(x2)"
    assert "cos" in rf.PeriodicTarget().label()


@pytest.mark.parametrize("call, exc, match", [
    (lambda: rf.ReluTarget(norm=0.0), ValueError, "norm must be a finite positive number, got 0.0"),
    (lambda: rf.ReluTarget(norm=-1.0), ValueError, "norm must be a finite positive number, got -1.0"),
    (lambda: rf.ReluTarget(norm=float("nan")), ValueError, "norm must be a finite positive number, got nan"),
    (lambda: rf.ReluTarget(norm="1"), TypeError, "norm must be a finite positive number, got '1' \\(str\\)"),
    (lambda: rf.ReluTarget(bias=float("inf")), ValueError, "bias must be a finite number, got inf"),
    (lambda: rf.ReluTarget(bias=True), TypeError, "bias must be a finite number, got True \\(bool\\)"),
    (lambda: rf.ReluTarget(w_star=(0.0, 0.0)), ValueError, "w_star must be a non-zero vector"),
    (lambda: rf.ReluTarget(w_star=(1.0, np.nan)), ValueError, "w_star must contain only finite"),
    (lambda: rf.ReluTarget(w_star=(1.0, 2.0)).weight(3), ValueError, "w_star has dimension 2 but d=3"),
    (lambda: rf.ReluTarget().second_moment(0), ValueError, "d must be a positive integer, got 0"),
    (lambda: rf.ReluTarget().second_moment(2.0), TypeError, "d must be a positive integer, got 2.0"),
    (lambda: rf.ReluTarget().cross_moments(np.ones((2, 3)), [0.0]), ValueError, r"b must have shape \(2,\)"),
    (lambda: rf.ReluTarget().cross_moments([[np.nan, 1.0]]), ValueError, "W must contain only finite"),
    (lambda: rf.ReluTarget()(np.ones((2, 2, 2))), ValueError, "X must be a 2-D array"),
    (lambda: rf.HermiteTarget({}), ValueError, "terms must be a non-empty dict"),
    (lambda: rf.HermiteTarget([(1,), 1.0]), ValueError, "terms must be a non-empty dict"),
    (lambda: rf.HermiteTarget({(1, -1): 1.0}), ValueError, "terms keys must be tuples of non-negative int"),
    (lambda: rf.HermiteTarget({(True,): 1.0}), ValueError, "terms keys must be tuples of non-negative"),
    (lambda: rf.HermiteTarget({(): 1.0}), ValueError, "terms keys must be tuples"),
    (lambda: rf.HermiteTarget({(2,): float("nan")}), ValueError,
     r"coefficient of \(2,\) must be a finite number, got nan"),
    (lambda: rf.HermiteTarget.single(-1), ValueError, "k must be a non-negative integer, got -1"),
    (lambda: rf.HermiteTarget.single(1.5), ValueError, "k must be a non-negative integer, got 1.5"),
    (lambda: rf.HermiteTarget({(0, 0, 1): 1.0}).second_moment(2), ValueError, "uses 3 coordinates but d=2"),
    (lambda: rf.HermiteTarget({(0, 1): 1.0}).cross_moments(np.ones((3, 1))), ValueError,
     "uses 2 coordinates but d=1"),
    (lambda: rf.HermiteTarget({(0, 1): 1.0})(np.ones((3, 1))), ValueError, "uses 2 coordinates but d=1"),
    (lambda: rf.PeriodicTarget(frequency=0), ValueError, "frequency must be a finite positive number, got 0"),
    (lambda: rf.PeriodicTarget(frequency=float("inf")), ValueError,
     "frequency must be a finite positive number, got inf"),
    (lambda: rf.PeriodicTarget(norm=-2), ValueError, "norm must be a finite positive number, got -2"),
    (lambda: rf.PeriodicTarget(phase=float("nan")), ValueError, "phase must be a finite number, got nan"),
    (lambda: rf.PeriodicTarget().second_moment(-3), ValueError, "d must be a positive integer, got -3"),
    (lambda: rf.CallableTarget(42), TypeError, "function must be callable, got int"),
    (lambda: rf.CallableTarget(lambda X: X)(np.ones((4, 2))), ValueError,
     r"target function must return shape \(4,\), got \(4, 2\)"),
])
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
