"""Notebook 03's dashboard (lazy training), its cached runs and its figure builders, driven from Python."""

import math

import numpy as np
import pytest

from rfexplore import plots
from rfexplore.dashboards import (
    LAZY_MAX_LR,
    lazy_alignment,
    lazy_dashboard,
    lazy_lr,
    lazy_movements,
    lazy_rf_best,
    lazy_run,
    lazy_start,
)
from rfexplore.gaussian import relu_kernel
from rfexplore.targets import ReluTarget
from rfexplore.train import train_two_layer

D, STEPS = 6, 25
WIDTHS, ALPHAS = (4, 8), (0.3, 1.0, 10.0)


def _trace(fig, name):
    return fig.data[plots.trace_index(fig, name)]


def _dash(cache=None, **kwargs):
    args = dict(d=D, width=8, alpha=10.0, steps=STEPS, widths=WIDTHS, alphas=ALPHAS, cache=cache, static=False)
    return lazy_dashboard(**{**args, **kwargs})


# ------------------------------------------------------------------ step size, runs and the cache


def test_step_size_is_one_over_alpha_squared_capped():
    for a in (0.5, 1.0, 3.0, 10.0, 30.0):
        assert lazy_lr(a) == pytest.approx(1.0 / a**2, rel=1e-15)
    assert lazy_lr(0.1) == lazy_lr(0.3) == LAZY_MAX_LR == 4.0
    for bad in (0.0, -1.0, math.inf, math.nan, "1", None, True):
        with pytest.raises(ValueError, match="alpha must be a finite positive number"):
            lazy_lr(bad)


def test_lazy_run_is_train_two_layer_with_that_step_and_is_cached():
    cache = {}
    run = lazy_run(D, 8, 3.0, steps=STEPS, cache=cache)
    direct = train_two_layer(D, 8, alpha=3.0, steps=STEPS, lr=1.0 / 9.0)
    np.testing.assert_array_equal(run.losses, direct.losses)            # same seed, same history, bit for bit
    np.testing.assert_array_equal(run.lin_gaps, direct.lin_gaps)
    assert list(cache) == [(D, 8, 3.0, STEPS, 0)]
    assert lazy_run(D, 8, 3.0, steps=STEPS, cache=cache) is run         # a revisit does not train again
    assert lazy_run(D, 8, 3.0, steps=STEPS, cache=cache, compare=False) is run


def test_compare_false_run_is_upgraded_when_the_models_are_needed():
    cache = {}
    quick = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache, compare=False)
    assert quick.rf_losses is None
    full = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache)
    assert full.rf_losses is not None and cache[(D, 8, 10.0, STEPS, 0)] is full
    np.testing.assert_array_equal(quick.movements, full.movements)       # the network's own path is the same


def test_stopped_runs_are_returned_but_not_cached():
    cache = {}
    run = lazy_run(D, 8, 10.0, steps=STEPS, cache=cache, callback=lambda t, s: t >= 5)
    assert not run.complete and run.steps_done == 5 and run.stopped_by == "callback"
    assert cache == {}


def test_start_is_the_trainers_start():
    W0, u0 = lazy_start(D, 8, seed=3)
    np.testing.assert_array_equal(W0[0::2], W0[1::2])                  # pairs share w ...
    np.testing.assert_array_equal(u0[0::2], -u0[1::2])                 # ... with opposite output weights
    np.testing.assert_allclose(np.linalg.norm(W0, axis=1), 1.0, rtol=1e-14)
    run = train_two_layer(D, 8, alpha=2.0, steps=7, seed=3, compare=False)
    # movement = |W_t - W_0|_F / |W_0|_F with W_0 from lazy_start
    assert run.movements[-1] == pytest.approx(np.linalg.norm(run.W - W0) / np.linalg.norm(W0), rel=1e-12)
    with pytest.raises(ValueError, match="width must be even"):
        lazy_start(D, 7)


def test_rf_best_matches_pseudo_inverse_and_monte_carlo():
    d, r = 5, 12
    W0, _ = lazy_start(d, r)
    best = lazy_rf_best(d, r)
    # oracle 1: the duplicated features (pairs share w) through the pseudo-inverse of their singular Gram
    w_star = ReluTarget().weight(d)
    K, k = relu_kernel(W0, W0), relu_kernel(W0, w_star[None])[:, 0]
    kss = 0.5                                                           # E[relu(x_1)^2]
    assert best == pytest.approx((kss - k @ np.linalg.pinv(K, rcond=1e-10) @ k) / kss, rel=1e-8)
    # oracle 2: least squares on 400 000 Gaussian samples (6 features: noise well below 1%)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((400_000, d))
    F, y = np.maximum(X @ W0[0::2].T, 0.0), np.maximum(X[:, 0], 0.0)
    coef = np.linalg.lstsq(F, y, rcond=None)[0]
    assert best == pytest.approx(np.mean((F @ coef - y) ** 2) / np.mean(y**2), rel=2e-2)
    # the RF model trained alongside the network can never beat it
    run = train_two_layer(d, r, alpha=1.0, steps=40)
    assert np.all(run.rf_losses >= best - 1e-12)


def test_movements_are_read_from_the_cache_by_width():
    cache = {}
    for r in (8, 4):
        lazy_run(D, r, 10.0, steps=STEPS, cache=cache, compare=False)
    lazy_run(D, 8, 1.0, steps=STEPS, cache=cache, compare=False)
    ws, ms = lazy_movements(cache, D, 10.0, steps=STEPS)
    assert ws.tolist() == [4, 8]
    assert ms.tolist() == [cache[(D, r, 10.0, STEPS, 0)].movements[-1] for r in (4, 8)]
    assert lazy_movements(cache, D, 3.0, steps=STEPS)[0].size == 0


def test_alignment_is_the_mean_cosine_of_positive_neurons():
    W = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [-3.0, 0.0]])
    u = np.array([1.0, 0.5, 2.0, -1.0])                                 # the last neuron is left out
    assert lazy_alignment(W, u, [2.0, 0.0]) == pytest.approx((1.0 + 1 / math.sqrt(2) + 0.0) / 3, rel=1e-14)
    assert math.isnan(lazy_alignment(W, -np.abs(u), [1.0, 0.0]))


# ------------------------------------------------------------------ the dashboard


def test_first_picture_is_the_chosen_run():
    cache = {}
    dash = _dash(cache)
    run = dash.result.run
    assert run is cache[(D, 8, 10.0, STEPS, 0)] and run.alpha == 10.0 and run.width == 8
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
    cache = {}
    dash = _dash(cache)
    lazy = dash.result.run
    assert dash.set(alpha=0.3)
    rich = dash.result.run
    assert rich.alpha == 0.3 and rich.lr == LAZY_MAX_LR and (D, 8, 0.3, STEPS, 0) in cache
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
    cache = {}
    lazy_run(D, 4, 10.0, steps=STEPS, cache=cache, compare=False)      # e.g. a notebook's width sweep
    wide = lazy_run(D, 16, 10.0, steps=STEPS, cache=cache, compare=False)  # outside the dashboard's widths
    dash = _dash(cache)
    line = _trace(dash.figures[2], "α = 10")
    assert list(line.x) == [4, 8, 16] and line.y[-1] == wide.movements[-1]
    assert dash.cache is cache


def test_dashboard_validates_its_settings():
    with pytest.raises(ValueError, match="widths must be even"):
        _dash(widths=(4, 7))
    with pytest.raises(ValueError, match="alphas must be finite positive"):
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
