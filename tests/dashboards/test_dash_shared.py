"""What every dashboard does the same way, because the one base does it (tested once, over all eight):
a refused value keeps the last picture and says why, values are never clamped and always show on their
control, the state goes out and comes back exactly (JSON and query string), bad links change nothing,
headless dashboards never draw, static ones redraw in an Output."""

import json
import math

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest

import rfexplore.dashboards._figures as figures_module
from rfexplore import plots
from rfexplore.dashboards import (
    TourConfig,
    TourDashboard,
    features_dashboard,
    lazy_dashboard,
    limitation_dashboard,
    neuron_dashboard,
    polynomial_dashboard,
    proof_dashboard,
    staircase_dashboard,
)
from rfexplore.dashboards._state import MAX_TEXT, Control
from rfexplore.experiments import Cache

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def _tour(static=None, headless=False, **kw):
    return TourDashboard(TourConfig(**{"width": 60, **kw}), pool_size=128, static=static, headless=headless)


def _limitation(**kw):
    return limitation_dashboard(ds=(4, 8), pool_size=60, seeds=(0,), norms=(1.0, 10.0), biases=(0.0, 1.0),
                                budget_ds=(8,), budget_width=20, budgets=(1.0, 10.0), **kw)


# name: (factory, its keyword arguments, a good change, a refused value and its message, a state with floats
# that do not print exactly in a few digits)
CASES = {
    "tour": (_tour, {},
             dict(width=90), (dict(d=500), "d must be an integer from 2 to 200, got 500"),
             dict(lr=10 ** -0.95, target_norm=10 ** 0.05, magnitude=10 ** 1.05)),
    "random_features": (lambda **kw: features_dashboard(pool_size=60, n_test=500, cache=Cache(), **kw),
                        dict(width=10, n=100), dict(width=30),
                        (dict(n=5000), "n must be an integer from 10 to 3000, got 5000"), dict(width=7, n=13)),
    "polynomials": (lambda **kw: polynomial_dashboard(pool_size=80, cache=Cache(), **kw), dict(k=2, d=4),
                    dict(eps=0.3), (dict(d=40), "d must be an integer from 2 to 32, got 40"),
                    dict(bias_std=0.1 * 3, eps=0.1 + 0.2)),
    "lazy": (lambda **kw: lazy_dashboard(steps=10, widths=(4, 8), alphas=(1.0, 10.0), cache=Cache(), **kw),
             dict(d=4, width=4, alpha=10.0), dict(alpha=1.0),
             (dict(alpha=3.0), "alpha must be one of 1.0, 10.0, got 3.0"), dict(width=8)),
    "limitation": (_limitation, dict(width=30, d=8, eps=0.3, magnitude=10.0), dict(width=45),
                   (dict(width=61), "width must be an integer from 1 to 60, got 61"), dict(bias=1.0, eps=0.1)),
    "staircase": (lambda **kw: staircase_dashboard(cache=Cache(), **kw), dict(d=4, pool=200), dict(d=5),
                  (dict(pool=5000), "pool must be an integer from 100 to 4000, got 5000"), dict(seed=3)),
    "neuron": (lambda **kw: neuron_dashboard(cache=Cache(), **kw), dict(d=10, steps=20, rf_width=0),
               dict(d=20), (dict(steps=5000), "steps must be an integer from 10 to 1000, got 5000"),
               dict(lr=10 ** -0.31, samples=4.0)),
    "proof": (lambda **kw: proof_dashboard(pool_size=60, cache=Cache(), **kw), dict(d=4, width=60, component=1),
              dict(width=30), (dict(norm=4.0), "norm / period must be at most 2"), dict(period=0.5, seed=2)),
}


def make(name, **extra):
    factory, kwargs, *_ = CASES[name]
    return factory(**{"static": False, **kwargs, **extra})


def picture(dash):
    return [json.dumps(f.to_plotly_json(), sort_keys=True, default=str) for f in dash.figures]


def shown(dash):
    """Every control's value as the state reads it (a log slider's integer rounded, an unticked box: None)."""
    out = {}
    for name, w in dash.controls.items():
        c = dash._controls[name]
        out[name] = None if c.off and not dash.toggles[name].value else c.read(w.value)
    return out


ALL = list(CASES)


@pytest.fixture(scope="module", params=ALL)
def dash(request):
    return request.param, make(request.param)


# ------------------------------------------------------------------ refused values


def test_a_refused_value_keeps_the_last_picture_and_says_why(dash):
    name, d = dash
    good = d.config
    before, readout = picture(d), d.readout.value
    change, message = CASES[name][3]
    assert d.set(**change) is False
    assert "⚠" in d.status.value and message in d.status.value.replace("&#x27;", "'")
    assert d.config == good and picture(d) == before and d.readout.value == readout
    assert {k: v for k, v in shown(d).items()} == {k: getattr(good, k) for k in shown(d)}   # controls put back
    assert d.set(**CASES[name][2])                          # the next good value draws and clears the message
    assert d.status.value == "" and picture(d) != before
    assert d.set_config(good) and d.config == good


@pytest.mark.parametrize("name", ALL)
def test_a_constructor_value_out_of_range_is_refused_not_clamped(name):
    change, message = CASES[name][3]
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make(name, **change)


def test_a_value_set_from_code_shows_on_its_control(dash):
    name, d = dash
    assert d.set(**CASES[name][2])
    assert shown(d) == {k: getattr(d.config, k) for k in shown(d)}
    assert d.config.to_query() in d.w_config.placeholder


def test_unknown_names_raise_a_type_error(dash):
    with pytest.raises(TypeError, match="unknown control"):
        dash[1].set(colour=1)


# ------------------------------------------------------------------ links


def test_json_and_query_restore_the_same_numbers_bit_for_bit(dash):
    name, d = dash
    assert d.set(**CASES[name][4]) and d.finish()            # finish: the final numbers (tour: budget fit)
    state, numbers = d.config, d.numbers()
    for text in (state.to_json(), state.to_query(), "?" + state.to_query()):
        fresh = make(name)
        assert fresh.load(text), fresh.status.value
        assert fresh.finish()
        assert fresh.config == state                       # == on floats: the same bits
        for field in state.__dataclass_fields__:
            a, b = getattr(fresh.config, field), getattr(state, field)
            assert type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))
        assert fresh.numbers() == numbers
    assert type(state).from_query(state.to_query()) == state == type(state).from_json(state.to_json())


BAD_LINKS = [
    ("x" * 1_000_000, f"configuration must be at most {MAX_TEXT} characters, got 1000000"),
    ("&".join(["d=5"] * 100_000), f"configuration must be at most {MAX_TEXT} characters"),
    ('{"d": ' + "[" * 990 + "]" * 990 + "}", "configuration is nested too deeply"),
    ('{"d": [1]}', "configuration value 'd' must be a number, true/false, text or null, got list"),
    ('{"seed": 1, "seed": 2}', "configuration key 'seed' appears more than once"),
    ("{key}=1&{key}=2", "parameter '{key}' appears more than once in the query"),
    ("colour=red", "unknown parameter 'colour' in the query"),
    ('{"colour": 1}', "unknown configuration key(s) 'colour'"),
    ("&".join(f"k{i}=1" for i in range(40)), "the query has more than"),
    ("[" * 1500, "unknown parameter"),
    ("{not json", "configuration is not valid JSON"),
]


@pytest.mark.parametrize("text, message", BAD_LINKS)
def test_bad_links_show_a_short_message_and_change_nothing(dash, text, message):
    _, d = dash
    key = type(d.config).CONTROLS[0].key                  # a parameter every dashboard has: its first
    text, message = text.replace("{key}", key), message.replace("{key}", key)
    good, before = d.config, picture(d)
    assert d.load(text) is False
    assert message in d.status.value.replace("&#x27;", "'")
    assert len(d.status.value) < 600                       # a huge paste is never echoed back
    assert d.config == good and picture(d) == before
    d.set_config(good)


def test_load_refuses_non_text(dash):
    _, d = dash
    assert d.load(None) is False and "configuration must be text" in d.status.value


# ------------------------------------------------------------------ drawing


@pytest.mark.parametrize("name", ALL)
def test_headless_dashboards_compute_without_drawing(name, monkeypatch):
    shown_calls = []
    monkeypatch.setattr(figures_module, "display", lambda *a, **k: shown_calls.append(a))
    d = make(name, headless=True, static=None)
    before = picture(d)
    assert d.set(**CASES[name][2])
    assert shown_calls == [] and picture(d) != before
    assert all(type(f) is go.Figure for f in d.figures)
    json.dumps(d.export_data())


@pytest.mark.parametrize("name", ALL)
def test_static_figures_are_redrawn_in_an_output(name, monkeypatch):
    shown_calls = []
    monkeypatch.setattr(figures_module, "display", lambda *a, **k: shown_calls.append(a))
    d = make(name, static=True)
    assert d.static and all(isinstance(s.widget, widgets.Output) for s in d.slots.values())
    n = len(shown_calls)
    assert n == len(d.slots)                               # each figure drawn once at the start
    assert d.set(**CASES[name][2])
    assert len(shown_calls) > n


@pytest.mark.parametrize("name", ALL)
def test_exports_work_for_every_dashboard(name):
    d = make(name)
    data = d.export_data()
    assert data["config"] == json.loads(d.config.to_json())
    json.dumps(data)
    assert set(d.export_figures_html()) == set(d.slots)
    d.prepare_downloads()
    assert d.downloads.value.count("download=") >= 2 + len(d.slots)
    assert d.config.to_query() in d.downloads.value


# ------------------------------------------------------------------ the cases of the hostile test (issue 11)


@pytest.mark.parametrize("factory, kwargs, error, message", [
    (staircase_dashboard, dict(d=50, pool=200), ValueError, "d must be an integer from 2 to 30, got 50"),
    (staircase_dashboard, dict(pool=5000), ValueError, "pool must be an integer from 100 to 4000, got 5000"),
    (staircase_dashboard, dict(pool=0), ValueError, "pool must be an integer from 100 to 4000, got 0"),
    (staircase_dashboard, dict(pool=None), TypeError, "pool must be an integer from 100 to 4000, got None"),
    (staircase_dashboard, dict(pool="abc"), TypeError, "pool must be an integer from 100 to 4000, got 'abc'"),
    (staircase_dashboard, dict(seed=-3), ValueError, "seed must be a non-negative integer"),
    (polynomial_dashboard, dict(d=40), ValueError, "d must be an integer from 2 to 32, got 40"),
    (neuron_dashboard, dict(d="abc"), TypeError, "d must be one of 2, 3, 5"),
    (neuron_dashboard, dict(steps=5000), ValueError, "steps must be an integer from 10 to 1000, got 5000"),
    (lambda **kw: TourDashboard(TourConfig(**kw), pool_size=128), dict(width=60, target_norm=5000.0), ValueError,
     "target_norm must be a number in [0.1, 1000], got 5000.0"),
])
def test_silent_changes_of_the_hostile_test_are_refused(factory, kwargs, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        factory(**kwargs)


def test_a_large_target_norm_shows_on_its_slider():
    d = TourDashboard(TourConfig(width=60, target_norm=500.0), pool_size=128, static=False)
    assert d.controls["target_norm"].value == 500.0 and d.config.target_norm == 500.0
    assert d.set(target_norm=900.0) and d.controls["target_norm"].value == 900.0


def test_neuron_steps_set_from_code_are_the_steps_run():
    d = neuron_dashboard(d=10, steps=500, rf_width=0, cache=Cache(), static=False)
    assert d.controls["steps"].value == 500 and d.result.run.steps == 500


def test_a_widget_value_outside_the_rules_is_refused_and_put_back():
    d = staircase_dashboard(d=4, pool=200, cache=Cache(), static=False)
    d.controls["seed"].value = -5                           # typed into the seed box
    assert "seed must be a non-negative integer" in d.status.value
    assert d.controls["seed"].value == 0 and d.config.seed == 0
    np.testing.assert_array_equal(d.result.errors, staircase_dashboard(d=4, pool=200).result.errors)


# ------------------------------------------------------------------ keyboard steps (issue 13)


SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.SelectionSlider)


def _arrow(w, direction):
    """What a slider's readout shows before and after one arrow key (the frontend moves its position by
    ``step``, or to the next option), or None at that end of the slider."""
    if isinstance(w, widgets.SelectionSlider):
        i = w.index + direction
        return (w.options[w.index][0], w.options[i][0]) if 0 <= i < len(w.options) else None
    if isinstance(w, widgets.FloatLogSlider):
        exponent = math.log10(w.value) + direction * w.step
        fmt = w.readout_format
        return (format(w.value, fmt), format(w.base ** exponent, fmt)) if w.min <= exponent <= w.max else None
    fmt = getattr(w, "readout_format", "d")
    v = w.value + direction * w.step
    return (format(w.value, fmt), format(v, fmt)) if w.min <= v <= w.max else None


@pytest.mark.parametrize("name", ALL)
def test_every_arrow_key_on_every_slider_shows_another_value(name):
    """At the dashboard's first state, ArrowRight and ArrowLeft on every slider each show another value
    (on a log slider of widths: the next width), never the same text again."""
    d = make(name)
    sliders = {k: w for k, w in d.controls.items() if isinstance(w, SLIDERS)}
    assert sliders, f"{name} has no slider"
    for key, w in sliders.items():
        for direction in (1, -1):
            shown_ = _arrow(w, direction)
            assert shown_ is None or shown_[1] != shown_[0], f"{name}.{key}: one arrow from {shown_[0]} shows it again"


@pytest.mark.parametrize("low, high, step", [(1, 4096, 0.01), (1, 60, 0.02), (10, 3000, 0.01), (7, 7, 0.01)])
def test_log_slider_stops_run_from_low_to_high_in_steps_no_wider_than_asked(low, high, step):
    c = Control("width", "logint", "width r", "r", low=low, high=high, step=step)
    values = [v for _, v in c.stops()]
    assert values[0] == low and values[-1] == high and values == sorted(set(values))
    assert all(isinstance(v, int) for v in values)
    ratios = np.diff(values) / np.array(values[:-1])
    # each stop the next integer or at most one step (x 10**step, plus rounding) further
    assert all(b - a == 1 or b <= a * 10 ** step + 1 for a, b in zip(values[:-1], values[1:], strict=True))
    assert len(values) == 1 or ratios.min() > 0
    assert [v for _, v in c.stops(value=301)].count(301) == 1     # a value set from code is one stop more


def test_a_width_from_a_link_is_exact_on_the_slider_and_the_arrow_goes_to_the_next_stop():
    d = make("tour")
    assert d.load("r=97") and d.config.width == 97 and d.controls["width"].value == 97
    w = d.controls["width"]
    w.index += 1                                              # ArrowRight in the browser
    assert d.config.width > 97 and d.config.width == w.value


# ------------------------------------------------------------------ figure titles fit (issue 13)

TITLE_MARGIN = 20          # px kept free at a figure's right edge (as tests/plots/test_plots_titles.py)
DEFAULTS = {               # every dashboard as its notebook opens it (default sizes and data), never drawn
    "tour": lambda: TourDashboard(headless=True),
    "random_features": lambda: features_dashboard(headless=True),
    "polynomials": lambda: polynomial_dashboard(headless=True),
    "lazy": lambda: lazy_dashboard(headless=True),
    "limitation": lambda: limitation_dashboard(headless=True),
    "staircase": lambda: staircase_dashboard(headless=True),
    "neuron": lambda: neuron_dashboard(headless=True),
    "proof": lambda: proof_dashboard(headless=True),
}


def _wide_titles(d):
    return [(name, text, round(px), slot.width) for name, slot in d.slots.items()
            for text, px in plots.title_widths(slot.fig) if px > slot.width - TITLE_MARGIN]


@pytest.mark.parametrize("name", ALL)
def test_no_figure_title_is_wider_than_its_figure_at_the_default_sizes(name):
    """plotly cuts a title at the figure's edge: each title's conservative width estimate
    (``plots.title_width``) fits the width the dashboard draws the figure at."""
    assert _wide_titles(DEFAULTS[name]()) == []


def _extremes(c):
    """The values of a control whose titles may be widest: every option, or both ends of a range."""
    if c.kind == "choice":
        return c.values
    if c.kind == "check":
        return (False, True)
    if c.kind in ("int", "logint"):
        return (c.low, c.high)
    if c.kind in ("float", "log"):
        return (float(c.low), float(c.high))
    return ()                                                # the seed is in no title


@pytest.mark.parametrize("name", ALL)
def test_no_title_outgrows_its_figure_at_any_option_or_end_of_a_control(name):
    d = make(name, headless=True)
    first, wide = d.config, []
    for key, c in d._controls.items():
        for value in _extremes(c) if c.widget else ():       # values a person can set on screen
            if d.set_config(first, **{key: value}):            # some combinations are refused: fine
                wide += [(key, value, *w) for w in _wide_titles(d)]
    d.set_config(first)
    assert wide == []
