"""What a dashboard sends to the page per input (issue 13), without a browser: a width move sends one message
per figure it changes, holding only the moved marks; Play sends the new points; the synced state of every
view is always the figure read back (``slot.fig``), so a page that connects later draws what is on screen."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore.dashboards import TourConfig, TourDashboard
from rfexplore.dashboards._figure_view import FigureView, figure_json, plain_json
from rfexplore.dashboards._figures import FigureSlot

POOL = 512


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(FigureView, "send", lambda self, msg, buffers=None: messages.append((self, msg)))
    return messages


def _names(dash, sent):
    """``{figure name: [[trace names sent whole], [trace names extended], layout sent?]}`` per message."""
    slot_of = {id(s.view): (n, s) for n, s in dash.slots.items()}
    out = {}
    for view, msg in sent:
        name, slot = slot_of[id(view)]
        traces = [slot.fig.data[int(i)].name for i in msg.get("traces", {})]
        extend = [slot.fig.data[int(i)].name for i in msg.get("extend", {})]
        out.setdefault(name, []).append([sorted(traces), sorted(extend), "layout" in msg])
    return out


def _in_sync(dash):
    for name, slot in dash.slots.items():
        assert slot.view.figure == figure_json(slot.fig), f"{name}: the synced state is not the figure shown"


def _next_width(dash):
    stops = [v for _, v in dash.controls["width"].options]
    return stops[stops.index(dash.config.width) + 1]


def test_a_width_move_sends_only_the_moved_marks_once_per_figure(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    sent.clear()
    dash.controls["width"].value = _next_width(dash)             # an arrow key on the slider
    assert _names(dash, sent) == {
        "training": [[["best possible with these features"], [], False]],
        "width": [[["current width"], [], False]],
        "magnitude": [[["current width"], [], False]],
    }                                                            # the trajectory does not depend on the width
    whole = len(json.dumps(dash.slots["width"].view.figure))
    assert sum(len(json.dumps(m)) for _, m in sent) < whole / 20
    _in_sync(dash)


def test_a_budget_move_sends_a_layout_only_where_it_changed(sent):
    dash = TourDashboard(TourConfig(magnitude=10.0), pool_size=POOL, static=False)
    dash.finish()
    before = {name: json.dumps(s.view.figure["layout"], sort_keys=True) for name, s in dash.slots.items()}
    sent.clear()
    dash.set_config(magnitude=11.2)
    dash.finish()
    # the budget's note on the width figure (shown while its fit runs, hidden when final) is the only
    # layout that changes; each figure's other patches repeat their axis settings, which are not re-sent
    for view, msg in sent:
        name = next(n for n, s in dash.slots.items() if s.view is view)
        if "layout" in msg:
            assert name == "width" and json.dumps(msg["layout"], sort_keys=True) != before[name]
            before[name] = json.dumps(msg["layout"], sort_keys=True)
    assert dash.numbers()["rf_error_with_budget"] is not None
    _in_sync(dash)


def test_play_sends_the_new_points_and_the_state_follows(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    dash.play.value = 10
    sent.clear()
    dash.play.value = 20
    got = _names(dash, sent)
    assert set(got) == {"training", "trajectory"}
    assert got["trajectory"] == [[[], ["angle to w* (degrees)", "distance |w − w*|"], False]]
    assert len(dash.slots["trajectory"].fig.data[0].x) == 21
    _in_sync(dash)
    dash.set_config(d=41)                                        # a full redraw after the patches
    _in_sync(dash)


def _fig():
    return go.Figure([go.Scatter(x=np.arange(5.0), y=np.arange(5.0), name="line"),
                      go.Scatter(x=[1.0], y=[1.0], mode="markers", name="mark")],
                     layout=dict(width=400, height=300, annotations=[dict(text="a", x=0, y=0, showarrow=False)]))


def test_a_patch_sends_its_traces_and_a_changed_layout_only(sent):
    slot = FigureSlot(_fig(), static=False, width=400)
    slot.patch({"mark": dict(x=[2.0], y=[3.0]), "layout": {"annotations": [dict(text="b")]}})
    (_, first), = sent
    assert set(first["traces"]) == {"1"} and first["layout"]["annotations"][0]["text"] == "b"
    slot.patch({"mark": dict(x=[3.0]), "layout": {"annotations": [dict(text="b")]}})
    assert "layout" not in sent[-1][1] and set(sent[-1][1]["traces"]) == {"1"}
    slot.patch({"layout": {"annotations": [dict(text="b")]}})   # nothing new: nothing sent
    assert len(sent) == 2
    assert list(slot.fig.data[1].x) == [3.0] and slot.fig.layout.annotations[0].text == "b"
    assert slot.view.figure == figure_json(slot.fig)
    with pytest.raises(KeyError, match="no trace named 'nope'"):
        slot.patch({"nope": dict(x=[1])})


def test_plain_json_encodes_arrays_as_plotly_does():
    arrays = [np.arange(5), np.arange(3, dtype=np.int64) * 100_000, np.array([2**40, 1]), np.arange(4, dtype=np.uint64),
              np.linspace(0, 1, 7), np.arange(6.0).reshape(2, 3), np.array([], dtype=float), np.array(["a", "b"]),
              np.arange(4, dtype=np.float32)]
    for a in arrays:
        trace = go.Scatter(x=a, y=[1, 2], customdata=a)
        assert plain_json(trace) == figure_json(go.Figure(trace))["data"][0], a


def test_an_update_outside_the_traces_is_refused(sent):
    view = FigureView(_fig())
    with pytest.raises(ValueError, match="traces: index must be below the number of traces 2, got 5"):
        view.update({5: {"type": "scatter"}})
    assert sent == []
