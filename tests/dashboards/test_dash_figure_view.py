"""FigureView's transport, without a browser: what `show` sends for each kind of change, and that the
synced state always holds the current figure (a page that connects later, as Voila's, draws it)."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore.dashboards._figure_view import FigureView, figure_json, loader


def _fig(n=100, k=3, marker=10, title="t"):
    traces = [go.Scatter(x=np.arange(n, dtype=float), y=np.arange(n) * (j + 1.0), name=f"line {j}")
              for j in range(k)]
    traces.append(go.Scatter(x=[marker], y=[1.0], mode="markers", name="current"))
    return go.Figure(traces, layout=dict(title=title, width=465, height=380))


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(FigureView, "send", lambda self, msg, buffers=None: messages.append(msg))
    return messages


def test_a_marker_move_sends_only_the_marker_trace(sent):
    view = FigureView(_fig())
    msg = view.show(_fig(marker=20))
    assert sent == [msg] and set(msg["traces"]) == {"3"} and "layout" not in msg and "extend" not in msg
    assert len(json.dumps(msg)) < len(json.dumps(figure_json(_fig()))) / 10
    assert view.figure == figure_json(_fig(marker=20))       # the synced state is the current figure
    assert list(view.fig.data[3].x) == [20]


def test_a_growing_trace_sends_only_its_new_points(sent):
    view = FigureView(_fig(n=50))
    msg = view.show(_fig(n=60))
    assert set(msg["extend"]) == {"0", "1", "2"} and "traces" not in msg
    assert msg["extend"]["1"]["x"] == list(np.arange(50, 60.0))
    assert msg["extend"]["1"]["y"] == list(np.arange(50, 60) * 2.0)


def test_a_changed_layout_is_sent_and_nothing_when_nothing_changed(sent):
    view = FigureView(_fig())
    assert view.show(_fig()) == {} and sent == []
    msg = view.show(_fig(title="new title"))
    assert "layout" in msg and "traces" not in msg and msg["layout"]["title"]["text"] == "new title"


def test_a_shrunk_or_replaced_trace_is_sent_whole_and_the_count_follows(sent):
    view = FigureView(_fig(n=50))
    msg = view.show(_fig(n=40, k=2))
    assert msg["n"] == 3 and set(msg["traces"]) >= {"0", "1", "2"}
    assert view.figure == figure_json(_fig(n=40, k=2))


def test_state_is_not_resent_as_a_whole(monkeypatch):
    """Updating the synced `figure` after a difference was sent must not send the whole state again."""
    view = FigureView(_fig())
    states = []
    monkeypatch.setattr(FigureView, "send", lambda self, msg, buffers=None: None)
    monkeypatch.setattr(view, "send_state", lambda key=None: states.append(key))
    view.show(_fig(marker=30))
    assert states == []


def test_one_loader_per_kernel_carries_plotly_js():
    a, b = FigureView(_fig()), FigureView(_fig())
    assert a.plotly is b.plotly is loader()
    assert len(loader().source) > 1_000_000 and "newPlot" in loader().source


# ---------------------------------------------------------------- pointers (traces the page draws from a control)

def _slider():
    import ipywidgets as widgets

    return widgets.SelectionSlider(options=[("1", 1), ("5", 5), ("9", 9)], value=5)


def test_a_pointer_is_sent_once_and_reads_a_selection_slider_by_its_label(sent):
    view, w = FigureView(_fig()), _slider()
    keys, values = np.array([1, 5, 9]), np.array([0.5, 0.25, 0.125])
    traces = {3: {"source": "width", "x": ["value"], "y": [("at", keys, values)]}}
    assert view.set_pointer({"width": (w, "value")}, traces) is True
    spec = view.pointer
    assert spec["sources"]["width"] == {"model": w, "attr": "index", "labels": True}
    assert spec["traces"]["3"]["x"] == ["value"] and set(spec["traces"]["3"]["y"][0]) == {"at", "of"}
    assert view.pointed == {3}
    assert view.set_pointer({"width": (w, "value")}, traces) is False          # the same arrays: not sent again
    assert view.set_pointer({"width": (w, "value")}, {3: {**traces[3], "y": [("at", keys, values.copy())]}},
                            dry=True) is True and view.pointer is spec           # dry: says so, sends nothing
    assert view.set_pointer({"width": (w, "value")}, None) is True and view.pointer == {} and not view.pointed


def test_drawn_traces_are_kept_here_and_not_sent(sent):
    view = FigureView(_fig())
    msg = view.update({3: {"type": "scatter", "x": [20.0], "y": [1.0], "mode": "markers", "name": "current"}},
                      drawn=frozenset({3}))
    assert msg == {} and sent == [] and view.figure["data"][3]["x"] == [20.0]


@pytest.mark.parametrize("sources, traces, message", [
    ({"w": "slider"}, {3: {"source": "w", "x": ["value"]}}, "sources: 'w' must be a widget and one of its traits"),
    ({"w": "slider"}, {7: {"source": "w", "x": ["value"]}}, "pointer: index must be below the number of traces 4"),
    ({"w": "slider"}, {3: {"source": "v", "x": ["value"]}}, "pointer: trace 3 names source 'v', not one of ['w']"),
    ({"w": "slider"}, {3: {"source": "w", "y": [("at", [5, 1], [0.1, 0.2])]}}, "needs ascending keys"),
    ({"w": "slider"}, {3: {"source": "w", "y": ["now"]}}, "a point must be a number, 'value' or ('at', keys, values)"),
])
def test_a_bad_pointer_names_what_is_wrong(sent, sources, traces, message):
    view, w = FigureView(_fig()), _slider()
    sources = {k: (w, "value") if v == "slider" else (v, "value") for k, v in sources.items()}
    if "must be a widget" in message:
        sources = {"w": ("not a widget", "value")}
    with pytest.raises(ValueError, match=re.escape(message)):
        view.set_pointer(sources, traces)
    assert view.pointer == {} and not view.pointed
