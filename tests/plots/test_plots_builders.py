"""Figure builders of the tour (``training``, ``width``, ``dimension``), tested as data: traces, names,
axes. The builders of the other notebooks are tested beside their dashboards (tests/test_dashboards_*.py)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.gaussian import relu_staircase


def test_training_figure_traces_and_log_axis():
    steps = np.arange(5)
    rf = np.array([1.0, 0.5, 0.3, 0.2, 0.19])
    nn = np.array([1.0, 0.1, 1e-3, 1e-6, 0.0])
    fig = plots.plot_training(steps, rf, nn, rf_best=0.18)
    assert isinstance(fig, go.Figure) and not isinstance(fig, go.FigureWidget)
    assert fig.layout.yaxis.type == "log"
    i_rf = plots.trace_index(fig, "random features (output layer trained)")
    i_nn = plots.trace_index(fig, "single neuron (gradient descent)")
    np.testing.assert_array_equal(fig.data[i_rf].y, rf)
    # an exact zero cannot sit on a log axis: drawn at the floor, the true value kept for hover
    assert fig.data[i_nn].y[-1] == pytest.approx(1e-16) and fig.data[i_nn].customdata[-1] == 0.0
    best = fig.data[plots.trace_index(fig, "best possible with these features")]
    assert list(best.y) == [0.18, 0.18] and list(best.x) == [0, 4]


def test_width_curve_marks_current_width_and_staircase():
    widths = np.arange(1, 2001)
    errors = 1.0 / np.sqrt(widths)
    fig = plots.plot_width_curve(widths, errors, d=30, current_width=100, current_error=0.1,
                                 staircase=relu_staircase(30), constrained_error=0.2)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "d = 30" in fig.layout.title.text
    cur = fig.data[plots.trace_index(fig, "current width")]
    assert list(cur.x) == [100] and list(cur.y) == [0.1]
    stairs = fig.data[plots.trace_index(fig, "plateaus predicted by the Hermite spectrum")]
    sw, levels = relu_staircase(30)
    kept = sw <= 2000
    # every predicted step inside the plotted range is drawn, at its level
    np.testing.assert_allclose(stairs.x[:-1], sw[kept])
    np.testing.assert_allclose(stairs.y[:-1], levels[kept])
    budget = fig.data[plots.trace_index(fig, "with magnitude budget M")]
    assert list(budget.y) == [0.2]


def test_width_curve_without_budget_has_empty_budget_marker():
    fig = plots.plot_width_curve([1, 2, 3], [0.9, 0.8, 0.7], d=5, current_width=2, current_error=0.8)
    assert len(fig.data[plots.trace_index(fig, "with magnitude budget M")].x) == 0


def test_magnitudes_budget_line():
    fig = plots.plot_magnitudes([1, 10, 100], [1.0, 5.0, 40.0], budget=20.0, current_width=10,
                                current_magnitude=5.0)
    line = fig.data[plots.trace_index(fig, "magnitude budget M")]
    assert list(line.y) == [20.0, 20.0] and list(line.x) == [1.0, 100.0]
    fig2 = plots.plot_magnitudes([1, 10], [1.0, 2.0])
    assert len(fig2.data[plots.trace_index(fig2, "magnitude budget M")].x) == 0


def test_trajectory_angles_in_degrees():
    fig = plots.plot_trajectory([0, 1], [1.0, 0.5], [np.pi / 2, 0.0])
    ang = fig.data[plots.trace_index(fig, "angle to w* (degrees)")]
    np.testing.assert_allclose(ang.y, [90.0, 0.0])
    assert ang.yaxis == "y2"


def test_error_vs_d_one_line_per_width():
    fig = plots.plot_error_vs_d([5, 10, 20], {100: [0.1, 0.2, 0.3], 1000: [0.01, 0.05, 0.2]})
    assert [t.name for t in fig.data] == ["width r = 100", "width r = 1000"]
