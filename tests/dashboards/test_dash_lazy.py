"""Notebook 03's dashboard (lazy training) and its figure builders, driven from Python."""

import math

import numpy as np
import pytest

from rfexplore import plots
from rfexplore.dashboards import lazy_dashboard
from rfexplore.experiments import LAZY_MAX_LR, Cache, lazy_rf_best, lazy_run

D, STEPS = 6, 25
WIDTHS, ALPHAS = (4, 8), (0.3, 1.0, 10.0)


def _trace(fig, name):
    return fig.data[plots.trace_index(fig, name)]


def _dash(cache=None, **kwargs):
    args = dict(d=D, width=8, alpha=10.0, steps=STEPS, widths=WIDTHS, alphas=ALPHAS,
                cache=Cache() if cache is None else cache, static=False)
    return lazy_dashboard(**{**args, **kwargs})


# ------------------------------------------------------------------ the dashboard


def test_first_picture_is_the_chosen_run():
    cache = Cache()
    dash = _dash(cache)
    run = dash.result.run
    assert run is cache.get(("lazy_run", D, 8, 10.0, STEPS, 0)) and run.alpha == 10.0 and run.width == 8
    train, gaps, move = dash.figures
    np.testing.assert_allclose(_trace(train, plots.LAZY_TRACES["network"]).y, run.losses, rtol=1e-12)
    np.testing.assert_allclose(_trace(train, plots.LAZY_TRACES["lin"]).y, run.lin_losses, rtol=1e-12)
    np.testing.assert_allclose(_trace(train, plots.LAZY_TRACES["rf"]).y, run.rf_losses, rtol=1e-12)
    assert _trace(train, plots.LAZY_TRACES["rf_best"]).y[0] == pytest.approx(lazy_rf_best(D, 8), rel=1e-12)
    lin_gap = np.asarray(_trace(gaps, "network − linearized model").y, dtype=float)
    assert np.isnan(lin_gap[0]) and np.allclose(lin_gap[1:], run.lin_gaps[1:], rtol=1e-12)   # 0 at the start
    assert list(_trace(move, "chosen run").x) == [8] and _trace(move, "chosen run").y[0] == run.movements[-1]
    assert f"{run.losses[-1]:.3g}" in dash.readout.value and f"{run.movements[-1]:.3g}" in dash.readout.value
    assert "frozen features" in dash.readout.value and dash.status.value == ""


def test_moving_alpha_and_width_updates_figures_readout_and_cache():
    cache = Cache()
    dash = _dash(cache)
    lazy = dash.result.run
    assert dash.set(alpha=0.3)
    rich = dash.result.run
    assert rich.alpha == 0.3 and rich.lr == LAZY_MAX_LR and ("lazy_run", D, 8, 0.3, STEPS, 0) in cache
    train, _, move = dash.figures
    np.testing.assert_allclose(_trace(train, plots.LAZY_TRACES["network"]).y, rich.losses, rtol=1e-12)
    assert rich.movements[-1] > 5 * lazy.movements[-1]                 # small alpha: the features move
    assert {t.name for t in move.data} >= {"α = 0.3", "α = 10", "∝ 1/√r (guide)", "chosen run"}
    assert "capped" in dash.readout.value
    dash.controls["width"].value = 4                                    # through the widget, as a user would
    assert dash.result.width == 4 and list(_trace(dash.figures[2], "chosen run").x) == [4]
    line = _trace(dash.figures[2], "α = 0.3")
    assert list(line.x) == [4, 8]                                       # both widths run at alpha = 0.3
    guide = _trace(dash.figures[2], "∝ 1/√r (guide)")
    slope = np.diff(np.log(np.asarray(guide.y, dtype=float))) / np.diff(np.log(np.asarray(guide.x, dtype=float)))
    np.testing.assert_allclose(slope, -0.5, rtol=1e-9)
    dash.set(width=8, alpha=10.0)                                       # back: cached, no new training
    assert dash.result.run is lazy


def test_bad_values_show_a_message_and_keep_the_last_picture():
    dash = _dash()
    before = dash.result
    y0 = list(_trace(dash.figures[0], plots.LAZY_TRACES["network"]).y)
    for bad in (dict(alpha=0.5), dict(width=6), dict(alpha="ten")):
        assert not dash.set(**bad)
        assert "must be one of" in dash.status.value
        assert dash.result is before and list(_trace(dash.figures[0], plots.LAZY_TRACES["network"]).y) == y0
    assert dash.controls["alpha"].value == 10.0 and dash.controls["width"].value == 8
    assert dash.set(alpha=1.0) and dash.status.value == ""


def test_dashboard_starts_from_runs_made_before():
    cache = Cache()
    lazy_run(D, 4, 10.0, steps=STEPS, cache=cache, compare=False)      # e.g. a notebook's width sweep
    wide = lazy_run(D, 16, 10.0, steps=STEPS, cache=cache, compare=False)  # outside the dashboard's widths
    dash = _dash(cache)
    line = _trace(dash.figures[2], "α = 10")
    assert list(line.x) == [4, 8, 16] and line.y[-1] == wide.movements[-1]
    assert dash.result.run is cache.get(("lazy_run", D, 8, 10.0, STEPS, 0))      # the dashboard uses this cache


def test_dashboard_validates_its_settings():
    with pytest.raises(ValueError, match="widths must be even"):
        _dash(widths=(4, 7))
    with pytest.raises(ValueError, match="alphas must be a finite positive number, got -2.0"):
        _dash(alphas=(1.0, -2.0))
    with pytest.raises(ValueError, match="width must be one of"):
        _dash(width=6)


# ------------------------------------------------------------------ figure builders


def test_training_figure_draws_three_models_and_the_rf_limit():
    t = np.arange(4)
    fig = plots.plot_lazy_training(t, [1.0, 0.5, 0.2, 0.1], rf=[1.0, 0.8, 0.7, 0.65], lin=[1.0, 0.5, 0.25, 0.1],
                                   rf_best=0.6)
    assert [tr.name for tr in fig.data] == [plots.LAZY_TRACES[k] for k in ("network", "lin", "rf", "rf_best")]
    assert fig.layout.yaxis.type == "log" and list(fig.data[3].y) == [0.6, 0.6]
    assert fig.layout.yaxis.range[0] < math.log10(0.1) and fig.layout.yaxis.range[1] >= 0.0
    empty = plots.plot_lazy_training(t, [1.0, 0.5, 0.2, 0.1])
    assert len(empty.data[1].y) == 0 and len(empty.data[3].y) == 0


def test_gap_figure_leaves_out_exact_zeros():
    fig = plots.plot_lazy_gaps([0, 1, 2], [0.0, 1e-4, 2e-4], [0.0, 0.1, 0.2])
    y = np.asarray(fig.data[0].y, dtype=float)
    assert np.isnan(y[0]) and y[2] == 2e-4 and list(fig.data[0].customdata) == [0.0, 1e-4, 2e-4]
    assert fig.layout.yaxis.type == "log"


def test_movement_figure_highlights_and_guides():
    curves = {"α = 1": ([16, 64], [0.3, 0.2]), "α = 10": ([16, 64, 256], [0.05, 0.03, 0.017])}
    fig = plots.plot_movement_vs_width(curves, colors={"α = 10": "#000000"}, highlight="α = 10",
                                       current=(64, 0.03), guide=([16, 256], [0.06, 0.015]))
    assert [t.name for t in fig.data] == ["α = 1", "α = 10", "∝ 1/√r (guide)", "chosen run"]
    assert fig.data[1].line.width > fig.data[0].line.width and fig.data[1].line.color == "#000000"
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    bare = plots.plot_movement_vs_width({})
    assert len(bare.data[0].x) == 0 and len(bare.data[1].x) == 0
