"""Notebook 02 (low-degree polynomials): the figure builders and ``polynomial_dashboard``."""


import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.dashboards import Explorer, polynomial_dashboard
from rfexplore.experiments import Cache
from rfexplore.fit import width_needed

POOL = 400


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
    cache = Cache()
    d = polynomial_dashboard(k=1, d=4, pool_size={4: 120}, cache=cache, static=True)
    for k in (2, 3, 4, "sum"):
        assert d.set(k=k)
    assert cache.keys() == [("polynomial_pool", 4, 120, 1.0, 0)] and cache.get(cache.keys()[0]).width == 120
    assert d.set(seed=1)
    assert set(cache.keys()) == {("polynomial_pool", 4, 120, 1.0, 0), ("polynomial_pool", 4, 120, 1.0, 1)}
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
    (dict(k=7), "k must be one of 1, 2, 3, 4, 'sum', got 7"),
    (dict(eps=1.5), "eps must be a number in [0.01, 0.99], got 1.5"),
    (dict(bias_std=-1.0), "bias_std must be a number in [0, 5], got -1.0"),
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
