"""Notebook 04's dashboard (the limitation) and its figure builders, driven from Python."""

import math

import numpy as np
import pytest

from rfexplore import plots
from rfexplore.dashboards import limitation_dashboard
from rfexplore.dashboards._figure_view import FigureView
from rfexplore.experiments import LIMITATION_EPS, limitation_curves
from rfexplore.fit import width_needed
from rfexplore.gaussian import relu_hermite_residuals

DS = (4, 8, 16)
POOL = 240
NORMS = (1.0, 4.0, 16.0)
BIASES = (-1.0, 0.0, 1.0)
BUDGETS = (0.5, 5.0, 50.0)


@pytest.fixture(scope="module")
def data():
    return limitation_curves(DS, pool_size=POOL, seeds=(0, 1), norms=NORMS, biases=BIASES, budget_ds=(8,),
                             budget_width=40, budgets=BUDGETS)


@pytest.fixture()
def dash(data):
    return limitation_dashboard(data=data, eps=0.15, width=100, d=8, target_norm=1.0, bias=0.0, magnitude=5.0,
                                static=False)


def _trace(fig, name):
    return fig.data[plots.trace_index(fig, name)]


# ------------------------------------------------------------------ the dashboard


def test_data_and_precompute_settings_are_exclusive(data):
    with pytest.raises(ValueError, match="either data or precompute"):
        limitation_dashboard(data=data, pool_size=100)




def test_first_picture_is_complete(dash, data):
    assert len(dash.figures) == 4 and all(isinstance(s.view, FigureView) for s in dash.slots.values())
    chosen = _trace(dash.figures[0], "chosen width")
    np.testing.assert_allclose(chosen.y, [data.errors[d][99] for d in DS])
    plateau = _trace(dash.figures[0], f"plateau after degree 1: {relu_hermite_residuals(1)[0]:.3f}")
    assert plateau.y[0] == pytest.approx(0.5 - 1 / math.pi)
    assert _trace(dash.figures[1], "error ≤ 0.15").line.width == 4
    assert "[⟨w*,x⟩]₊: d = 8, r = 100" in dash.figures[3].layout.title.text          # b = 0: no offset shown
    assert f"{data.errors[8][99]:.4f}" in dash.readout.value
    assert dash.status.value == ""


def test_width_control_moves_the_chosen_line_and_readout(dash, data):
    slider = dash.controls["width"]
    r = next(v for _, v in slider.options if v >= 30)   # a width the slider shows
    slider.value = r                                     # as if the log slider moved
    chosen = _trace(dash.figures[0], "chosen width")
    np.testing.assert_allclose(chosen.y, [data.errors[d][r - 1] for d in DS])
    assert f"{data.errors[8][r - 1]:.4f}" in dash.readout.value
    assert f"r = {r}" in dash.readout.value


def test_width_needed_matches_a_brute_force_search(dash, data):
    for eps in LIMITATION_EPS:
        trace = _trace(dash.figures[1], f"error ≤ {eps:g}")
        for d, y in zip(DS, trace.y, strict=True):
            errs = data.errors[d]
            first = next((m for m in range(1, POOL + 1) if errs[m - 1] <= eps), None)
            assert first == width_needed(errs, eps)
            assert (np.isnan(y) if first is None else y == first)


def test_eps_control_highlights_its_curve_and_draws_guides(dash, data):
    assert dash.set(eps=0.05)
    assert _trace(dash.figures[1], "error ≤ 0.05").line.width == 4
    assert _trace(dash.figures[1], "error ≤ 0.15").line.width == 1.5
    needed = [width_needed(data.errors[d], 0.05) for d in DS]
    d0, w0 = [(d, w) for d, w in zip(DS, needed, strict=True) if w is not None][-1]
    for name, p in (("∝ d² (guide)", 2), ("∝ d⁴ (guide)", 4)):
        g = _trace(dash.figures[1], name)
        assert g.x[-1] == pytest.approx(d0) and g.y[-1] == pytest.approx(w0)      # through the last point
        assert math.log(g.y[-1] / g.y[0]) / math.log(g.x[-1] / g.x[0]) == pytest.approx(p)
        assert min(g.y) >= 1 - 1e-9 and min(g.x) >= min(DS) - 1e-9                # kept on the chart
    assert "error ≤ 0.05 at d = 8" in dash.readout.value.replace("&lt;", "<").replace("≤", "≤")


def test_steep_neuron_panel_shows_both_scales(dash, data):
    assert dash.set(d=16, width=200, bias=0.0, target_norm=16.0, scaled=False)
    fig = dash.figures[3]
    rel = np.array(_trace(fig, "relative error E[(f − y)²] / E[y²]").customdata)
    ab = np.array(_trace(fig, "absolute error E[(f − y)²]").customdata)
    np.testing.assert_allclose(rel, rel[0], rtol=1e-9)                      # flat in |w*| when b = 0
    np.testing.assert_allclose(ab, rel * np.array(NORMS) ** 2 / 2, rtol=1e-12)  # |w*|^2 / 2 times larger
    assert list(_trace(fig, "chosen |w*|").x) == [16.0, 16.0]
    assert dash.set(bias=-1.0)
    rel_b = np.array(_trace(dash.figures[3], "relative error E[(f − y)²] / E[y²]").customdata)
    np.testing.assert_allclose(rel_b, [data.steep[(16, -1.0, n)][199] for n in NORMS])
    assert rel_b[0] > rel_b[-1]                     # the offset matters less as the neuron steepens
    assert "b = -1" in dash.readout.value
    dash.set(scaled=True)


def test_steep_neuron_with_the_bias_grown_with_the_norm(dash, data):
    assert dash.config.scaled                       # the default: the paper's hard neuron has norm and bias poly(d)
    assert dash.set(d=16, width=200, bias=-1.0, target_norm=16.0)
    rel = np.array(_trace(dash.figures[3], "relative error E[(f − y)²] / E[y²]").customdata)
    ab = np.array(_trace(dash.figures[3], "absolute error E[(f − y)²]").customdata)
    np.testing.assert_allclose(rel, [data.steep_scaled[(16, -1.0, n)][199] for n in NORMS])
    np.testing.assert_allclose(rel, rel[0], rtol=1e-8)          # [<w*,x> - |w*|]_+ = |w*| [x_1 - 1]_+: flat
    np.testing.assert_allclose(ab, rel * np.array([data.second_scaled[(-1.0, n)] for n in NORMS]), rtol=1e-12)
    # the offset is what makes it harder, and it stays: above the bias-free neuron at every norm
    assert rel[-1] > data.steep[(16, 0.0, NORMS[-1])][199] + 0.05
    assert "b = -1·|w*| = -16" in dash.readout.value and "·|w*|" in dash.figures[3].layout.title.text


def test_budget_control_moves_the_line_and_readout(dash, data):
    assert dash.set(magnitude=0.5)
    assert list(_trace(dash.figures[2], "chosen budget M").x) == [0.5, 0.5]
    assert f"d=8: {data.budget_errors[8][0]:.3f}" in dash.readout.value
    np.testing.assert_allclose(_trace(dash.figures[2], "d = 8").y, data.budget_errors[8])


@pytest.mark.parametrize("bad, message", [
    (dict(width=0), "width must be"),
    (dict(width=10 * POOL), "width must be"),
    (dict(d=7), "d must be one of"),
    (dict(eps=0.07), "eps must be one of"),
    (dict(target_norm=2.0), "target_norm must be one of"),
    (dict(magnitude=-1.0), "magnitude must be one of"),
])
def test_bad_values_show_a_message_and_keep_the_last_picture(dash, bad, message):
    before = np.array(_trace(dash.figures[0], "chosen width").y)
    readout = dash.readout.value
    assert dash.set(**bad) is False
    assert message in dash.status.value
    np.testing.assert_array_equal(_trace(dash.figures[0], "chosen width").y, before)
    assert dash.readout.value == readout
    assert dash.set(width=50)                       # and the next good value clears the message
    assert dash.status.value == ""


# ------------------------------------------------------------------ figure builders


def test_plot_error_vs_d_at_widths_traces():
    fig = plots.plot_error_vs_d_at_widths([5, 10], {20: [0.1, 0.2]}, current_width=50, current_errors=[0.05, 0.0],
                                          plateaus={"plateau": 0.18})
    assert [t.name for t in fig.data] == ["width r = 20", "chosen width", "plateau"]
    assert list(_trace(fig, "chosen width").customdata) == [0.05, 0.0]
    assert _trace(fig, "chosen width").y[1] > 0                 # zeros floored for the log axis
    assert fig.layout.xaxis.type == "log"


def test_plot_width_needed_vs_d_stops_lines_where_not_reached():
    fig = plots.plot_width_needed_vs_d([4, 8], {0.3: [5, 9], 0.02: [50, None]}, current_eps=0.02,
                                       guides={"∝ d²": ([4, 8], [12.5, 50])}, pool=100, current_d=8)
    y = _trace(fig, "error ≤ 0.02").y
    assert y[0] == 50 and np.isnan(y[1])
    assert _trace(fig, "error ≤ 0.02").line.width == 4 and _trace(fig, "error ≤ 0.3").line.width == 1.5
    assert list(_trace(fig, "largest width computed").y) == [100.0, 100.0]
    assert list(_trace(fig, "chosen d").x) == [8.0, 8.0]


def test_plot_budget_magnitude_steep_periodic_builders():
    fig = plots.plot_budget_curves([1, 10], {20: [0.6, 0.2]}, free_errors={20: 0.15}, width=100, current_budget=10)
    assert [t.name for t in fig.data] == ["d = 20", "d = 20: no budget", "chosen budget M"]
    assert "r = 100" in fig.layout.title.text
    fig = plots.plot_magnitude_vs_error({"d = 20": ([0.5, 0.1], [2.0, 40.0], [10, 100])})
    assert list(fig.data[0].customdata) == [10, 100] and fig.layout.xaxis.autorange == "reversed"
    fig = plots.plot_steep_neuron([1, 10], [0.02, 0.02], [0.01, 1.0], [0.5, 50.0], current_norm=10)
    assert list(_trace(fig, "chosen |w*|").y) == [0.02, 1.0]
    fig = plots.plot_periodic_correlation([0, 90], {"a": [0.5, -1e-20]}, {"a bound": [1.0, 1e-8]},
                                          typical_angle=77)
    assert fig.data[0].y[1] == pytest.approx(1e-16) and fig.data[0].customdata[1] == -1e-20
    assert fig.layout.yaxis.range[0] == pytest.approx(-12.0)       # 4 decades below the smallest bound
    assert [t.name for t in fig.data] == ["a", "a bound", "typical random feature"]
    fig = plots.plot_error_vs_norm([0.1, 1.0], {100: [0.1, 1.0]})
    assert fig.data[0].name == "width r = 100" and list(fig.data[0].y) == [0.1, 1.0]


def test_dashboard_precomputes_from_settings_when_no_data_is_given():
    dash = limitation_dashboard(ds=(4, 8), pool_size=80, seeds=(0,), norms=(1.0, 10.0), biases=(0.0,), budget_ds=(8,),
                                budget_width=20, budgets=(1.0, 10.0), width=50, d=8, eps=0.3, static=False)
    assert dash.data.ds == (4, 8) and dash.data.pool_size == 80
    assert list(_trace(dash.figures[0], "chosen width").y) == [dash.data.errors[4][49], dash.data.errors[8][49]]
    with pytest.raises(ValueError, match="magnitude must be one of"):
        limitation_dashboard(ds=(4,), pool_size=40, seeds=(0,), norms=(1.0,), biases=(0.0,), budget_ds=(),
                             budget_width=20, budgets=(1.0,), width=10, d=4, magnitude=10.0)
