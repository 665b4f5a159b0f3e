"""The staircase in dimension d: spherical-harmonic energies of the ReLU, residuals, step widths.

Oracles: the Funk–Hecke series against the closed arc-cosine kernel, Gamma-function closed forms,
Monte Carlo on the sphere, the d -> oo Hermite limit, and the exact RF error (homogeneity).
"""

import math

import numpy as np
import pytest
from scipy import special

from rfexplore import fit_nested, relu_kernel, sample_features
from rfexplore.gaussian import (
    harmonic_dimension,
    relu_hermite_coefficients,
    relu_hermite_residuals,
    relu_sphere_energies,
    relu_sphere_residuals,
    relu_staircase,
    rf_staircase,
)


def _gegenbauer(l, d, t):
    """Gegenbauer polynomial of degree l for the sphere in R^d, normalized to P_l(1) = 1."""
    a = (d - 3) / 2
    return special.eval_jacobi(l, a, a, t) / special.eval_jacobi(l, a, a, 1.0)


@pytest.mark.parametrize("d", [2, 3, 7, 20])
@pytest.mark.parametrize("rho", [-0.6, 0.0, 0.3, 0.8])
def test_funk_hecke_series_is_the_arc_cosine_kernel(d, rho):
    # kappa(rho) for unit w, v = E[relu^2] * sum_l e_l P_l(rho), E[relu(<w,x>)^2] = 1/2
    e = relu_sphere_energies(d, 240)
    series = 0.5 * sum(e[l] * _gegenbauer(l, d, rho) for l in range(0, 241))
    w = np.zeros(d)
    v = np.zeros(d)
    w[0] = 1.0
    v[0], v[1] = rho, math.sqrt(1 - rho * rho)
    assert series == pytest.approx(relu_kernel(w, v)[0, 0], abs=1e-9)


@pytest.mark.parametrize("d", [2, 3, 5, 10, 50, 1000])
def test_closed_forms_of_degrees_zero_one_and_odd(d):
    e = relu_sphere_energies(d, 9)
    # e_0 = 2d (E[relu(t)])^2, E[relu(t)] = Gamma(d/2) / (2 sqrt(pi) Gamma((d+1)/2))
    mean = math.exp(math.lgamma(d / 2) - math.lgamma((d + 1) / 2)) / (2 * math.sqrt(math.pi))
    assert e[0] == pytest.approx(2 * d * mean**2, rel=1e-12)
    assert e[1] == 0.5
    assert np.all(e[3::2] == 0.0)
    assert relu_sphere_residuals(d, 1)[0] == pytest.approx(0.5 - 2 * d * mean**2, rel=1e-11)


def test_d3_closed_form_and_energies_sum_to_one():
    # d = 3: t = <w,u> is uniform on [-1, 1], E[relu(t)] = 1/4, E[relu(t)^2] = 1/6 -> e_0 = 3/8
    assert relu_sphere_energies(3, 0)[0] == pytest.approx(0.375, rel=1e-14)
    assert relu_sphere_residuals(3, [0, 1]) == pytest.approx([0.625, 0.125], rel=1e-13)
    for d in (2, 5, 30):
        # the tail after degree 400 is below 1e-5 (it decays like L^(-3/2) times a d-dependent constant)
        assert relu_sphere_energies(d, 400).sum() == pytest.approx(1.0, abs=1e-5)


def test_energies_when_the_number_of_directions_exceeds_floats():
    # N(1000, 400) ~ 1e362 overflows a float while its energy share is ~1e-7: still finite, and the
    # shares still sum to one (tail after degree 400 below 1e-5, as above)
    assert harmonic_dimension(1000, 400) > 10 ** 360
    e = relu_sphere_energies(1000, 400)
    assert np.isfinite(e).all() and (e >= 0).all()
    assert e.sum() == pytest.approx(1.0, abs=1e-5)
    assert 0 < e[400] < 1e-6
    assert np.isfinite(rf_staircase(1000, max_degree=400)[1]).all()


def test_monte_carlo_degree_two_share():
    # c_2 = E[relu(t) P_2(t)] with P_2(t) = (d t^2 - 1)/(d - 1), e_2 = N(d,2) c_2^2 / E[relu(t)^2]
    d = 6
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400_000, d))
    t = x[:, 0] / np.linalg.norm(x, axis=1)
    f = np.maximum(t, 0.0) * (d * t * t - 1) / (d - 1)
    c2, se = f.mean(), f.std() / math.sqrt(len(f))
    e2_mc = harmonic_dimension(d, 2) * c2**2 * 2 * d
    e2_se = harmonic_dimension(d, 2) * 2 * abs(c2) * se * 2 * d
    assert relu_sphere_energies(d, 2)[2] == pytest.approx(e2_mc, abs=5 * e2_se)


def test_large_d_tends_to_the_hermite_spectrum():
    herm = 2 * relu_hermite_coefficients(12) ** 2
    gaps = [np.abs(relu_sphere_energies(d, 12) - herm).max() for d in (10, 100, 1000)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 5e-4
    limit = relu_hermite_residuals([1, 2, 4])
    assert relu_sphere_residuals(1000, [1, 2, 4]) == pytest.approx(limit, abs=2e-4)


@pytest.mark.parametrize("d", [3, 6, 8])
def test_rf_error_tends_to_zero_not_to_the_hermite_floor(d):
    # Homogeneity makes the problem live on the sphere: a wide pool goes below the degree-2 level of
    # dimension d (features carry every degree), and that level is below the Hermite one.
    e = fit_nested(sample_features(d, 1000, seed=1)).relative_errors()
    level = relu_sphere_residuals(d, 2)[0]
    assert e[-1] < level < relu_hermite_residuals(2)[0]


def test_staircase_widths():
    w, lv, deg = rf_staircase(10, max_degree=6)
    assert deg.tolist() == [0, 1, 2, 4, 6]
    np.testing.assert_array_equal(w, relu_staircase(10, 6)[0])       # i.i.d.: same counting as relu_staircase
    assert w.tolist() == [1, 11, 65, 725, 5015]
    assert np.all(np.diff(lv) < 0)
    ws, lvs, _ = rf_staircase(10, symmetric=True, max_degree=6)
    # pairs: linear with d pairs; even degrees need twice the even directions 1 + 54 (+ 660 + 4290)
    assert ws.tolist() == [2, 20, 110, 1430, 10010]
    np.testing.assert_array_equal(lvs, lv)
    assert rf_staircase(2, symmetric=True, max_degree=2)[0].tolist() == [2, 4, 6]


@pytest.mark.parametrize("bad", [1, 0, 1001, 2.0, True, "5"])
def test_d_is_validated(bad):
    with pytest.raises(ValueError, match="d must be an integer from 2 to 1000"):
        relu_sphere_energies(bad, 4)
    with pytest.raises(ValueError, match="d must be"):
        rf_staircase(bad)


def test_other_arguments_are_validated():
    with pytest.raises(ValueError, match="kmax"):
        relu_sphere_energies(5, -1)
    with pytest.raises(ValueError, match="degrees"):
        relu_sphere_residuals(5, [-1])
    with pytest.raises(ValueError, match="degrees"):
        relu_sphere_residuals(5, [1.5])
    with pytest.raises(ValueError, match="max_degree"):
        rf_staircase(5, max_degree=0)
