"""Notebook 02 (low-degree polynomials): ``width_needed``, the figure builders and ``polynomial_dashboard``,
plus oracle checks of the facts the notebook rests on (Monte Carlo, quadrature, a homogeneity bound)."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from scipy import integrate, special

from rfexplore import fit_nested, fit_samples, plots, sample_features
from rfexplore.dashboards import Explorer, polynomial_dashboard, polynomial_target
from rfexplore.fit import width_needed
from rfexplore.gaussian import biased_relu_hermite_coefficients, hermite_functions

POOL = 400


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


# --------------------------------------------------------------------------- figure builders


def test_error_curves_figure_has_counts_eps_and_needed_markers():
    w = np.arange(1, 101)
    e1, e2 = 1 / np.sqrt(w), np.minimum(1.0, 5 / w)
    fig = plots.plot_error_curves({"d = 4": (w, e1), "d = 8": (w, e2)},
                                  counts={"C(4+2,3)": 20, "C(8+2,3)": 120}, eps=0.5,
                                  needed=[width_needed(e1, 0.5), None], title="t")
    assert isinstance(fig, go.Figure) and fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    np.testing.assert_array_equal(fig.data[plots.trace_index(fig, "d = 8")].y, e2)
    c = fig.data[plots.trace_index(fig, "C(8+2,3)")]
    assert list(c.x) == [120, 120]
    assert c.line.color == fig.data[plots.trace_index(fig, "d = 8")].line.color    # in its curve's colour
    assert list(fig.data[plots.trace_index(fig, "target error ε")].y) == [0.5, 0.5]
    ring = fig.data[plots.trace_index(fig, "width needed for ε")]
    assert list(ring.x) == [4] and list(ring.y) == [0.5]         # only the curve that got there


def test_error_curves_without_eps_or_needed():
    fig = plots.plot_error_curves({"a": ([1, 2, 3], [1.0, 0.7, 0.2])})
    assert len(fig.data[plots.trace_index(fig, "target error ε")].x) == 0
    assert len(fig.data[plots.trace_index(fig, "width needed for ε")].x) == 0
    with pytest.raises(ValueError):
        plots.plot_error_curves({"a": ([1, 2], [1.0, 0.4])}, needed=[1, 2])            # one per curve


def test_width_needed_and_magnitude_figures_are_log_log_per_degree():
    ds = [4, 8, 16]
    fig = plots.plot_width_needed(ds, {2: [20, 43, 93], 4: [120, None, None]},
                                  {2: [10, 36, 136], 4: [35, 330, 3876]}, eps=0.5)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    meas = fig.data[plots.trace_index(fig, "degree 4: width needed (measured)")]
    assert meas.y[0] == 120 and np.isnan(meas.y[1]) and np.isnan(meas.y[2])          # not reached: a gap
    cnt = fig.data[plots.trace_index(fig, "degree 2: C(d+1, 2) directions")]
    assert list(cnt.y) == [10, 36, 136] and cnt.line.dash == "dash"
    assert cnt.line.color == plots.DEGREE_COLORS[1] and meas.line.color == plots.DEGREE_COLORS[3]
    mag = plots.plot_magnitude_vs_d(ds, {3: [160, 680, 2900]}, eps=0.5)
    assert mag.layout.yaxis.type == "log"
    assert list(mag.data[plots.trace_index(mag, "degree 3")].y) == [160, 680, 2900]


# --------------------------------------------------------------------------- the dashboard


@pytest.fixture(scope="module")
def dash():
    return polynomial_dashboard(k=3, d=6, pool_size=POOL, static=False)


def _trace(fig, name):
    return fig.data[plots.trace_index(fig, name)]


def test_first_picture_is_complete(dash):
    assert isinstance(dash, Explorer)
    res = dash.result
    err, mag = dash.figures
    curve = _trace(err, "random features (exact error)")
    assert len(curve.x) == POOL
    np.testing.assert_allclose(curve.y, res.errors)
    assert list(_trace(err, "degree-3 directions C(d+2, 3)").x) == [56, 56]           # C(6+2, 3)
    assert res.needed == width_needed(res.errors, 0.5) and res.needed is not None
    assert list(_trace(err, "width needed for ε").x) == [res.needed]
    assert list(_trace(mag, "current width").x) == [res.needed]
    assert f"white-space:nowrap'>{res.needed}</td>" in dash.readout.value
    assert "d = 6" in err.layout.title.text and "h₃" in err.layout.title.text


def test_changing_degree_retargets_the_cached_pool(dash):
    assert dash.set(k=2)
    res = dash.result
    assert res.counts == {2: 21}
    np.testing.assert_allclose(_trace(dash.figures[0], "random features (exact error)").y, res.errors)
    assert list(_trace(dash.figures[0], "degree-2 directions C(d+1, 2)").x) == [21, 21]
    assert "21" in dash.readout.value


def test_shared_cache_one_factorization_per_pool():
    fits = {}
    d = polynomial_dashboard(k=1, d=4, pool_size={4: 120}, fits=fits, static=True)
    for k in (2, 3, 4, "sum"):
        assert d.set(k=k)
    assert list(fits) == [(4, 1.0, 0)] and fits[(4, 1.0, 0)].width == 120
    assert d.set(seed=1)
    assert set(fits) == {(4, 1.0, 0), (4, 1.0, 1)}
    assert d.result.counts == {1: 4, 2: 10, 3: 20, 4: 35}        # the sum marks every degree
    assert isinstance(d.figures[0], go.Figure) and not isinstance(d.figures[0], go.FigureWidget)


def test_eps_moves_the_needed_marker(dash):
    dash.set(k=2, eps=0.5)
    loose = dash.result.needed
    assert dash.set(eps=0.2)
    tight = dash.result.needed
    assert tight is not None and tight > loose
    assert list(_trace(dash.figures[0], "width needed for ε").x) == [tight]
    assert list(_trace(dash.figures[0], "target error ε").y) == [0.2, 0.2]
    dash.set(eps=0.5)


def test_no_bias_h3_trap_is_shown(dash):
    assert dash.set(k=3, bias_std=0.0)
    res = dash.result
    assert np.all(res.errors == 1.0) and res.needed is None
    assert "not reached" in dash.readout.value and "cannot see h₃" in dash.readout.value
    assert len(_trace(dash.figures[0], "width needed for ε").x) == 0
    assert dash.set(bias_std=1.0)
    assert dash.result.errors[-1] < 0.9 and "cannot see" not in dash.readout.value


@pytest.mark.parametrize("bad, message", [
    (dict(d=100), "d must be an integer from 2 to 32"),
    (dict(k=7), "k must be a degree 1, 2, 3, 4 or 'sum'"),
    (dict(eps=1.5), "eps must be a target error strictly between 0 and 1"),
    (dict(bias_std=-1.0), "bias_std must be a number from 0"),
    (dict(seed=-2), "seed must be a non-negative integer"),
])
def test_bad_values_show_a_message_and_keep_the_last_picture(dash, bad, message):
    dash.set(k=3, bias_std=1.0, d=6, seed=0, eps=0.5)
    before = np.array(_trace(dash.figures[0], "random features (exact error)").y)
    assert not dash.set(**bad)
    assert message in dash.status.value
    np.testing.assert_array_equal(_trace(dash.figures[0], "random features (exact error)").y, before)
    assert dash.values["d"] == 6 and dash.result.k == 3
    assert dash.set(k=3)                  # a good value clears the message
    assert dash.status.value == ""


def test_widget_change_recomputes(dash):
    dash.set(k=3, d=6, bias_std=1.0)
    dash.controls["k"].value = 1          # as if the dropdown moved
    assert dash.result.k == 1 and dash.result.counts == {1: 6}
    dash.controls["d"].value = 5
    assert dash.result.d == 5 and len(dash.result.widths) == POOL
    assert "d = 5" in dash.figures[0].layout.title.text
