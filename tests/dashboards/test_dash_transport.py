"""What a dashboard sends to the page per input (issue 13), without a browser: a width move sends one message
per figure it changes, holding only the moved marks, except the marks the page draws from the slider itself
(the pointer); Play sends the training run once per figure (a synced trait) and then nothing per frame (the
page picks the frame from Play's value); the synced state of every view is always the figure read back
(``slot.fig``), so a page that connects later draws what is on screen."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore.dashboards import TourConfig, TourDashboard
from rfexplore.dashboards._base import play_tracks
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


def _tracks_set(dash):
    """The figures whose views hold a track (the synced trait the page draws Play's frames from)."""
    return {n for n, s in dash.slots.items() if not s.static and s.view.track}


def _page_pointer(view):
    """The traces as the page draws them from the pointer at the controls' values (its ``point``)."""
    out = {}
    for i, t in view.pointer.get("traces", {}).items():
        src = view.pointer["sources"][t["source"]]
        w = src["model"]
        v = float(w.label) if src["labels"] else getattr(w, src["attr"])
        trace = {}
        for k in ("x", "y"):
            if k in t:
                pts = []
                for item in t[k]:
                    if isinstance(item, dict):
                        at, of = plain_json_decode(item["at"]), plain_json_decode(item["of"])
                        j = int(np.searchsorted(at, v, side="right")) - 1
                        pts.append(float(of[j]) if j >= 0 and at[j] == v else None)
                    else:
                        pts.append(v if item == "value" else item)
                trace[k] = pts
        out[int(i)] = trace
    return out


def _pointer_matches_figure(dash):
    """Every trace the page draws from a pointer is the kernel's trace (same points)."""
    checked = 0
    for name, slot in dash.slots.items():
        for i, drawn in _page_pointer(slot.view).items():
            for k, pts in drawn.items():
                np.testing.assert_allclose(_points(slot.view.figure["data"][i], k), pts, rtol=0, atol=0,
                                           err_msg=f"{name}: trace {i} {k}")
                checked += 1
    return checked


def _next_width(dash):
    stops = [v for _, v in dash.controls["width"].options]
    return stops[stops.index(dash.config.width) + 1]


def test_a_width_move_sends_only_the_moved_marks_once_per_figure(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    sent.clear()
    dash.controls["width"].value = _next_width(dash)             # an arrow key on the slider
    assert _names(dash, sent) == {
        "training": [[["best possible with these features"], [], False]],
        "magnitude": [[["current width"], [], False]],
    }    # the trajectory does not depend on the width; the width marker the page draws from the slider itself
    assert dash.slots["width"].pointed == {"current width"}
    assert _pointer_matches_figure(dash) == 2                    # ... where the kernel's figure has it
    whole = len(json.dumps(dash.slots["width"].view.figure))
    assert sum(len(json.dumps(m)) for _, m in sent) < whole / 20
    _in_sync(dash)


def test_the_pointer_follows_every_width_and_is_sent_once_per_picture(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    view = dash.slots["width"].view
    pointer, before = view.pointer, view.messages
    for w in (1, 2, 37, 300, POOL):                              # both ends, a width between the slider's stops
        dash.set_config(width=w)
        assert _pointer_matches_figure(dash) == 2 and view.pointer is pointer
        assert _page_pointer(view)[view.pointed and min(view.pointed)]["y"] == [float(dash.numbers()["rf_error"])]
    assert view.messages == before                               # nothing sent to the width figure meanwhile
    dash.set_config(d=41)                                        # a new curve: a new pointer, the marker sent whole
    assert view.pointer is not pointer and _pointer_matches_figure(dash) == 2
    _in_sync(dash)


def test_the_budget_line_is_drawn_from_its_slider_only_while_the_budget_is_on(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    assert dash.slots["magnitude"].pointed == frozenset()
    sent.clear()
    dash.set_config(magnitude=10.0)                              # ticked: the line is sent, then drawn by the page
    assert any("magnitude budget M" in m[0] + m[1] for m in _names(dash, sent)["magnitude"])   # whole or grown
    assert dash.slots["magnitude"].pointed == {"magnitude budget M"}
    dash.finish()
    sent.clear()
    dash.set_config(magnitude=11.2)
    assert all("magnitude budget M" not in m[0] + m[1] for m in _names(dash, sent).get("magnitude", []))
    assert _pointer_matches_figure(dash) == 4
    dash.finish()
    dash.set_config(magnitude=None)                              # unticked: the line goes, and its pointer
    assert dash.slots["magnitude"].pointed == frozenset() and dash.slots["magnitude"].view.pointer == {}
    assert len(dash.slots["magnitude"].fig.data[dash.slots["magnitude"]._names["magnitude budget M"]].x) == 0
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


def _page_cut(view, step):
    """The tracked traces' points at ``step`` as the page computes them from the track (its ``count``)."""
    out = {}
    for i in view.tracked:
        t = view._track_sent[i]
        n = int(np.searchsorted(t["step"], step, side="right"))
        out[i] = {k: np.asarray(v)[:n] for k, v in t.items() if k != "step"}
    return out


def _points(trace: dict, key: str):
    return np.asarray(plain_json_decode(trace.get(key, [])), dtype=float)


def plain_json_decode(v):
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def test_play_sends_the_run_once_and_no_message_per_frame(sent, monkeypatch):
    tracks = {}
    real = FigureView.set_track

    def keep(self, track, key=None):
        if track:
            tracks[id(self)] = track
        return real(self, track, key)

    monkeypatch.setattr(FigureView, "set_track", keep)
    dash = TourDashboard(pool_size=POOL, static=False)
    headless = TourDashboard(pool_size=POOL, headless=True)
    sent.clear()
    dash.play.value = 2                                          # the first step trains and sends the run
    assert sent == [] and _tracks_set(dash) == {"training", "trajectory"}
    assert {n for n, s in dash.slots.items() if s.tracked} == {"training", "trajectory"}
    assert dash.slots["trajectory"].tracked == {"distance |w − w*|", "angle to w* (degrees)"}
    sent.clear()
    for step in [*range(4, dash.steps + 1, 2), 0, 7, dash.steps]:
        dash.play.value = headless.play.value = step
        _in_sync(dash)
        for name, slot in dash.slots.items():
            view = slot.view
            view._track_sent = tracks.get(id(view), {})
            # the synced figure is the figure of the kernel path (a headless dashboard at the same step) ...
            assert view.figure["data"] == figure_json(headless.slots[name].fig)["data"], (name, step)
            # ... and what the page cuts from the track at this step is that figure's points
            for i, points in _page_cut(view, step).items():
                for key, want in points.items():
                    np.testing.assert_array_equal(_points(view.figure["data"][i], key), want, err_msg=f"{name} {step}")
    assert sent == []                                            # no figure message per frame
    # the page reads Play's value itself: every view holds the Play widget, and no link copies it per view
    assert all(s.view.clock is dash.play for s in dash.slots.values())
    assert "step" not in dash.slots["trajectory"].view.trait_names()


def test_reset_and_step_keep_the_run_a_new_state_drops_it(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    dash.advance()
    key = dash.slots["training"].view.track_key
    assert key is dash.progress.history and key.complete
    sent.clear()
    dash.reset()                                                 # a complete run is kept: step 0 of it
    dash.advance()
    assert sent == [] and dash.step == dash.steps // 20
    _in_sync(dash)
    dash.set_config(d=41)                                        # a new state: the page is sent the traces whole
    untracks = [(v, m) for v, m in sent if m.get("untrack")]
    assert {id(v) for v, _ in untracks} == {id(dash.slots[n].view) for n in ("training", "trajectory")}
    assert all(not s.tracked and s.view.track_key is None for s in dash.slots.values())
    assert _tracks_set(dash) == set()
    _in_sync(dash)
    sent.clear()
    dash.advance()                                               # the new state's run, sent once
    assert _tracks_set(dash) == {"training", "trajectory"}
    assert dash.slots["training"].view.track_key is dash.progress.history
    _in_sync(dash)


def test_lecture_mode_drops_the_run_and_the_next_step_sends_it_again(sent):
    dash = TourDashboard(pool_size=POOL, static=False)
    dash.advance()
    dash.set_lecture(True)                                       # the figures restyled: tracked traces sent whole
    assert not dash.slots["training"].tracked
    _in_sync(dash)
    sent.clear()
    dash.advance()
    assert _tracks_set(dash) == {"training", "trajectory"}
    _in_sync(dash)


def test_refining_while_playing_keeps_the_run(sent):
    # slices of one solver step: the fit is still running after the first step (a fit not cached)
    dash = TourDashboard(TourConfig(magnitude=3.7, seed=11), pool_size=POOL, static=False, budget_seconds=1e-6)
    assert dash.pending
    dash.advance()
    dash.finish()                                                # marks at the step shown: no tracked trace changes
    assert dash.slots["training"].tracked and not dash.pending
    assert not any(m.get("untrack") for _, m in sent)
    _in_sync(dash)


@pytest.mark.parametrize("mode", [dict(headless=True), dict(static=True)])
def test_headless_and_static_play_on_the_kernel_path(mode):
    dash = TourDashboard(pool_size=POOL, **mode)
    assert all(s.static and not s.tracked and not s.pointed for s in dash.slots.values())
    dash.run()
    assert len(dash.slots["trajectory"].fig.data[0].x) == dash.steps + 1


def test_play_tracks_keep_only_traces_that_grow():
    def frame(state, result, progress):
        t = progress.step
        return [{"grow": dict(x=np.arange(t // 2 + 1), y=np.arange(t // 2 + 1) ** 2),
                 "move": dict(x=[t], y=[1.0]),                  # changes wholesale: the kernel's path
                 "styled": dict(x=np.arange(t + 1), line={"width": 2}),
                 "still": dict(x=[0, 1]), "layout": {"title": "t"}}, None]

    tracks = play_tracks(frame, None, None, None, 5)
    assert list(tracks[0]) == ["grow"] and tracks[1] == {}
    # points 0, 1, 2 first show at steps 0, 2, 4
    np.testing.assert_array_equal(tracks[0]["grow"]["step"], [0, 2, 4])
    np.testing.assert_array_equal(tracks[0]["grow"]["y"], [0, 1, 4])


def test_a_bad_track_is_refused(sent):
    view = FigureView(_fig())
    with pytest.raises(ValueError, match="track: index must be below the number of traces 2, got 3"):
        view.set_track({3: {"step": [0], "x": [1.0]}})
    with pytest.raises(ValueError, match="track: trace 0 needs a 'step' array and arrays of one length"):
        view.set_track({0: {"step": [0, 1], "x": [1.0]}})
    assert sent == [] and not view.tracked


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
