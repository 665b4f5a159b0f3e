"""FigureView's transport, without a browser: what `show` sends for each kind of change, and that the
synced state always holds the current figure (a page that connects later, as Voila's, draws it)."""

import json

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
