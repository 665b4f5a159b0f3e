"""Notebook 06's dashboard (gradient descent learns the neuron) and its figure builders, without a browser."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import ReluTarget, fit_nested, plots, sample_features, train_neuron
from rfexplore.dashboards import neuron_dashboard
from rfexplore.dashboards._figure_view import FigureView
from rfexplore.experiments import steps_to_reach

THIS = "this run"
TRAIN = "training loss (this run)"
RF = "random features (output weights by GD)"
RF_BEST = "RF: best possible with these features"
REFS = [f"population GD, d = {d}" for d in (10, 100, 1000)]


pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def _y(fig, name):
    return np.asarray(fig.data[plots.trace_index(fig, name)].y, dtype=float)


def _custom(fig, name):
    return np.asarray(fig.data[plots.trace_index(fig, name)].customdata, dtype=float)


@pytest.fixture(scope="module")
def explorer():
    return neuron_dashboard(d=100, lr=0.5, steps=60, rf_width=100, static=False)


# ------------------------------------------------------------------- the dashboard


def test_first_picture_is_complete(explorer):
    losses, traj = explorer.figures
    assert type(losses) is go.Figure and all(isinstance(s.view, FigureView) for s in explorer.slots.values())
    ref = train_neuron(100, steps=60, lr=0.5, seed=0)
    np.testing.assert_array_equal(_custom(losses, THIS), ref.losses)
    np.testing.assert_array_equal(_y(losses, THIS), np.maximum(ref.losses, 1e-16))   # zeros drawn at 1e-16
    assert len(_y(losses, TRAIN)) == 0                                               # population: no samples
    hits = [steps_to_reach(_custom(losses, name), 1e-6) for name in REFS]
    assert max(hits) - min(hits) <= 2 and max(hits) <= 15                           # d = 10 .. 1000 alike
    best = fit_nested(sample_features(100, 100, symmetric=True, seed=0)).fit(100).relative_error
    np.testing.assert_allclose(_y(losses, RF_BEST), [best, best], rtol=1e-12)
    rf = _y(losses, RF)
    assert rf[0] == pytest.approx(1.0) and rf[-1] > best and np.all(np.diff(rf) <= 1e-12)
    np.testing.assert_allclose(_y(traj, "distance |w − w*|"), ref.distances)
    np.testing.assert_allclose(_y(traj, "angle to w* (degrees)"), np.degrees(ref.angles))
    text = explorer.readout.value
    assert f">{steps_to_reach(ref.losses, 1e-6)}<" in text and "neuron: 100" in text
    assert "d = 100" in losses.layout.title.text


def test_changing_d_and_samples_updates_figures_and_readout(explorer):
    explorer.set(d=100, samples=0, init="random", lr=0.5, steps=60, rf_width=100, seed=0)
    before = _custom(explorer.figures[0], THIS).copy()
    assert explorer.set(d=20)
    after = _custom(explorer.figures[0], THIS)
    assert not np.allclose(before[:5], after[:5])
    assert "d = 20" in explorer.figures[0].layout.title.text
    assert explorer.set(samples=10.0)                           # n = 200 samples, full batch
    fig = explorer.figures[0]
    assert "Held-out loss (n = 200)" in fig.layout.title.text
    train = _custom(fig, TRAIN)
    assert len(train) == 61 and train[-1] < 1e-6 and _custom(fig, THIS)[-1] < 1e-6
    assert "held-out" in explorer.readout.value and "exact population loss" in explorer.readout.value
    assert explorer.set(samples=1.0)                            # n = d: fits the samples, misses the neuron
    assert _custom(explorer.figures[0], THIS)[-1] > 0.1
    assert _custom(explorer.figures[0], TRAIN)[-1] < _custom(explorer.figures[0], THIS)[-1]


def test_widget_changes_and_failure_messages(explorer):
    explorer.set(d=50, samples=0, init="random", lr=0.5, steps=60, rf_width=100, seed=0)
    slow = steps_to_reach(_custom(explorer.figures[0], THIS), 1e-6)
    explorer.controls["lr"].value = 1.0                         # as if the slider were moved
    assert explorer.values["lr"] == 1.0
    assert steps_to_reach(_custom(explorer.figures[0], THIS), 1e-6) < slow
    explorer.controls["init"].value = "anti-aligned"
    assert "collapsed" in explorer.readout.value and "anti-aligned" in explorer.readout.value
    assert explorer.set(lr=0.5, samples=3.0, init="dead")
    assert "dead start" in explorer.readout.value
    assert explorer.set(rf_width=0)
    assert len(_y(explorer.figures[0], RF)) == 0 and len(_y(explorer.figures[0], RF_BEST)) == 0


def test_bad_values_show_a_message_and_keep_the_last_picture(explorer):
    explorer.set(d=50, samples=0, init="random", lr=0.5, steps=60, rf_width=0, seed=0)
    good = _custom(explorer.figures[0], THIS).copy()
    assert not explorer.set(init="zero")
    assert "positively homogeneous" in explorer.status.value
    assert explorer.controls["init"].value == "random" and explorer.values["init"] == "random"
    np.testing.assert_array_equal(_custom(explorer.figures[0], THIS), good)
    assert not explorer.set(init="dead")                        # population: no dead neuron
    assert "dead start needs samples" in explorer.status.value
    assert not explorer.set(d=37)
    assert "d must be one of" in explorer.status.value
    assert not explorer.set(lr=10.0)
    assert "lr must be" in explorer.status.value and explorer.controls["lr"].value == 0.5
    assert not explorer.set(d=1000, samples=10.0, steps=1000)
    assert "n·d·steps" in explorer.status.value
    assert explorer.set(seed=1)
    assert explorer.status.value == ""
    assert not np.array_equal(_custom(explorer.figures[0], THIS)[:3], good[:3])


def test_static_fallback_builds():
    ex = neuron_dashboard(d=10, steps=20, rf_width=0, static=True)
    assert ex.static and isinstance(ex.figures[0], go.Figure)
    assert ex.set(d=20)


# ------------------------------------------------------------------- figure builders


def test_plot_neuron_losses_traces():
    fig = plots.plot_neuron_losses([0, 1, 2], [1.0, 1e-3, 0.0], train_losses=[0.5, 1e-4, 0.0],
                                   others={"d = 10": ([0, 1], [1.0, 0.1])}, rf=([0, 1, 2], [1.0, 0.5, 0.4]),
                                   rf_best=0.3)
    assert [t.name for t in fig.data] == ["d = 10", RF, RF_BEST, "target 1e-06", TRAIN, THIS]
    np.testing.assert_array_equal(_y(fig, THIS), [1.0, 1e-3, 1e-16])
    np.testing.assert_array_equal(_custom(fig, THIS), [1.0, 1e-3, 0.0])
    np.testing.assert_array_equal(_y(fig, RF_BEST), [0.3, 0.3])
    assert list(fig.data[plots.trace_index(fig, RF_BEST)].x) == [0.0, 2.0]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.range[0] < -16
    empty = plots.plot_neuron_losses([0, 1], [1.0, 0.5])
    assert len(empty.data[plots.trace_index(empty, RF)].x) == 0 and len(_y(empty, TRAIN)) == 0
    big = plots.plot_neuron_losses([0, 1], [1.0, 1e30])                 # a diverging run stays on screen
    assert big.layout.yaxis.range[1] == pytest.approx(12.3)


def test_plot_parameters_needed_handles_huge_and_missing_widths():
    w = ReluTarget().weight(3)
    assert w[0] == 1.0                                                   # w* = e_1 (the unit neuron)
    huge = 10 ** 40                                                      # a Python int from the staircase
    fig = plots.plot_parameters_needed([10, 100], [10, 100], {0.01: [725, huge]},
                                       measured={0.01: ([10], [1106])})
    names = [t.name for t in fig.data]
    assert names == ["single neuron: d weights (every ε)", "RF, ε = 0.01: staircase prediction",
                     "RF, ε = 0.01: exact error curve (measured)"]
    np.testing.assert_allclose(fig.data[1].y, [725.0, 1e40])
    fig = plots.plot_parameters_needed([10, 100], [10, 100], {0.001: [None, 5.0]})
    assert math.isnan(fig.data[1].y[0]) and len(fig.data[2].x) == 0
