"""Tail stability (issue 11): Gaussian expectations of biased ReLUs against 50-digit references.

References are mpmath at 50 digits (mp.quad at 30 digits is not reliable here: it stops early): closed
forms (partial moments by their recurrence, Hermite
coefficients, the complex ``g`` of periodic targets) or one-dimensional quadrature (the bivariate
truncated product moment, conditioned on one variable). Inputs are the float values actually used
(an offset is ``b / |w|`` as computed in float, a correlation the exact cosine of the float vectors).

Stated tolerances (relative, wherever the float result is representable, i.e. above 1e-300):
  partial moments, ReLU moments, E[relu]            3e-13
  biased Hermite coefficients                        1e-12
  ReLU second moments and cross-moments (targets)    1e-12
  biased_relu_kernel entries                         1e-11 (an offset rounded by 1e-16 moves a tail
                                                     entry by ~ offset^2 1e-16: 1.6e-13 at 40)
  periodic cross-moments (relative to |E[(Z+b)_+ e^{i tau Z}]|)   1e-11
Offsets run to +-40, weight norms from 1e-8 to 1e8. What is refused, and why, is tested below.
"""

import math
import subprocess
import sys
import textwrap
import tracemalloc

import mpmath as mp
import numpy as np
import pytest
import torch

import rfexplore as rf
from rfexplore import gaussian as g
from rfexplore import tails, validation
from rfexplore.features import FeaturePool
from rfexplore.fit import factor_bytes, gram_bytes, gram_matrix, sample_fit_bytes, sample_inputs

mp.mp.dps = 50


@pytest.fixture(autouse=True)
def fifty_digits():
    """50-digit references whatever another module set mpmath's global precision to (one sets 20 on import)."""
    with mp.workdps(50):
        yield
OFFSETS = [-40.0, -37.0, -30.0, -20.0, -12.0, -7.0, -3.5, -1.0, -1e-3, 0.0, 0.5, 3.0, 9.0, 20.0, 40.0]
NORMS = [1e-8, 1.0, 1e8]
TINY = 1e-300


# --------------------------------------------------------------------------- 50-digit references


def phi_mp(z):
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def g_mp(z):
    """``g(z) = E[(Z + z)_+] = phi(z) + z Phi(z)`` (complex z allowed: Phi(z) = erfc(-z / sqrt 2) / 2)."""
    return phi_mp(z) + z * mp.erfc(-z / mp.sqrt(2)) / 2


def he_mp(n, x):
    """Probabilists' Hermite polynomial ``He_n(x)`` by its recurrence (exact for exact ``x``)."""
    prev, cur = mp.mpf(0), mp.mpf(1)
    for k in range(n):
        prev, cur = cur, x * cur - k * prev
    return cur


def coef_mp(k, B):
    """``c_k(b)``, Hermite coefficients of ``relu(z + b)``: ``g(b)``, ``Phi(b)``, ``phi(b) He_{k-2}(-b) / sqrt(k!)``."""
    if k == 0:
        return g_mp(B)
    if k == 1:
        return mp.ncdf(B)
    return phi_mp(B) * he_mp(k - 2, -B) / mp.sqrt(mp.factorial(k))


def partial_mp(n, t):
    """``J_n(t) = E[(Z - t)_+^n] / n!`` by ``n J_n = J_{n-2} - t J_{n-1}`` (``J_{-1} = phi``, ``J_0 = Q``)."""
    t = mp.mpf(t)
    prev, cur = phi_mp(t), mp.ncdf(-t)
    for k in range(1, n + 1):
        prev, cur = cur, (prev - t * cur) / k
    return cur


def product_moment_mp(a, c, rho):
    """``E[(a + X)_+ (c + Y)_+]``: ``phi(t) int_0^oo u e^{-tu - u^2/2} G(t + u) du`` with ``t = -c`` (``c <= a``),
    ``G(y) = E[(a + X)_+ | Y = y] = s g((a + rho y) / s)``; breakpoints at the scales of both factors."""
    a, c, rho = mp.mpf(a), mp.mpf(c), mp.mpf(rho)
    if c > a:
        a, c = c, a
    t = -c
    s = mp.sqrt((1 - rho) * (1 + rho))
    G = (lambda y: max(a + rho * y, 0)) if s == 0 else (lambda y: s * g_mp((a + rho * y) / s))
    U = (mp.sqrt(t * t + 600) - t) if t >= 0 else (-t + 35)
    z0 = (a + rho * t) / s if s > 0 else mp.mpf(0)
    lam = abs(t) + 1 + (abs(rho) * max(0, -z0) / s if s > 0 else 0)
    geo = (0.01, 0.03, 0.1, 0.3, 1, 2, 4, 8, 16, 32, 64)
    pts = {mp.mpf(0), U} | {k / (1 + abs(t)) for k in geo} | {k / lam for k in geo}
    pts |= {p - t for p in (0, 3, 6, 10, -3, -6, -10)}
    if rho != 0:
        uk = -a / rho - t
        pts.add(uk)
        for k in (0.1, 0.3, 1, 3, 10, 30):
            w = k * max(s, mp.mpf(10) ** -40) / abs(rho)
            pts |= {uk + w, uk - w}
    pts = sorted(p for p in pts if 0 <= p <= U)
    return phi_mp(t) * mp.quad(lambda u: u * mp.exp(-t * u - u * u / 2) * G(t + u), pts)


def exact(x):
    return [mp.mpf(float(v)) for v in np.ravel(x)]


def kernel_mp(w, b, v, c):
    """Biased ReLU kernel entry of float vectors at the norms, offsets and cosine the code computes from
    them (``pair_angles``; the offsets ``b / |w|`` in float). Judged against the exact cosine of the float
    vectors instead, a correlation within ``delta`` of -1 or 1 is an input known only to ``~1e-16 / delta``
    relative (``1 -+ rho`` is what the tail depends on): conditioning, not the algorithm."""
    nw, nv, rho, _, _ = g.pair_angles(torch.as_tensor(np.atleast_2d(w)), torch.as_tensor(np.atleast_2d(v)))
    nw, nv, rho = float(nw[0]), float(nv[0]), float(rho[0, 0])
    return (mp.mpf(nw) * mp.mpf(nv)
            * product_moment_mp(mp.mpf(float(b) / nw), mp.mpf(float(c) / nv), mp.mpf(rho)))


def rel_err(got, ref):
    ref = mp.mpf(ref)
    return float(abs(mp.mpf(float(got)) - ref) / abs(ref))


# --------------------------------------------------------------------------- one dimension


def test_partial_moments_keep_relative_precision_for_every_offset():
    ts = np.array([-40, -12, -3.5, -1, -1e-3, 0, 1e-3, 0.3, 1, 3, 3.49, 3.51, 5, 10, 20, 30, 37.5])
    lj = tails.log_partial_moments(ts, 2)
    worst = 0.0
    for i, t in enumerate(ts):
        for n in range(3):
            ref = mp.log(partial_mp(n, float(t)))
            worst = max(worst, abs(float(ref) - lj[n, i]) / 1.0)         # log error = relative error
    assert worst <= 3e-13, worst


@pytest.mark.parametrize("std", NORMS)
def test_relu_gaussian_mean_relative_precision(std):
    means = np.array(OFFSETS) * std
    got = g.relu_gaussian_mean(means, std)
    for m, val in zip(means, got, strict=True):
        ref = mp.mpf(std) * g_mp(mp.mpf(float(m)) / mp.mpf(std))
        if ref > TINY:
            assert rel_err(val, ref) <= 3e-13, (m, std, val, ref)
        else:
            assert 0.0 <= val <= 1e-290                                 # below the float range: ~0, never negative


def test_biased_hermite_coefficients_relative_precision():
    b = np.array(OFFSETS)
    C = g.biased_relu_hermite_coefficients(6, b)
    for j, bj in enumerate(b):
        B = mp.mpf(float(bj))
        for k in range(7):
            ref = coef_mp(k, B)
            if abs(ref) > TINY:
                assert rel_err(C[k, j], ref) <= 1e-12, (bj, k, C[k, j], ref)
            else:
                assert abs(C[k, j]) <= 1e-290


def test_c0_no_longer_cancels():
    """c_0 = phi(b) + b Phi(b) for b << 0 was a difference of two nearly equal numbers (issue 11)."""
    c0 = g.biased_relu_hermite_coefficients(0, np.array([-10.0, -20.0, -35.0]))[0]
    for b, val in zip([-10.0, -20.0, -35.0], c0, strict=True):
        assert rel_err(val, g_mp(mp.mpf(b))) <= 1e-13


# --------------------------------------------------------------------------- the kernel


def kernel_cases():
    """(offset a, offset c, correlation, norm of w, norm of v): offsets to +-40, correlations to +-1,
    norms 1e-8..1e8; a fixed, spread selection (each needs a 50-digit quadrature)."""
    rng = np.random.default_rng(0)
    rhos = [-1.0, -1 + 1e-10, -0.999, -0.9, -0.3, 0.0, 0.4, 0.9, 0.999999, 1 - 1e-10, 1.0]
    cases = []
    for a in OFFSETS:
        for _ in range(2):
            c = float(rng.choice(OFFSETS))
            r = float(rng.choice(rhos))
            cases.append((a, c, r, float(rng.choice(NORMS)), float(rng.choice(NORMS))))
    cases += [(-12.0, -30.0, 0.99, 1.0, 1.0), (-5.0, -7.0, 0.9, 1.0, 1.0), (-1e-3, -1e-3, -0.9999999, 1.0, 1.0),
              (3.0, -8.0, 0.999999, 1e8, 1e-8), (-20.0, 5.0, 0.2, 1.0, 1e8), (-37.0, -37.0, 1.0, 1.0, 1.0)]
    return cases


def pair(a, c, rho, nw, nv):
    w = np.array([nw, 0.0, 0.0])
    s = math.sqrt((1 - rho) * (1 + rho))
    v = nv * np.array([rho, s, 0.0])
    return w, a * nw, v, c * nv


def test_biased_kernel_relative_precision_in_the_tails():
    worst, n_checked = 0.0, 0
    for a, c, rho, nw, nv in kernel_cases():
        w, b, v, cc = pair(a, c, rho, nw, nv)
        got = float(g.biased_relu_kernel(w[None], [b], v[None], [cc])[0, 0])
        ref = kernel_mp(w, b, v, cc)
        if ref > TINY:
            err = rel_err(got, ref)
            worst = max(worst, err)
            n_checked += 1
            assert err <= 1e-11, (a, c, rho, nw, nv, got, ref)
        else:
            assert 0.0 <= got <= 1e-290, (a, c, rho, got, ref)
    assert n_checked >= 20
    print(f"biased kernel: max relative error {worst:.2e} over {n_checked} representable entries")


def test_issue_11_second_moments():
    """ReluTarget(bias=b).second_moment(3) was 5.02e-14 at b=-7 (exact 4.76e-14), 2.9e-15 at -8 (exact
    1.8e-17) and negative at -9."""
    for b in [-7.0, -8.0, -9.0, -20.0, -36.0]:
        got = rf.ReluTarget(bias=b).second_moment(3)
        # exp of a logarithm near -660 carries its rounding: 660 * 2^-52 = 1.5e-13
        assert rel_err(got, 2 * partial_mp(2, -b)) <= 3e-13, (b, got)


def test_relu_target_moments_relative_precision():
    """E[y^2] for every norm against 50 digits; cross-moments at norm 1 against 50 digits, and at norms
    1e-8 and 1e8 against those (both sides are homogeneous: scaling w*, bias, W and b by n scales k by n^2)."""
    W = np.array([[1.0, 0.0], [0.6, 0.8], [-1.0, 1e-6], [0.0, 1.0], [1.0, 1e-9]])
    b = np.array([-30.0, -2.0, 5.0, -12.0, -36.0])
    for beta in [-36.0, -20.0, -3.0, 0.0, 40.0]:
        unit = rf.ReluTarget(bias=beta)
        k = unit.cross_moments(W, b)
        for i in range(len(W)):
            ref = kernel_mp(W[i], b[i], unit.weight(2), unit.bias)
            if ref > TINY:
                assert rel_err(k[i], ref) <= 1e-11, (beta, i, k[i], ref)
            else:
                assert 0.0 <= k[i] <= 1e-290
        for norm in NORMS:
            target = rf.ReluTarget(norm=norm, bias=beta * norm)
            ref = mp.mpf(norm) ** 2 * 2 * partial_mp(2, -beta)
            if ref < TINY:
                with pytest.raises(ValueError, match=r"has E\[y\^2\] = 10\^-30\d\.\d, outside the range"):
                    target.second_moment(2)
            else:
                assert rel_err(target.second_moment(2), ref) <= 3e-13
            kn = target.cross_moments(W * norm, b * norm)
            ok = k * norm * norm > 1e-290
            np.testing.assert_allclose(kn[ok], k[ok] * norm * norm, rtol=1e-13, atol=0)


def test_gram_matrix_agrees_with_the_precise_kernel_to_its_stated_absolute_precision():
    pool = rf.sample_features(4, 150, bias_std=4.0, seed=2)
    K_fast = gram_matrix(pool).numpy()
    K = g.biased_relu_kernel(pool.W, pool.b)
    scale = 1.0 + np.abs(pool.b)                     # unit weights: offsets are the biases
    assert np.all(np.abs(K_fast - K) <= 3e-15 * np.outer(scale, scale))
    assert np.all(K >= 0)


# --------------------------------------------------------------------------- periodic and Hermite targets


@pytest.mark.parametrize("frequency, norm", [(0.2, 1.0), (1.0, 1.0), (3.0, 1.0), (1.0, 1e-8), (1e-8, 1e8)])
def test_periodic_cross_moments_relative_precision(frequency, norm):
    target = rf.PeriodicTarget(frequency=frequency, norm=norm, phase=0.7)
    t = mp.mpf(target.t)
    U = np.array([[1.0, 0.0], [0.8, 0.6], [-0.28, 0.96], [1e-4, 1.0]])
    for beta in [-30.0, -12.0, -2.0, 0.0, 1.5, 10.0]:
        for scale in (1e-8, 1.0, 1e8):
            W, b = U * scale, np.full(len(U), beta * scale)
            got = target.cross_moments(W, b)
            for i, row in enumerate(U):
                u = exact(row)
                nu = mp.sqrt(mp.fsum(x * x for x in u))
                u1, perp2 = u[0] / nu, mp.fsum(x * x for x in u[1:]) / nu ** 2
                B = mp.mpf(float(b[i])) / (nu * scale)
                tau = t * u1
                F = mp.exp(-tau * tau / 2) * g_mp(B + 1j * tau)          # E[(Z + B)_+ e^{i tau Z}]
                weight = nu * scale * mp.exp(-t * t * perp2 / 2)
                ref = weight * mp.re(mp.exp(1j * mp.mpf(0.7)) * F)
                size = weight * abs(F)
                if size > TINY:
                    assert float(abs(mp.mpf(got[i]) - ref) / size) <= 1e-11, (beta, scale, i, got[i], ref)


def test_periodic_high_frequency_needs_no_series():
    """The closed form costs O(r) at any frequency; the Hermite series would need t^2 coefficients."""
    target = rf.PeriodicTarget(frequency=1e4)
    W = np.array([[1.0, 0.0], [0.6, 0.8]])
    k = target.cross_moments(W, np.array([-3.0, 0.0]))
    tau = mp.mpf(target.t)
    ref = mp.re(mp.exp(-tau * tau / 2) * g_mp(mp.mpf(-3) + 1j * tau))
    assert abs(k[0] - float(ref)) <= 1e-11 * float(abs(mp.exp(-tau * tau / 2) * g_mp(mp.mpf(-3) + 1j * tau)))
    assert k[1] == 0.0                                      # exp(-t^2 0.64 / 2) underflows, as it should
    with pytest.raises(MemoryError, match="Hermite coefficients of frequency 1e\\+06"):
        rf.PeriodicTarget(frequency=1e6).hermite_coefficients()


def test_periodic_second_moment_without_cancellation():
    """E[sin^2(t z)] = (1 - exp(-2 t^2)) / 2 ~ t^2 for small t (phase pi/2)."""
    for f in [1e-3, 1e-6, 1e-9]:
        target = rf.PeriodicTarget(frequency=f, phase=math.pi / 2)
        t = mp.mpf(target.t)
        ph = mp.mpf(math.pi / 2)
        ref = (1 + mp.cos(2 * ph) * mp.exp(-2 * t * t)) / 2
        assert rel_err(target.second_moment(1), ref) <= 1e-13


def test_hermite_target_cross_moments_with_tail_features():
    target = rf.HermiteTarget({(3,): 1.0, (0, 2): -0.5})
    W = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 2.0]])
    b = np.array([-25.0, -8.0, -30.0])
    k = target.cross_moments(W, b)
    # E[relu(<w,x>+b) h_3(x_1)] = |w| c_3(b/|w|) u_1^3 and E[... h_2(x_2)] = |w| c_2(b/|w|) u_2^2
    for i in range(3):
        u = W[i] / np.linalg.norm(W[i])
        nw = mp.mpf(float(np.linalg.norm(W[i])))
        B = mp.mpf(float(b[i])) / nw
        c2, c3 = coef_mp(2, B), coef_mp(3, B)
        ref = nw * (c3 * mp.mpf(float(u[0])) ** 3 - 0.5 * c2 * mp.mpf(float(u[1])) ** 2)
        if abs(ref) > TINY:
            assert rel_err(k[i], ref) <= 1e-12, (i, k[i], ref)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("target, match", [
    (rf.ReluTarget(bias=-38.0), r"E\[y\^2\] = 10\^-318\.4, outside the range \[1e-300, 1e\+300\]"),
    (rf.ReluTarget(bias=-40.0), r"E\[y\^2\] = 10\^-352\.3"),
    (rf.ReluTarget(bias=-50.0), r"ReluTarget\(norm=1, bias=-50\) has E\[y\^2\]"),
    (rf.ReluTarget(norm=1e-170, bias=-1e-170), r"E\[y\^2\] = 10\^-341"),
    (rf.ReluTarget(norm=1e160), r"E\[y\^2\] = 10\^319"),
    (rf.HermiteTarget({(1,): 1e-200}), r"Hermite target has E\[y\^2\] = 10\^-400"),
    (rf.HermiteTarget({(1,): 0.0}), r"all coefficients 0\) has E\[y\^2\] = 0"),
    (rf.HermiteTarget({(1,): 1e200}), r"E\[y\^2\] = 10\^400"),
])
def test_meaningless_targets_are_refused_with_the_reason(target, match):
    with pytest.raises(ValueError, match=match):
        target.second_moment(2)
    with pytest.raises(ValueError, match=match):
        rf.rf_error_curve(2, [5], target=target)


def test_issue_11_tail_curves_are_in_the_unit_interval():
    """rf_error_curve(5, [10, 100, 500], bias_std=1, target=ReluTarget(bias=-12)) reported 30,494; bias -30
    gave 1.1e169, -38 1.9e287, -40/-50 NaN or -inf. Now: numbers in [0, 1], or a refusal."""
    for b in [-12.0, -30.0, -36.0]:
        c = rf.rf_error_curve(5, [10, 100, 500], bias_std=1.0, target=rf.ReluTarget(bias=b))
        assert np.all((c.relative_errors >= 0) & (c.relative_errors <= 1)), (b, c.relative_errors)
    c = rf.rf_error_curve(5, [10, 100, 500], bias_std=6.0, target=rf.ReluTarget(bias=-6.0))
    assert np.all(np.diff(c.relative_errors) <= 0) and 0 <= c.relative_errors.min() < 1


@pytest.mark.parametrize("beta", [-5.0, -12.0, -20.0, -30.0, -36.0])
def test_a_feature_equal_to_the_target_explains_it_in_the_tail(beta):
    """Consistency of three independent tail computations: the Gram entry (closed form / stable
    kernel), the cross-moment (stable kernel) and E[y^2] (partial moments)."""
    w = np.array([[1.0, 0.0], [0.3, -0.9]])
    pool = FeaturePool(w, np.array([beta, 0.4]), "sphere", False, 0.0, 0)
    errs = rf.fit_nested(pool, rf.ReluTarget(bias=beta), jitter=0.0).relative_errors()
    assert abs(errs[0]) <= 1e-12 and abs(errs[1]) <= 1e-12, errs


def test_relative_errors_do_not_depend_on_the_scale_of_the_target():
    base = rf.rf_error_curve(3, [5, 40], bias_std=1.0, target=rf.ReluTarget(bias=-2.0), seed=1).relative_errors
    for n in [1e-8, 1e8]:
        e = rf.rf_error_curve(3, [5, 40], bias_std=1.0, target=rf.ReluTarget(norm=n, bias=-2.0 * n),
                              seed=1).relative_errors
        np.testing.assert_allclose(e, base, rtol=1e-10, atol=1e-13)


def test_relative_errors_in_the_unit_interval_over_a_wide_grid():
    """Biases (as multiples of the norm) to -34 and +40, norms 1e-8..1e8, d, widths, bias_std,
    sign-symmetric or not: every relative error is in [0, 1] up to the reported jitter (a negative
    error is rounding of a near-perfect fit: at most 1e-10 below 0 here)."""
    worst_low, worst_high, n = 0.0, 0.0, 0
    for d in (1, 4):
        for bias_std in (0.0, 0.5, 3.0, 30.0):
            for symmetric in (False, True):
                pool = rf.sample_features(d, 40, bias_std=bias_std, symmetric=symmetric, seed=d)
                nested = rf.fit_nested(pool, rf.ReluTarget())
                for beta in (-34.0, -20.0, -6.0, -1.0, 0.0, 2.0, 40.0):
                    for norm in (1e-8, 1.0, 1e8):
                        errs = nested.retarget(rf.ReluTarget(norm=norm, bias=beta * norm)).relative_errors()
                        assert np.all(np.isfinite(errs))
                        worst_low = min(worst_low, errs.min())
                        worst_high = max(worst_high, errs.max())
                        n += errs.size
    assert worst_high <= 1.0 and worst_low >= -1e-10, (worst_low, worst_high)
    assert n > 10_000


def test_issue_11_validation_regressions():
    with pytest.raises(ValueError, match="samples must be a positive integer, got -5"):
        rf.rf_error_curve(5, [10], samples=-5)
    with pytest.raises(TypeError, match="samples must be a positive integer, got 'abc'"):
        rf.rf_error_curve(5, [10], samples="abc")
    with pytest.raises(ValueError, match="samples is used only for targets without a closed form"):
        rf.rf_error_curve(5, [10], samples=100)
    with pytest.raises(ValueError, match="width must be at most 2\\*\\*40.*got 18446744073709551616"):
        rf.rf_error_curve(5, [2**64])
    with pytest.raises(ValueError, match="bias_std must be at most 1e\\+100"):
        rf.rf_error_curve(5, [10], bias_std=1e200)
    with pytest.raises(MemoryError, match="needs about .* GiB"):
        rf.rf_error_curve(10**12, [10])
    with pytest.raises(MemoryError, match="Gram matrix of 1000000000000 features needs about"):
        rf.rf_error_curve(5, [10**12])
    with pytest.raises(MemoryError, match="a pool of 10 features in dimension 1000000000000 needs"):
        rf.sample_features(10**12, 10)
    with pytest.raises(ValueError, match="target 'zero' has mean square 0 on the"):
        rf.fit_samples(rf.sample_features(2, 3), rf.CallableTarget(lambda X: 0 * X[:, 0], "zero"), n=50)
    with pytest.raises(ValueError, match="must be finite on Gaussian inputs"):
        rf.fit_samples(rf.sample_features(2, 3), lambda X: np.where(X[:, 0] > 0, np.inf, 1.0), n=50)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(W="abc"), TypeError, "W must be a real 2-D array"),
    (dict(W=np.ones((2, 2, 2))), ValueError, "W must be a 2-D array"),
    (dict(W=[[np.nan, 1.0]]), ValueError, "W must contain only finite numbers"),
    (dict(b=np.ones(3)), ValueError, r"b must have shape \(2,\), got shape \(3,\)"),
    (dict(distribution="uniform"), ValueError, "distribution must be one of"),
    (dict(symmetric=1), TypeError, "symmetric must be True or False, got 1"),
    (dict(bias_std=-1.0), ValueError, "bias_std must be a finite non-negative number, got -1.0"),
    (dict(seed=2**40), ValueError, "seed must be a non-negative integer below 2\\*\\*32"),
])
def test_feature_pool_validates_its_fields(kwargs, exc, match):
    fields = dict(W=np.eye(2), b=None, distribution="sphere", symmetric=False, bias_std=0.0, seed=0)
    fields.update(kwargs)
    with pytest.raises(exc, match=match):
        FeaturePool(**fields)


def test_fit_samples_counts_what_it_really_needs(monkeypatch):
    """fit_samples with n = 1.2e6 and 1,000 features passed its check but needs about 27 GiB (issue 11)."""
    assert sample_fit_bytes(1_200_000, 1_200_000, 1000, 5) / 2**30 >= 26.8
    monkeypatch.setattr(validation, "available_bytes", lambda dev=None: 16 * 2**30)
    with pytest.raises(MemoryError, match=r"fitting 1000 features on 1200000 samples needs about 2[67]\.\d GiB"):
        rf.fit_samples(rf.sample_features(5, 1000), n=1_200_000)


# --------------------------------------------------------------------------- estimates against real peaks


def traced_peak(fn):
    """Peak of numpy allocations during ``fn()`` (tracemalloc sees numpy, not torch's allocator)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rss_peak(setup, call):
    """Growth of the resident set size from before ``call`` to its peak during ``call``, in a fresh
    interpreter (torch tensors are invisible to tracemalloc): the peak (``VmHWM``) is reset first by
    writing 5 to ``/proc/self/clear_refs`` (Linux). ``setup`` runs first, with a small warm-up; bytes."""
    code = textwrap.dedent(f"""
        import numpy as np, torch, rfexplore as rf
        from rfexplore import gaussian as g
        from rfexplore.fit import fit_samples, gram_matrix
        torch.set_num_threads(1)
        def status(key):
            with open("/proc/self/status") as fh:
                return next(int(line.split()[1]) for line in fh if line.startswith(key))
        {setup}
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = status("VmRSS:")
        {call}
        print(status("VmHWM:") - before)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return 1024.0 * int(out.stdout.split()[-1])             # kB


def test_numpy_estimates_are_not_below_the_traced_peak():
    pool = rf.sample_features(30, 2000, bias_std=1.0, seed=0)
    X = np.random.default_rng(0).standard_normal((3000, 30))
    slack = 2**16                                      # interpreter bookkeeping, not proportional to the input
    cases = [  # (call, the estimate its memory check uses)
        (lambda: rf.sample_features(50, 20_000, symmetric=True, seed=0), 3 * 8.0 * 20_000 * 50 + 8.0 * 3 * 20_000),
        (lambda: pool.evaluate(X), 2 * 8.0 * 3000 * 2000),
        (lambda: sample_inputs(20_000, 30, 0, n_test=10_000), 8.0 * 30_000 * 30),
        (lambda: rf.HermiteTarget.single(60).cross_moments(pool.W, pool.b), 6 * 8.0 * 61 * 2000),
    ]
    for call, estimate in cases:
        peak = traced_peak(call)
        assert 0.5 * estimate <= peak <= estimate + slack, (peak, estimate)


@pytest.mark.parametrize("name, setup, call, estimate", [
    ("biased kernel (closed form)",
     "p = rf.sample_features(20, 1200, bias_std=1.0, seed=0); g.biased_relu_kernel(p.W[:10], p.b[:10], precise=False)",
     "g.biased_relu_kernel(p.W, p.b, precise=False)", lambda: g.biased_kernel_bytes(1200, 1200, False)),
    ("biased kernel (tail-stable)",
     "p = rf.sample_features(20, 600, bias_std=3.0, seed=0); g.biased_relu_kernel(p.W[:10], p.b[:10])",
     "g.biased_relu_kernel(p.W, p.b)", lambda: g.biased_kernel_bytes(600, 600, True)),
    ("relu kernel", "W = np.random.default_rng(0).standard_normal((1500, 20)); g.relu_kernel(W[:5])",
     "g.relu_kernel(W)", lambda: 4 * 8.0 * 1500 * 1500),
    ("fit_samples", "p = rf.sample_features(20, 300, seed=0); fit_samples(p, n=100)",
     "fit_samples(p, n=60_000)", lambda: sample_fit_bytes(60_000, 60_000, 300, 20)),
    ("Gram, biased", "p = rf.sample_features(20, 1200, bias_std=1.0, seed=0); gram_matrix(p.head(10))",
     "gram_matrix(p)", lambda: gram_bytes(1200, True)),
    ("Gram, biased, sign-symmetric (half-pool kernel)",
     "p = rf.sample_features(20, 1200, bias_std=1.0, symmetric=True, seed=0); gram_matrix(p.head(10))",
     "gram_matrix(p)", lambda: gram_bytes(1200, True)),
    # the whole curve of a biased pool (Gram in row blocks, factor, a budget QP): measured 2.75-3.7 R^2
    # doubles, checked as rf_error_curve's estimate (~4.4 R^2)
    ("rf_error_curve, biased, budget", "rf.rf_error_curve(5, [10], bias_std=1.0, magnitude=1.0)",
     "rf.rf_error_curve(20, [600, 1200], bias_std=1.0, magnitude=0.5)",
     lambda: 8.0 * 3 * 1200 * 20 + factor_bytes(1200, True) + 2 * 8.0 * 1200 * 1200),
])
def test_memory_estimates_are_not_below_the_measured_peak(name, setup, call, estimate):
    try:
        measured = rss_peak(setup, call)
    except (subprocess.CalledProcessError, OSError) as exc:     # no /proc/self/clear_refs (not Linux)
        pytest.skip(f"peak resident set size cannot be reset here: {exc}")
    assert measured > 0.3 * estimate(), (name, measured, estimate())      # the measurement saw the work
    assert estimate() >= measured, (name, measured / 2**20, estimate() / 2**20)


def test_torch_tensors_are_invisible_to_tracemalloc():
    """Why the torch paths are measured by resident set size in a subprocess."""
    assert traced_peak(lambda: torch.ones(500, 500, dtype=torch.float64)) < 8 * 500 * 500 / 100


# --------------------------------------------------------------------------- float range, signs, devices


def test_kernel_entries_that_would_overflow_are_refused():
    with pytest.raises(ValueError, match=r"W rows must be at most 1e\+150 in size.*got up to 2e\+150"):
        rf.relu_kernel(np.full((2, 4), 1e150))
    with pytest.raises(ValueError, match=r"V rows must be at most 1e\+150"):
        rf.relu_kernel(np.eye(2), np.full((1, 2), 2e150))
    with pytest.raises(ValueError, match=r"W rows \(norm \+ \|b\|\) must be at most 1e\+150.*got up to 1e\+151"):
        rf.biased_relu_kernel(np.eye(2), [1e151, 0.0])
    with pytest.raises(ValueError, match=r"V rows \(norm \+ \|c\|\) must be at most"):
        rf.biased_relu_kernel(np.eye(2), [0.0, 0.0], np.eye(2), [0.0, -1e160])
    with pytest.raises(ValueError, match=r"norm \+ \|bias\| of a ReluTarget must be at most 1e\+150"):
        rf.ReluTarget(norm=1e151).cross_moments(np.eye(2))
    # just inside: finite entries, the diagonal E[(|w| Z + b)_+^2] = |w|^2 ((1 + beta^2) Phi(beta) + beta phi(beta))
    K = rf.biased_relu_kernel(np.eye(2) * 1e140, [1e140, 0.0])
    assert np.all(np.isfinite(K))
    beta = 1.0
    exact = 1e280 * ((1 + beta**2) * 0.5 * math.erfc(-beta / math.sqrt(2))
                     + beta * math.exp(-0.5) / math.sqrt(2 * math.pi))
    assert rel_err(K[0, 0], exact) <= 1e-11 and rel_err(K[1, 1], 0.5e280) <= 1e-11     # the kernel tolerance above


def test_arc_cosine_kernel_of_opposite_rows_is_never_negative():
    """sin + (pi - theta) cos is >= 0; at theta = pi it is 0, and rounding of arccos must not make it -1e-17."""
    W = np.random.default_rng(0).standard_normal((300, 7)) * 10.0 ** np.random.default_rng(1).uniform(-8, 8, (300, 1))
    K = rf.relu_kernel(np.vstack([W, -W]))
    assert K.min() >= 0.0
    np.testing.assert_array_less(np.abs(np.diag(K[:300, 300:])), 1e-12 * np.diag(K[:300, :300]))


@pytest.mark.parametrize("tiny", [1e-200, 1e-160])
def test_bivariate_cdf_at_offsets_whose_product_underflows(tiny):
    """Owen's T form: beta = 1/2 when h and k have opposite signs, decided by the signs (h k underflows)."""
    for rho in (-0.6, 0.0, 0.3, 0.9):
        exact = 0.25 + math.asin(rho) / (2 * math.pi)          # P(X < 0, Y < 0)
        for h, k in ((tiny, -tiny), (-tiny, tiny), (tiny, tiny), (-tiny, -tiny)):
            assert abs(float(g.bivariate_normal_cdf(h, k, rho)) - exact) <= 1e-15, (h, k, rho)


def test_the_device_is_validated():
    with pytest.raises(ValueError, match="device must be None, 'cpu', 'cuda' or a torch.device, got 'bogus'"):
        rf.relu_kernel(np.eye(2), device="bogus")
    with pytest.raises(TypeError, match="device must be .* got 3"):
        rf.fit_nested(rf.sample_features(2, 3), device=3)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device 'cuda:7' is not available"):
            rf.rf_error_curve(3, [4], device="cuda:7")


def test_biased_hermite_coefficients_validate_and_check_memory():
    with pytest.raises(TypeError, match="b must be a real number or array of offsets, got str"):
        rf.biased_relu_hermite_coefficients(3, "x")
    with pytest.raises(ValueError, match="b must be finite"):
        rf.biased_relu_hermite_coefficients(3, [0.0, np.nan])
    with pytest.raises(MemoryError, match=r"1000000000001 Hermite coefficients for 1 offsets needs about"):
        rf.biased_relu_hermite_coefficients(10**12, 0.0)


def test_periodic_target_with_a_huge_frequency_is_refused_or_memory_checked():
    """A high-frequency periodic target must be refused (t = 2 pi f |w*| and t^2 beyond the float range) or its
    Hermite series memory-checked, never overflow (OverflowError) or return NaN cross-moments."""
    with pytest.raises(ValueError, match=r"frequency \* norm of a PeriodicTarget must be at most 1.59e\+149 .*"
                                         r"got frequency=1e\+200, norm=1"):
        rf.PeriodicTarget(frequency=1e200)
    with pytest.raises(ValueError, match=r"got frequency=1e\+300, norm=1e\+10"):
        rf.PeriodicTarget(frequency=1e300, norm=1e10)             # the product overflows to inf
    with pytest.raises(MemoryError, match=r"the 3.95e\+17 Hermite coefficients of frequency 1e\+08 needs about"):
        rf.PeriodicTarget(frequency=1e8).hermite_coefficients()
    W = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    b = np.array([0.0, 1.0, -2.0])
    for f in (1e10, 1e100, 1e140):
        p = rf.PeriodicTarget(frequency=f)
        assert p.second_moment(3) == 0.5
        k = p.cross_moments(W, b)
        # E[relu(z) cos(t z)] = -1 / (sqrt(2 pi) t^2) + O(t^-4) (the kink); the other two are exp(-t^2 ...) ~ 0
        t = 2 * math.pi * f
        assert rel_err(k[0], -1.0 / (math.sqrt(2 * math.pi) * t * t)) <= 1e-12
        assert k[1] == 0.0 and abs(k[2]) <= 1e-300
    c = rf.rf_error_curve(3, [10, 40], bias_std=1.0, target=rf.PeriodicTarget(frequency=1e140))
    assert np.all((c.relative_errors >= 0) & (c.relative_errors <= 1)) and c.relative_errors.min() > 1 - 1e-12


# --------------------------------------------------------------------------- triangle waves, the biased neuron


def test_triangle_waves_with_too_many_kinks_are_refused_before_allocating():
    """period 1e-7 (1.6e9 pieces) allocated until the kernel was killed; period 1e-300 overflowed the count."""
    T = rf.TriangleWaveTarget
    with pytest.raises(MemoryError, match=r"E\[y\^2\] of a triangle wave over 1600000002 pieces needs about 19\d"):
        T(period=1e-7).second_moment(3)
    with pytest.raises(MemoryError, match=r"over inf pieces needs about inf GiB.*use a larger period or a"):
        T(period=1e-300, norm=1e10).second_moment(3)
    with pytest.raises(MemoryError, match=r"cross-moments of 3 features with a triangle wave over 400000002 pieces"):
        T(period=1e-7).cross_moments(np.eye(3), [0.0, 1.0, -2.0])
    with pytest.raises(MemoryError, match=r"the 4e\+12 kinks of a triangle wave of period 1e-12 in \(-1, 1\)"):
        T(period=1e-12).kinks(-1.0, 1.0)
    with pytest.raises(MemoryError, match=r"the decomposition of a triangle wave of period 1 on \|z\| <= 1e\+12"):
        rf.relu_decomposition(T(), 1e12)
    with pytest.raises(MemoryError, match=r"decomposition of a triangle wave of period 1 on \|z\| <= 1e\+09"):
        rf.periodic_chain(rf.sample_features(3, 20, bias_std=1.0), T(), T=1e9)


def test_triangle_waves_outside_the_float_range_are_refused():
    with pytest.raises(ValueError, match=r"TriangleWaveTarget\(period=1e\+200, norm=1e-200\) has E\[y\^2\] = 0"):
        rf.TriangleWaveTarget(period=1e200, norm=1e-200).second_moment(3)
    with pytest.raises(ValueError, match=r"period=1e\+300, norm=1e\+300\) has E\[y\^2\] = beyond the float range"):
        rf.TriangleWaveTarget(period=1e300, norm=1e300).second_moment(3)


def test_biased_neuron_training_checks_steps_and_memory():
    target = rf.ReluTarget(bias=-1.0)
    with pytest.raises(ValueError, match="steps must be at most 10000000 .*got 1000000000000"):
        rf.train_biased_neuron(3, target=target, steps=10**12, lr=0.1)
    with pytest.raises(MemoryError, match="training a biased neuron in d=1000000000000 for 3 steps needs about"):
        rf.train_biased_neuron(10**12, target=target, steps=3, lr=0.1)


def test_numpy_estimates_of_triangle_waves_and_the_biased_neuron_are_not_below_the_traced_peak():
    from rfexplore import periodic
    pool = rf.sample_features(3, 50, bias_std=1.0, seed=0)
    tri = rf.TriangleWaveTarget(period=1e-2)
    target = rf.ReluTarget(bias=-1.0)
    cases = [  # (call, the estimate its memory check uses)
        (lambda: tri.second_moment(3), 16 * 8.0 * tri.kink_count(-40.0, 40.0) + 2**16),
        (lambda: tri.cross_moments(pool.W, pool.b), tri.cross_moment_bytes(50)),
        (lambda: rf.TriangleWaveTarget(period=1e-4).cross_moments(pool.W[:2], pool.b[:2]),    # one row a chunk
         rf.TriangleWaveTarget(period=1e-4).cross_moment_bytes(2)),
        (lambda: rf.relu_decomposition(rf.TriangleWaveTarget(), 300.0),
         periodic.decomposition_bytes(rf.TriangleWaveTarget(), 300.0)),
        (lambda: rf.train_biased_neuron(200_000, target=target, steps=3, lr=0.1),
         8.0 * (12 * 4 + 10 * 200_000) + 2**16),
        (lambda: rf.train_biased_neuron(3, target=target, steps=400, lr=0.1), 8.0 * (12 * 401 + 30) + 2**16),
    ]
    for i, (call, estimate) in enumerate(cases):
        peak = traced_peak(call)
        assert 0.3 * estimate <= peak <= estimate, (i, peak, estimate)
