"""The headline dashboard, driven from Python: set controls, read figures and readouts back."""

import json
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.dashboards import Control, Explorer, Spec, State, TourConfig, TourDashboard, doctor, figure_backend, tour
from rfexplore.dashboards._figure_view import FigureView
from rfexplore.gaussian import relu_hermite_residuals, rf_staircase

POOL = 768


@pytest.fixture(scope="module")
def dash():
    return TourDashboard(pool_size=POOL, static=False)


def _trace(slot, name):
    return slot.fig.data[plots.trace_index(slot.fig, name)]


def test_first_picture_is_complete_before_display(dash):
    c = dash.config
    assert isinstance(dash.slots['width'].view, FigureView)
    curve = _trace(dash.slots['width'], "RF error (exact, best output weights)")
    assert len(curve.x) == POOL
    assert list(_trace(dash.slots['width'], "current width").x) == [c.width]
    assert "RF error at this width" in dash.readout.value
    assert f"{dash.numbers()['rf_error']:.4f}" in dash.readout.value


def test_d50_plateau_readout_in_design_range(dash):
    assert dash.set_config(d=50, width=300)
    n = dash.numbers()
    # DESIGN 2.4 (d = 50, sign-symmetric pairs): 0.180 at r = 100, 0.151 at r = 500
    assert 0.14 < n["rf_error"] < 0.19
    # the level after the linear part in dimension 50, close to its d -> infinity limit 1/2 - 1/pi
    assert n["plateau"] == pytest.approx(rf_staircase(50, symmetric=True)[1][1])
    assert n["plateau"] == pytest.approx(relu_hermite_residuals(1)[0], abs=0.005)
    assert "d = 50" in dash.slots['width'].fig.layout.title.text


def test_width_move_updates_marker_and_readout(dash):
    dash.set_config(d=50, width=100)
    before = dash.numbers()["rf_error"]
    slider = dash.controls['width']
    r = next(v for _, v in slider.options if v >= 600)      # a width the slider shows
    slider.value = r                                         # as if the slider moved
    assert dash.config.width == r
    marker = _trace(dash.slots['width'], "current width")
    assert list(marker.x) == [r] and marker.y[0] == pytest.approx(dash.result.curve.errors[r - 1])
    assert dash.numbers()["rf_error"] < before
    assert list(_trace(dash.slots['magnitude'], "current width").y) == [pytest.approx(dash.result.point.best.magnitude)]


def test_magnitude_budget_raises_the_floor(dash):
    dash.set_config(d=50, width=600, magnitude=None)
    free = dash.numbers()
    dash.controls['magnitude'].value = 3.0
    dash.toggles['magnitude'].value = True
    assert dash.finish()                                    # the budget fit to the end (on screen: in slices)
    n = dash.numbers()
    assert dash.config.magnitude == pytest.approx(3.0)
    assert n["rf_error_with_budget"] > free["rf_error"] + 0.05
    budget = _trace(dash.slots['width'], "with magnitude budget M")
    assert budget.y[0] == pytest.approx(n["rf_error_with_budget"])
    assert list(_trace(dash.slots['magnitude'], "magnitude budget M").y) == [pytest.approx(3.0)] * 2
    dash.toggles['magnitude'].value = False
    assert dash.config.magnitude is None
    assert len(_trace(dash.slots['width'], "with magnitude budget M").x) == 0


def test_play_run_neuron_learns_rf_stalls():
    dash = TourDashboard(pool_size=POOL, static=False)       # default settings
    dash.run()
    n = dash.numbers()
    assert n["step"] == dash.config.steps
    assert n["neuron_error"] < 1e-6
    # RF training cannot beat the best fit of its features, and stalls near it
    assert n["rf_training_error"] >= n["rf_error"] - 1e-12
    assert n["rf_training_error"] < n["rf_error"] + 0.05
    neuron = _trace(dash.slots['training'], "single neuron (gradient descent)")
    assert len(neuron.x) == dash.config.steps + 1
    first = dash.export_data()["training"]
    dash.reset()
    assert dash.step == 0 and list(_trace(dash.slots['training'], "single neuron (gradient descent)").x) == [0]
    assert list(_trace(dash.slots['training'], "random features (output layer trained)").customdata) == [1.0]
    assert "press" in dash.readout.value
    dash.run()
    assert dash.export_data()["training"] == first       # Reset replays the same seed exactly


def test_step_button_advances(dash):
    dash.reset()
    dash.w_step.click()
    assert 0 < dash.step < dash.config.steps
    assert len(_trace(dash.slots['trajectory'], "distance |w − w*|").x) == dash.step + 1


def test_target_norm_scales_absolute_not_relative_error(dash):
    dash.set_config(d=20, width=200, target_norm=1.0)
    rel1, mag1 = dash.numbers()["rf_error"], dash.numbers()["magnitude"]
    dash.set_config(target_norm=10.0)
    rel10, mag10 = dash.numbers()["rf_error"], dash.numbers()["magnitude"]
    # positive homogeneity: relu(<10 w, x>) = 10 relu(<w, x>)
    assert rel10 == pytest.approx(rel1, rel=1e-9)
    assert mag10 == pytest.approx(10 * mag1, rel=1e-6)
    dash.set_config(target_norm=1.0)


@pytest.mark.parametrize("changes, message", [
    (dict(d=500), "d must be an integer from 2 to 200, got 500"),
    (dict(width=POOL + 1), f"width must be an integer from 1 to {POOL}, got {POOL + 1}"),
    (dict(magnitude=-1.0), "magnitude must be a number in [0.1, 10000], got -1.0"),
    (dict(magnitude=float("nan")), "magnitude must be a number in [0.1, 10000], got nan"),
    (dict(lr=0.0), "lr must be a number in [0.01, 10], got 0.0"),
    (dict(seed=-2), "seed must be a non-negative integer below 2**32, got -2"),
    (dict(steps=0), "steps must be an integer from 1 to 5000"),
    (dict(target_norm=float("inf")), "target_norm must be a number in [0.1, 1000], got inf"),
])
def test_bad_values_show_message_and_keep_last_good_state(dash, changes, message):
    dash.set_config(d=30, width=250, magnitude=None)
    good = dash.config
    curve = list(_trace(dash.slots['width'], "RF error (exact, best output weights)").y[:5])
    assert dash.set_config(**changes) is False
    assert message in dash.status.value and "⚠" in dash.status.value
    assert dash.config == good
    assert list(_trace(dash.slots['width'], "RF error (exact, best output weights)").y[:5]) == curve
    assert dash.controls['d'].value == 30 and dash.controls['seed'].value == good.seed
    dash.set_config(d=30)
    assert dash.status.value == ""


def test_typed_bad_seed_reverts_widget(dash):
    dash.set_config(seed=0)
    dash.controls['seed'].value = -5
    assert "seed must be a non-negative integer" in dash.status.value
    assert dash.controls['seed'].value == 0 and dash.config.seed == 0


def test_json_and_query_round_trip():
    cfg = TourConfig(d=50, width=600, magnitude=30.0, target_norm=2.5, lr=0.5, steps=300, seed=3, symmetric=False)
    assert TourConfig.from_json(cfg.to_json()) == cfg
    assert TourConfig.from_query(cfg.to_query()) == cfg
    assert TourConfig.from_query("?" + TourConfig().to_query()) == TourConfig()
    assert "M=none" in TourConfig().to_query()


@pytest.mark.parametrize("text, message", [
    ("{not json", "configuration is not valid JSON"),
    ('{"d": 50, "colour": 1}', "unknown configuration key(s) 'colour'"),
    ("d=50&r=abc", "width must be an integer, got 'abc'"),
    ("d=50&zzz=1", "unknown parameter 'zzz'"),
    ("pairs=maybe", "pairs must be 0 or 1"),
    ('{"d": 1}', "d must be an integer from 2 to 200, got 1"),
])
def test_bad_restores_show_message(dash, text, message):
    good = dash.config
    assert dash.load(text) is False
    assert message in dash.status.value.replace("&#x27;", "'")
    assert dash.config == good


def test_load_restores_exact_configuration(dash):
    cfg = TourConfig(d=25, width=123, magnitude=None, seed=2)
    assert dash.load(cfg.to_query())
    assert dash.config == cfg
    assert dash.controls['d'].value == 25 and round(dash.controls['width'].value) == 123
    dash.w_config.value = TourConfig(d=26).to_json()
    dash.w_load.click()
    assert dash.config.d == 26


def test_tour_from_query():
    d = tour("d=12&r=40&seed=1", pool_size=128, static=True)
    assert (d.config.d, d.config.width, d.config.seed) == (12, 40, 1)


def test_exports(dash):
    dash.set_config(d=20, width=200)
    csv_text = dash.export_csv()
    lines = csv_text.strip().splitlines()
    assert lines[0] == "width,relative_error,r_max_u" and len(lines) == POOL + 1
    assert float(lines[200].split(",")[1]) == pytest.approx(dash.result.curve.errors[199], rel=1e-9)
    data = dash.export_data()
    json.dumps(data)
    assert data["config"]["d"] == 20 and len(data["width_curve"]["relative_error"]) == POOL
    htmls = dash.export_figures_html()
    assert set(htmls) == {"training", "width", "magnitude", "trajectory"}
    assert all("plotly" in h for h in htmls.values())
    dash.prepare_downloads()
    assert dash.downloads.value.count("download=") == 7
    assert dash.config.to_query() in dash.downloads.value


def test_static_fallback_redraws_in_output(monkeypatch):
    monkeypatch.setenv("RFEXPLORE_STATIC", "1")
    assert figure_backend()[0] == "static"
    d = TourDashboard(TourConfig(width=60), pool_size=128)
    assert d.static and isinstance(d.slots['width'].widget, widgets.Output)
    assert not hasattr(d.slots['width'], 'view')
    d.set_config(width=100)
    assert list(_trace(d.slots['width'], "current width").x) == [100]
    d.run()
    assert d.numbers()["neuron_error"] < 1e-6


def test_headless_dashboard_computes_without_drawing(monkeypatch):
    # figures are kept up to date as objects but never displayed (no output messages at all), while a
    # static dashboard displays on every change
    import rfexplore.dashboards._figures as figures_module

    shown = []
    monkeypatch.setattr(figures_module, "display", lambda *a, **k: shown.append(a))
    d = TourDashboard(TourConfig(width=60), pool_size=128, headless=True)
    d.set_config(d=20, width=100)
    d.run()
    assert shown == []
    assert list(_trace(d.slots['width'], "current width").x) == [100]
    assert len(_trace(d.slots['training'], "single neuron (gradient descent)").x) == d.config.steps + 1
    assert d.numbers()["neuron_error"] < 1e-6
    TourDashboard(TourConfig(width=60), pool_size=128, static=True).set_config(width=100)
    assert len(shown) >= 4


def test_voila_kernels_get_the_figure_view_too(monkeypatch):
    # the figure view's code is tiny and plotly.js comes once per page, so Voila needs no static fallback
    for var in ("RFEXPLORE_STATIC", "VOILA_KERNEL_ID", "VOILA_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    assert figure_backend()[0] == "widget"
    assert not TourDashboard(TourConfig(width=60), pool_size=64).static


def test_doctor_reports_versions_and_backend(capsys):
    doctor()
    out = capsys.readouterr().out
    for name in ("numpy", "torch", "plotly", "anywidget", "ipywidgets", "figures"):
        assert name in out


@dataclass(frozen=True)
class _Count(State):
    n: int = 2
    CONTROLS = (Control("n", "int", "n", "n", low=0, high=10),)


def test_explorer_wires_controls_and_keeps_last_good_result():
    def compute(c):
        if c.n > 5:
            raise ValueError(f"n must be at most 5, got {c.n}")
        return np.arange(c.n + 1.0)

    def figures(c, res, progress):
        return [go.Figure(go.Scatter(x=res, y=res ** 2, name="square"))]

    spec = Spec(name="count", state=_Count, compute=compute, figures=figures, figure_names=("square",),
                readout=lambda c, r, p: f"max {r.max():g}")
    ex = Explorer(spec, _Count(), static=False)
    slider = ex.controls["n"]
    assert isinstance(slider, widgets.IntSlider) and (slider.min, slider.max) == (0, 10)
    assert list(ex.figures[0].data[0].y) == [0, 1, 4] and ex.readout.value == "max 2"
    slider.value = 3
    assert list(ex.figures[0].data[0].y) == [0, 1, 4, 9] and ex.readout.value == "max 3"
    slider.value = 8
    assert "n must be at most 5, got 8" in ex.status.value
    assert slider.value == 3 and list(ex.figures[0].data[0].y) == [0, 1, 4, 9]
    with pytest.raises(TypeError, match="unknown control"):
        ex.set(m=1)


def test_width_slider_shows_every_width_set_from_code_and_arrows_go_on_from_it(dash):
    """A width between the slider's stops (from code or a link) is shown exactly, not rounded to a neighbour,
    and the next stop either side is another width."""
    slider = dash.controls['width']
    for r in (7, 600, 603, dash.pool_size):
        assert dash.set_config(width=r) and slider.value == r and dash.config.width == r
        values = [v for _, v in slider.options]
        i = values.index(r)
        assert values[i - 1] < r and (r == dash.pool_size or values[i + 1] > r)
    dash.set_config(width=300)


def test_first_picture_shows_both_models_at_their_start():
    """Voila renders the state at display time: no figure may start empty (the start of training)."""
    d = TourDashboard(TourConfig(width=60), pool_size=128, static=False)
    for slot in d.slots.values():
        assert any(len(t.x) for t in slot.fig.data), slot.fig.layout.title.text
    assert list(_trace(d.slots['trajectory'], "distance |w − w*|").x) == [0]


# ------------------------------------------------------------------ interruption (issue 11)


def _interrupt_rf_at(monkeypatch, step):
    """Make the RF training of the tour stop after ``step`` steps as a Ctrl-C would (a KeyboardInterrupt in
    its loop)."""
    import rfexplore.experiments.tour as tour_module

    real = tour_module.train_rf

    def interrupted(*args, **kwargs):
        def ctrl_c(t, state):
            if t == step:
                raise KeyboardInterrupt
        return real(*args, **{**kwargs, "callback": ctrl_c})

    monkeypatch.setattr(tour_module, "train_rf", interrupted)


def test_ctrl_c_during_play_leaves_a_consistent_dashboard(monkeypatch):
    # the case, smaller: Ctrl-C at step 335 of 1000 used to leave numbers() raising
    # "IndexError: index 1000 is out of bounds for axis 0 with size 335"
    from rfexplore.experiments import CACHE

    CACHE.clear()
    d = TourDashboard(TourConfig(width=400, steps=1000, lr=0.5), pool_size=512, static=False)
    _interrupt_rf_at(monkeypatch, 335)
    d.run()
    n = d.numbers()
    assert n["step"] == 1000 and n["training_complete"] is False and n["steps_trained"] == 335
    assert n["rf_training_error"] == pytest.approx(float(d.progress.history.rf_losses[-1]))
    assert n["neuron_error"] < 1e-6                               # the neuron ran to the end before the RF
    assert "Training incomplete" in d.readout.value and "interrupted" in d.readout.value
    rf = _trace(d.slots['training'], "random features (output layer trained)")
    assert len(rf.x) == 336 and len(_trace(d.slots['training'], "single neuron (gradient descent)").x) == 1001
    data = d.export_data()
    json.dumps(data)
    assert data["training_complete"] is False and len(data["training"]["rf"]) == 336
    d.export_csv()
    d.prepare_downloads()
    d.advance()                                                   # Step and a Play value past the end: still fine
    d.play.value = 700
    assert d.numbers()["rf_training_error"] == n["rf_training_error"]
    monkeypatch.undo()                                            # the next Play (after Reset) trains again
    d.reset()
    assert d.step == 0 and "press" in d.readout.value and d.progress.history is None
    d.run()
    assert d.numbers()["training_complete"] is True and d.numbers()["steps_trained"] == 1000
    assert "incomplete" not in d.readout.value


def test_an_interrupted_run_is_not_cached(monkeypatch):
    from rfexplore.experiments import Cache, tour_curve, tour_training

    cache = Cache()
    curve = tour_curve(10, pool_size=64, cache=cache)
    _interrupt_rf_at(monkeypatch, 5)
    cut = tour_training(curve, 30, magnitude=None, lr=0.5, steps=20, cache=cache)
    assert not cut.complete and cut.steps_done == 5 and not any(k[0] == "tour_training" for k in cache.keys())
    monkeypatch.undo()
    full = tour_training(curve, 30, magnitude=None, lr=0.5, steps=20, cache=cache)
    assert full.complete and full.steps_done == 20 and tour_training(curve, 30, magnitude=None, lr=0.5, steps=20,
                                                                      cache=cache) is full


def test_ctrl_c_during_a_change_keeps_the_last_state(monkeypatch):
    import rfexplore.experiments.tour as tour_module

    d = TourDashboard(TourConfig(width=60), pool_size=128, static=False)
    good, numbers = d.config, d.numbers()

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tour_module, "fit_nested", ctrl_c)
    monkeypatch.setattr(tour_module, "NestedSolve", ctrl_c)        # on screen a new pool is factored in slices
    with pytest.raises(KeyboardInterrupt):
        d.set_config(d=77)                                        # a new pool: interrupted while factorizing
    assert d.config == good and d.numbers() == numbers and d.controls["d"].value == good.d
    assert "interrupted" in d.status.value
    d.export_data()


def test_stop_returns_to_the_start_picture():
    d = TourDashboard(TourConfig(width=60, steps=50), pool_size=128, static=False)
    d.play.value = 20                                             # Play stopped part way ...
    assert d.numbers()["step"] == 20 and len(_trace(d.slots["trajectory"], "distance |w − w*|").x) == 21
    d.play.value = 0                                              # ... and Stop (the widget goes back to min)
    assert d.numbers()["step"] == 0 and "neuron_error" not in d.numbers()
    assert list(_trace(d.slots["training"], "random features (output layer trained)").customdata) == [1.0]
