"""The one dashboard base: a frozen state, controls declared once, compute -> result -> figures.

A dashboard is a declaration, :class:`Spec`: its state (a frozen dataclass whose ``CONTROLS`` table
names each field's widget, range, label and query key), a call into :mod:`rfexplore.experiments`,
its figures and its readout. :class:`Explorer` puts any declaration on screen and does, once for
all of them:

* **values**: a value from code or from a widget is checked against its control (wrong type ->
  ``TypeError``, wrong value -> ``ValueError``, the message names the parameter, the rule and the
  value), never clamped; a bad value shows a message and the last good state stays, picture and
  controls alike. Widgets cover exactly the accepted range, so a value set from code shows.
* **links**: the state is written as JSON or as a query string with exact floats, and restored from
  either; over-long, repeated, unknown or nested input is refused with a short message.
* **Play/Step/Reset** for dashboards that train (``Spec.play``): training runs once per state, on the
  first step; an interrupted run shows what it has, marked incomplete.
* **headless** (figures kept as objects, never drawn) and **static** figures (redrawn in an ``Output``).
* **unfinished work** (``Spec.refine``): a result that needs more computing is shown at once, marked by
  the dashboard as not final, and refined in short slices scheduled on the kernel's event loop, so the
  page keeps answering in between; a new state drops the old work, :meth:`Explorer.stop` stops it and
  :meth:`Explorer.finish` runs it to the end at once (scripts, tests, headless use). A result that is not
  yet a picture (``ready`` False: a factorization still running) is never drawn: the previous picture stays,
  dimmed and labelled "computing… k of n", until the new one is complete.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from . import _page
from ._figures import FIGURE_WIDTHS, FigureSlot, figure_backend, figure_grid
from ._state import LABEL, Control, State

__all__ = ["Control", "Explorer", "Play", "Progress", "Spec", "State", "data_table", "play_tracks", "readout_table"]

REFINE_PAUSE = 0.01   # seconds between two slices of unfinished work (the page's messages are answered between)


# --------------------------------------------------------------------------- the declaration


@dataclass(frozen=True)
class Progress:
    """Where the training animation is: ``step`` of the Play control, and the training (``None`` until the
    first step; an object with ``complete`` and ``steps_done``)."""

    step: int = 0
    history: object = None


@dataclass(frozen=True)
class Play:
    """A dashboard that trains: the state field with the number of steps, the training (an experiments call,
    ``(state, result) -> history``) and the figure updates for one step, ``(state, result, progress) -> patches``."""

    steps: str
    train: Callable
    frame: Callable
    heading: str = ""


@dataclass(frozen=True)
class Spec:
    """A dashboard, declared: everything :class:`Explorer` needs to put it on screen.

    ``compute(state) -> result`` calls :mod:`rfexplore.experiments`; ``figures(state, result, progress)``
    builds the figures (one per name in ``figure_names``) with :mod:`rfexplore.plots`; ``readout(state,
    result, progress)`` gives the readout's HTML. Every callable after ``compute`` takes ``(state, result,
    progress)`` (``progress``: a :class:`Progress`). Optional: ``marks`` gives in-place updates of some traces
    (``[{trace name: properties} or None]`` per figure), used instead of rebuilding every figure when no
    field in ``redraw_on`` changed; ``play``; ``numbers`` (the readout as plain numbers), ``export`` (more
    data for the JSON download) and ``csv(state, result)``; ``refine(state, result)``: the result one short
    slice of unfinished work further, or ``None`` when it is final (see :meth:`Explorer.finish`); a result with
    a ``pending`` attribute says by it whether it needs more, one with ``ready`` False is no picture yet (work
    that ``refine`` turns into a result; its ``progress_note`` says how far it is). ``pointers(state, result)``:
    per figure ``{trace name: {"source": control name, "x": points, "y": points}}`` or None, traces that the
    page draws from the controls' values itself, at the input (see :meth:`FigureView.set_pointer` for the
    points); their patches in ``marks`` must give what the page draws, and what they look up must not change
    unless a field of ``redraw_on`` does (the same arrays for the same picture).
    """

    name: str
    state: type
    compute: Callable
    figures: Callable
    figure_names: tuple
    readout: Callable
    context: dict = field(default_factory=dict)
    title: str = ""
    heading: str = ""
    columns: int = 2
    marks: Callable | None = None
    redraw_on: tuple = ()
    play: Play | None = None
    numbers: Callable | None = None
    export: Callable | None = None
    csv: Callable | None = None
    refine: Callable | None = None
    pointers: Callable | None = None


# a trace whose frame changes only these (its points) can be drawn by the page from the whole run (a track)
_POINTS = frozenset({"x", "y", "customdata", "text", "hovertext"})


def play_tracks(frame: Callable, state, result, history, steps: int) -> list:
    """The training run as the page can draw it alone: per figure, ``{trace name: {"step": (p,) the step each
    point first shows at, key: (p,) the points at the last step}}``, for every trace whose frames (``frame`` at
    steps ``0 .. steps``) only grow: each frame's points a prefix of the last frame's, nothing else in the
    patch. A trace that changes otherwise (or not at all) is left out: it keeps the kernel's path."""
    last = frame(state, result, Progress(steps, history))
    candidates = []                  # (figure, trace name, its arrays at the last step)
    for k, patch in enumerate(last):
        for name, props in (patch or {}).items():
            if name == "layout" or not props or not set(props) <= _POINTS:
                continue
            arrays = {key: np.asarray(v) for key, v in props.items()}
            if all(a.ndim == 1 for a in arrays.values()) and len({len(a) for a in arrays.values()}) == 1:
                candidates.append((k, name, arrays))
    lengths = {(k, name): [] for k, name, _ in candidates}
    for t in range(steps + 1):
        patches = frame(state, result, Progress(t, history)) if t < steps else last
        for k, name, arrays in candidates:
            grown = lengths[(k, name)]
            if grown is None:
                continue
            props = (patches[k] or {}).get(name)
            if props is None or set(props) != set(arrays) or not _prefix(props, arrays):
                lengths[(k, name)] = None
            else:
                grown.append(len(np.asarray(next(iter(props.values())))))
    tracks = [{} for _ in last]
    for k, name, arrays in candidates:
        grown = lengths[(k, name)]
        if grown is None or grown[0] == grown[-1] or np.any(np.diff(grown) < 0):
            continue
        # the point at index i first shows at the first step whose frame has more than i points
        step = np.searchsorted(np.asarray(grown), np.arange(1, grown[-1] + 1), side="left")
        tracks[k][name] = {"step": step, **arrays}
    return tracks


def _prefix(props: dict, arrays: dict) -> bool:
    """Whether every array of ``props`` is the start of the same key's array in ``arrays``, all of one length."""
    n = None
    for key, v in props.items():
        a, whole = np.asarray(v), arrays[key]
        if a.ndim != 1 or (n is not None and len(a) != n) or len(a) > len(whole):
            return False
        n = len(a)
        if not np.array_equal(a, whole[:n], equal_nan=a.dtype.kind == "f" and whole.dtype.kind == "f"):
            return False
    return True


def readout_table(rows, warning: str = "") -> str:
    """``(label, value, explanation)`` rows as the dashboards' readout table (values never wrap), and an
    optional warning below it in orange. Text is escaped."""
    esc = _escape
    body = "".join(f"<tr><td>{esc(a)}</td><td style='text-align:right;font-weight:600;padding-left:12px;"
                   f"white-space:nowrap'>{esc(b)}</td><td style='color:#666;padding-left:10px'>{esc(e)}</td></tr>"
                   for a, b, e in rows)
    note = f"<div style='color:#b35900;max-width:520px'>{esc(warning)}</div>" if warning else ""
    return f"<table style='font-size:14px'>{body}</table>{note}"


def data_table(head, rows, caption: str = "") -> str:
    """A table of numbers under a caption (HTML): ``head`` the column titles, ``rows`` tuples of cells.
    Text is escaped."""
    esc = _escape
    top = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"{caption}<table style='border-collapse:collapse;font-size:90%' cellpadding='3'>"
            f"<tr>{top}</tr>{body}</table>")


def _ready(result) -> bool:
    """A result is a picture unless it says ``ready`` False (work still to be done before anything is drawn)."""
    return bool(getattr(result, "ready", True))


def _escape(s) -> str:
    return html.escape(str(s), quote=False)


def _scalars(obj) -> dict:
    """The plain-number fields of a result (for :meth:`Explorer.numbers` where a dashboard declares none)."""
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if v is None or isinstance(v, (bool, int, float, str)):
            out[f.name] = v
        elif isinstance(v, (np.integer, np.floating)):
            out[f.name] = v.item()
    return out


# --------------------------------------------------------------------------- on screen

# Keyboard focus made visible on every control of a dashboard (slider handles, buttons, boxes, menus), and
# readouts and labels never cut: a <style> in an HTML widget applies in JupyterLab and Voila alike.
STYLE = """<style>
.rfexplore-dashboard .noUi-handle:focus-visible, .rfexplore-dashboard button:focus-visible,
.rfexplore-dashboard select:focus-visible, .rfexplore-dashboard input:focus-visible,
.rfexplore-dashboard .widget-readout:focus-visible {
  outline: 3px solid #0072B2 !important; outline-offset: 2px; box-shadow: 0 0 0 5px rgba(0, 114, 178, 0.25); }
.rfexplore-dashboard .widget-label, .rfexplore-dashboard .widget-readout { overflow: visible; }
.rfexplore-dashboard .rfx-stale { opacity: 0.45; }
</style>"""
_WRAP = dict(flex_flow="row wrap", align_items="center")


class Explorer:
    """A declared dashboard (:class:`Spec`) on screen: controls -> compute -> result -> figures.

    ``state``: the first state (its class is ``spec.state``); a bad value raises here (there is no last
    good picture yet). ``static``: force static figures (``True``) or FigureWidgets (``False``); default
    from :func:`figure_backend`. ``headless``: keep the figures as plain objects and never draw them (for
    computing with a dashboard's settings off screen: scripts, tests, a notebook's guided numbers).
    ``lecture``: the projector theme (:meth:`set_lecture`). In Voila, :meth:`from_page` applies the page's
    lesson link (:meth:`apply_link`).
    """

    def __init__(self, spec: Spec, state, *, static: bool | None = None, headless: bool = False,
                 lecture: bool = False):
        if not isinstance(state, spec.state):
            raise TypeError(f"state must be a {spec.state.__name__}, got {type(state).__name__}")
        self.spec, self.headless = spec, bool(headless)
        self.static = True if self.headless else figure_backend()[0] == "static" if static is None else bool(static)
        self._controls = spec.state.controls(spec.context)
        self.state = state.checked(spec.context)
        self._next = None                                # (state, work) of a picture not yet ready
        self.result = spec.compute(self.state)           # the first picture must be valid: its work runs here
        while not _ready(self.result):
            self.result = spec.refine(self.state, self.result)
        self.progress = Progress()
        figs = spec.figures(self.state, self.result, self.progress)
        columns = min(spec.columns, len(figs))
        self.slots = {name: FigureSlot(f, self.static, FIGURE_WIDTHS[columns], draw=not self.headless)
                      for name, f in zip(spec.figure_names, figs, strict=True)}
        self._muted = False
        self.status, self.readout, self.downloads = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.w_computing = widgets.HTML(layout=widgets.Layout(display="none"))   # over the figures: not up to date
        self.w_computing.add_class("rfx-computing")
        self._build_controls()
        if self.spec.play is not None and not self.static:
            # the page shows the training run at Play's value by itself once the run is sent (see _track); the
            # views read Play's value in the page (no jsdlink: it would send each view's copy to the kernel)
            for s in self.slots.values():
                s.view.clock = self.play
        self._point()
        self._show_readout()
        self.widget = self._layout(columns)
        self._generation, self._pending = 0, False
        self._add_page_widgets(lecture)
        self._start_refining()

    # ---------------------------------------------------------------- the state
    @property
    def config(self):
        """The current state (a frozen dataclass: export it with ``to_json()`` / ``to_query()``)."""
        return self.state

    @property
    def values(self) -> dict:
        return asdict(self.state)

    @property
    def figures(self) -> list:
        return [s.fig for s in self.slots.values()]

    def set(self, **values) -> bool:
        """Recompute with some values changed; False (and a visible message) if they are refused."""
        return self.set_config(**values)

    def set_config(self, config=None, **changes) -> bool:
        """Apply a state (or changes to the current one). Returns False and shows the reason if a value is
        refused; the last good state stays on screen. An unknown name raises ``TypeError``."""
        names = [f.name for f in fields(self.spec.state)]
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise TypeError(f"unknown control(s) {unknown}; controls are {names}")
        try:
            if config is not None and not isinstance(config, self.spec.state):
                raise TypeError(f"config must be a {self.spec.state.__name__}, got {type(config).__name__}")
            base = self.target
            new = replace(config or base, **changes).checked(self.spec.context)
            if new == base or new == self.state:
                if new != base:                  # back to the picture shown: the other picture's work is dropped
                    self._next = None
                    self._unmark()
                    self._start_refining()
                self.status.value = ""
                self._sync_widgets()
                return True
            result = self.spec.compute(new)
        except (ValueError, TypeError, MemoryError) as exc:
            return self._refuse(str(exc))
        except KeyboardInterrupt:
            self._refuse("interrupted: the last picture is kept")
            raise
        if _ready(result):
            self._commit(new, result)
        else:
            self._defer(new, result)
        return True

    @property
    def target(self):
        """The state the controls show: the one being computed while a new picture is not ready, else
        :attr:`state` (the picture's)."""
        return self.state if self._next is None else self._next[0]

    def load(self, text: str) -> bool:
        """Restore a state from a JSON object or a query string; False (and a visible message) if refused."""
        try:
            state = self.spec.state.parse(text)
        except (ValueError, TypeError) as exc:
            return self._refuse(str(exc))
        return self.set_config(state)

    def link(self) -> str:
        """The query string of the current state."""
        return self.state.to_query()

    def _refuse(self, message) -> bool:
        self.status.value = f'<div style="color:#b00020;font-weight:600">⚠ {_escape(message)}</div>'
        self._sync_widgets()
        return False

    def _defer(self, new, work):
        """A new state whose picture is not ready: the controls show it, the figures stay (dimmed, labelled)."""
        self._next = (new, work)
        self.status.value = ""
        self._sync_widgets(texts=False)
        self._mark(work)
        self._start_refining()

    def _mark(self, work):
        note = _escape(getattr(work, "progress_note", ""))
        self.w_computing.value = ('<div role="status" style="color:#b35900;font-weight:600">'
                                  f"⏳ computing… {note} — the figures and the readout still show the previous "
                                  "settings; they are replaced when the new picture is complete (Stop computing "
                                  "keeps them)</div>")
        self.w_computing.layout.display = None
        self._grid.add_class("rfx-stale")
        self.readout.add_class("rfx-stale")
        self._training_enabled(False)

    def _unmark(self):
        self.w_computing.value, self.w_computing.layout.display = "", "none"
        self._grid.remove_class("rfx-stale")
        self.readout.remove_class("rfx-stale")
        self._training_enabled(True)

    def _training_enabled(self, on: bool):
        """Play, Step and Reset are greyed out while a new picture is computing: they would train the picture
        on screen, which is about to be replaced."""
        if self.spec.play is not None:
            self.play.disabled = self.w_step.disabled = self.w_reset.disabled = not on

    def _commit(self, new, result):
        if self._next is not None:
            self._next = None
            self._unmark()
        old, self.state, self.result = self.state, new, result
        self.status.value = ""
        self.progress = Progress()
        self._track(None)
        self._sync_widgets(texts=False)
        changed = {f.name for f in fields(new) if getattr(old, f.name) != getattr(new, f.name)}
        if self.spec.marks is None or changed & set(self.spec.redraw_on):
            for slot, fig in zip(self.slots.values(), self.spec.figures(new, result, self.progress), strict=True):
                slot.sync(fig)
            self._point()
        else:
            # the page drew the pointer's traces from the controls already, unless the pointer changes now
            repoint = self._point(dry=True)
            self._apply(self.spec.marks(new, result, self.progress), pointed=not repoint)
            if repoint:
                self._point()
        self._show_readout()
        self._show_texts()          # after the figures: their messages reach the page first (issue 13)
        self._start_refining()

    def _apply(self, patches, *, step: bool = False, pointed: bool = False):
        for slot, patch in zip(self.slots.values(), patches, strict=True):
            if patch:
                slot.patch(patch, step=step, pointed=pointed)

    def _point(self, *, dry: bool = False) -> bool:
        """Send each figure the traces the page draws from the controls (``Spec.pointers``), where they changed;
        True if any did (``dry``: only say so, send nothing)."""
        if self.spec.pointers is None or self.static:
            return False
        sources = {name: (w, "value") for name, w in self.controls.items()}
        changed = False
        pointers = self.spec.pointers(self.state, self.result)
        for slot, traces in zip(self.slots.values(), pointers, strict=True):
            changed |= slot.set_pointer(sources, traces, dry=dry)
        return changed

    def _track(self, history):
        """The training run ``history`` to the page once per figure (:func:`play_tracks`), so that Play's value
        picks the frame there without a message to the kernel per frame; ``None`` drops the tracks. A figure
        redrawn otherwise in between (lecture mode, a new state) has dropped its track and is sent it again."""
        live = [s for s in self.slots.values() if not s.static]
        if not live:
            return
        if history is None:
            for s in live:
                s.set_track(None)
            return
        if all(s.view.track_key is history for s in live):
            return
        tracks = play_tracks(self.spec.play.frame, self.state, self.result, history, self.steps)
        for s, track in zip(self.slots.values(), tracks, strict=True):
            s.set_track(track, history)

    # ---------------------------------------------------------------- training (Play / Step / Reset)
    @property
    def step(self) -> int:
        return self.progress.step

    @property
    def steps(self) -> int:
        return int(getattr(self.state, self.spec.play.steps)) if self.spec.play else 0

    def run(self) -> None:
        """Run the training animation to the end (what Play does, without the frontend's timer)."""
        self.play.value = self.steps

    def reset(self) -> None:
        """Back to step 0 (an interrupted training is dropped, so the next Play trains again)."""
        history = self.progress.history
        if history is not None and not history.complete:
            self.progress = Progress()
        if self.play.value == 0:
            self._show_step(0)
        self.play.value = 0

    def advance(self) -> None:
        """One press of Step: a twentieth of the run further."""
        self.play.value = min(self.steps, self.play.value + max(1, self.steps // 20))

    def _show_step(self, step):
        if self._next is not None:                # a new picture is computing: nothing of the old one trains
            self._set_play(self.progress.step)
            self.status.value = ('<div style="color:#555">Training is off while the new picture is computing: '
                                 "press Play again once it is drawn.</div>")
            return
        history = self.progress.history
        if step > 0 and history is None:
            try:
                history = self.spec.play.train(self.state, self.result)
            except (ValueError, TypeError, MemoryError) as exc:
                self._refuse(str(exc))
                self._set_play(0)
                return
        self.progress = Progress(int(step), history)
        self._track(history)
        self._apply(self.spec.play.frame(self.state, self.result, self.progress), step=True)
        self._show_readout()

    def _set_play(self, value):
        self._muted = True
        try:
            self.play.value = value
        finally:
            self._muted = False

    # ---------------------------------------------------------------- unfinished work (Spec.refine)
    @property
    def pending(self) -> bool:
        """True while the result shown may not be final (``Spec.refine`` has work left)."""
        return self._pending

    def finish(self, max_slices: int | None = None) -> bool:
        """Run the unfinished work now, slice after slice (at most ``max_slices``), updating the figures and
        readout after each; True once the result is final. What the event loop does on screen, for scripts,
        tests and headless dashboards (which schedule nothing). A picture not yet ready (:attr:`target` differs
        from :attr:`state`) is drawn once its work is done; until then the figures show :attr:`state`."""
        done = 0
        while self._pending and (max_slices is None or done < max_slices):
            self._refine_once()
            done += 1
        return not self._pending

    def stop(self) -> None:
        """Stop the scheduled slices (the page's "Stop computing" button); the result shown stays, marked as it
        is (:meth:`finish` continues it, and any change of state starts the new state's own work). A picture
        not yet ready is dropped: the controls go back to the settings of the figures, which say so."""
        self._generation += 1
        if self._next is not None:
            note = getattr(self._next[1], "progress_note", "")
            self._next = None
            self._pending = self.spec.refine is not None and bool(getattr(self.result, "pending", True))
            self._sync_widgets()
            self.w_computing.value = ('<div role="status" style="color:#555;font-weight:600">'
                                      f"⏹ Stopped at {_escape(note)}: the new settings were not computed; the "
                                      "figures, the readout and the controls show the settings before them. Change a "
                                      "control to compute again.</div>")
            self._grid.remove_class("rfx-stale")
            self.readout.remove_class("rfx-stale")
            self._training_enabled(True)
        elif self._pending:
            self.status.value = ('<div style="color:#555">Stopped: the result shown is not final (still marked '
                                 "so); change any control to compute again.</div>")
        self.w_stop.layout.display = "none"

    def _start_refining(self):
        self._generation += 1
        self._pending = self.spec.refine is not None and (
            self._next is not None or bool(getattr(self.result, "pending", True)))
        if self._next is None and self.w_computing.layout.display is None:
            self._unmark()                       # a "stopped" note goes with the next picture
        self._show_stop()
        if self._pending and not self.headless:
            self._later(self._generation)

    def _show_stop(self):
        """The Stop button is on the page only while unfinished work runs."""
        self.w_stop.layout.display = None if self._pending else "none"

    def _later(self, generation):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:                             # no event loop (a script): finish() runs the slices
            return
        loop.call_later(REFINE_PAUSE, self._tick, generation)

    def _tick(self, generation):
        """One slice from the event loop, unless a newer state or :meth:`stop` came in between."""
        if generation != self._generation or not self._pending:
            return
        try:
            self._refine_once()
        except KeyboardInterrupt:
            if self._next is not None:           # a picture not ready: dropped, as by Stop
                self.stop()
                self._refuse("interrupted: the new settings were not computed; the picture and the controls "
                             "show the settings before them")
                return
            self.w_stop.layout.display = "none"
            self._refuse("interrupted: the result shown is not final")
            return
        except (ValueError, TypeError, MemoryError) as exc:
            if self._next is not None:
                self.stop()
            self._pending = False
            self._show_stop()
            self._refuse(str(exc))
            return
        if self._pending:
            self._later(generation)

    def _refine_once(self):
        if self._next is not None:               # a picture not ready yet: one slice of its work
            state, work = self._next
            work = self.spec.refine(state, work)
            if _ready(work):
                self._commit(state, work)
            else:
                self._next = (state, work)
                self._mark(work)
            return
        result = self.spec.refine(self.state, self.result)
        if result is None:
            self._pending = False
            self._show_stop()
            return
        self.result = result
        self._pending = bool(getattr(result, "pending", True))
        self._show_stop()
        if self.spec.marks is not None:
            self._apply(self.spec.marks(self.state, result, self.progress))
        else:
            for slot, fig in zip(self.slots.values(), self.spec.figures(self.state, result, self.progress),
                                 strict=True):
                slot.sync(fig)
        self._show_readout()

    # ---------------------------------------------------------------- numbers and exports
    def numbers(self) -> dict:
        """The readout as plain numbers (for tests, notebooks and export)."""
        if self.spec.numbers is not None:
            return self.spec.numbers(self.state, self.result, self.progress)
        return _scalars(self.result)

    def export_data(self) -> dict:
        """The state, the numbers and (where declared) the data behind the figures, JSON-ready."""
        out = {"config": asdict(self.state), "numbers": self.numbers()}
        if self.spec.export is not None:
            out.update(self.spec.export(self.state, self.result, self.progress))
        return out

    def export_csv(self) -> str:
        if self.spec.csv is None:
            raise TypeError(f"the {self.spec.name} dashboard has no CSV export; use export_data()")
        return self.spec.csv(self.state, self.result)

    def export_figures_html(self) -> dict:
        """Standalone HTML for each figure (plotly.js from the CDN)."""
        return {name: slot.to_html() for name, slot in self.slots.items()}

    def prepare_downloads(self) -> None:
        """Fill the download links (data URIs work in JupyterLab and Voila alike)."""
        stem = f"rfexplore-{self.spec.name}"
        links = [(f"{stem}-config.json", "application/json", self.state.to_json()),
                 (f"{stem}-data.json", "application/json", json.dumps(self.export_data()))]
        if self.spec.csv is not None:
            links.append((f"{stem}-data.csv", "text/csv", self.export_csv()))
        links += [(f"{stem}-{k}.html", "text/html", v) for k, v in self.export_figures_html().items()]
        anchors = " · ".join(f'<a download="{n}" href="data:{t};base64,{base64.b64encode(v.encode()).decode()}">'
                             f"{n}</a>" for n, t, v in links)
        self.downloads.value = (f"<div>{anchors}</div><div style='color:#666'>Share this exact picture: "
                                f"<code>?{self.state.to_query()}</code>. "  # urlencode leaves no markup
                                "PNG/SVG: the camera icon on each figure.</div>")

    # ---------------------------------------------------------------- widgets
    def _build_controls(self):
        self.controls, self.toggles = {}, {}
        for name, c in self._controls.items():
            if not c.widget:
                continue
            value = getattr(self.state, name)
            w = self.controls[name] = c.make(value)
            w.observe(lambda ch, name=name: self._on_widget(name), names="value")
            if c.off:
                box = self.toggles[name] = widgets.Checkbox(value=value is not None, description=c.off,
                                                            indent=False, layout=widgets.Layout(width="260px"))
                box.observe(lambda ch, name=name: self._on_widget(name), names="value")
                w.disabled = value is None
            if c.when:
                w.disabled = not c.live(self.state)
        self.w_config = widgets.Text(placeholder="paste a configuration (JSON or query string)",
                                     description="configuration", style=LABEL,
                                     layout=widgets.Layout(width="560px", max_width="100%"))
        self.w_load = widgets.Button(description="Load", layout=widgets.Layout(width="70px"))
        self.w_export = widgets.Button(description="Prepare downloads", layout=widgets.Layout(width="160px"))
        self.w_load.on_click(lambda _: self.load(self.w_config.value))
        # shown only while unfinished work runs (Spec.refine): a button, so Tab reaches it and Space presses it
        self.w_stop = widgets.Button(description="Stop computing", icon="stop",
                                     tooltip="stop refining the result shown; it stays marked as not final",
                                     layout=widgets.Layout(width="auto", display="none"))
        self.w_stop.on_click(lambda _: self.stop())
        self.w_export.on_click(lambda _: self.prepare_downloads())
        if self.spec.play is not None:
            steps = self.steps
            self.play = widgets.Play(value=0, min=0, max=steps, step=max(1, steps // 100), interval=40,
                                     description="Play", show_repeat=False,
                                     tooltip="Play / Pause the training; Stop: back to step 0")
            self.w_step = widgets.Button(description="Step", tooltip="advance the training by a few steps",
                                         layout=widgets.Layout(width="70px"))
            self.w_reset = widgets.Button(description="Reset", tooltip="replay from step 0 with the same seed",
                                          layout=widgets.Layout(width="70px"))
            self.play.observe(lambda ch: None if self._muted else self._show_step(int(ch["new"])), names="value")
            self.w_step.on_click(lambda _: self.advance())
            self.w_reset.on_click(lambda _: self.reset())

    def _on_widget(self, name):
        if self._muted:
            return
        c = self._controls[name]
        value = c.read(self.controls[name].value)
        if c.off and not self.toggles[name].value:
            value = None
        self.set_config(**{name: value})

    def _sync_widgets(self, texts: bool = True):
        """The controls (and Play) to the state; with ``texts`` also the configuration box's placeholder and
        the lesson link (:meth:`_commit` sends those after the figures, which a person watches)."""
        self._muted = True
        try:
            for name, w in self.controls.items():
                value, c = getattr(self.target, name), self._controls[name]
                if c.off:
                    self.toggles[name].value = value is not None
                    w.disabled = value is None
                    if value is None:
                        continue
                if c.read(w.value) != value:
                    c.show(w, value)
                if c.when:
                    w.disabled = not c.live(self.target)
            if self.spec.play is not None:
                steps = self.steps
                if self.play.max != steps:
                    self.play.max, self.play.step = steps, max(1, steps // 100)
                if self.play.value != self.progress.step:
                    self.play.value = self.progress.step
            if texts:
                self._show_texts()
        finally:
            self._muted = False

    def _show_texts(self):
        self.w_config.placeholder = self.state.to_query()
        self._show_link()

    def _show_readout(self):
        self.readout.value = self.spec.readout(self.state, self.result, self.progress)

    def _layout(self, columns):
        """Rows of controls beside the readout, the figures, the links. Every box wraps instead of covering or
        cutting its neighbours at any window width (JupyterLab with or without its side panel, Voila)."""
        rows, head = [], [widgets.HTML(STYLE)] + ([widgets.HTML(self.spec.title)] if self.spec.title else [])
        if self.spec.heading:
            rows.append(widgets.HTML(self.spec.heading))
        for name, w in self.controls.items():
            c = self._controls[name]
            items = [self.toggles[name], w] if c.off else [w]
            if c.inline and rows and isinstance(rows[-1], widgets.HBox):
                rows[-1].children += tuple(items)
            elif c.off:
                rows += [widgets.HBox([items[0]], layout=widgets.Layout(**_WRAP)), items[1]]
            else:
                rows.append(widgets.HBox(items, layout=widgets.Layout(**_WRAP)))
        if self.spec.play is not None:
            if self.spec.play.heading:
                rows.append(widgets.HTML(self.spec.play.heading))
            # the Play widget's buttons are icons: a visible label names them
            label = widgets.Label("Play / Pause, Stop:", layout=widgets.Layout(width="auto"))
            rows.append(widgets.HBox([label, self.play, self.w_step, self.w_reset], layout=widgets.Layout(**_WRAP)))
        controls = widgets.VBox(rows, layout=widgets.Layout(flex="0 0 auto", max_width="100%"))
        side = widgets.VBox([self.readout, self.status, self.w_stop],
                            layout=widgets.Layout(flex="1 1 300px", min_width="260px", max_width="100%"))
        top = widgets.HBox([controls, side], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start",
                                                                   grid_gap="8px 16px"))
        share = widgets.VBox([widgets.HBox([self.w_config, self.w_load, self.w_export],
                                           layout=widgets.Layout(**_WRAP)), self.downloads])
        self._grid = figure_grid(self.slots.values(), columns)
        box = widgets.VBox(head + [top, self.w_computing, self._grid, share])
        box.add_class("rfexplore-dashboard")
        return box

    # ---------------------------------------------------------------- on a page: links, hidden controls, lecture
    def _add_page_widgets(self, lecture):
        """The link to this view, the lecture theme's style sheet and the keyboard shortcuts, at the end of
        the dashboard (its root gets a class of its own, so the style and the keys stay inside it)."""
        self.hidden, self.lecture = (), False
        self.scope = f"rfx-dash-{uuid.uuid4().hex[:12]}"
        self.w_link = widgets.HTML()
        self.w_link.add_class("rfx-link")
        # a refused lesson link's message, at the top (the status line is cleared by the next input, and a
        # page's first render can echo a slider's value back)
        self.w_notice = widgets.HTML()
        self.w_notice.add_class("rfx-notice")
        extra = [self.w_link]
        if not self.headless:
            self.widget.add_class(self.scope)
            for name, w in self.controls.items():
                w.add_class(f"rfx-control-{self._controls[name].key}")
            extra.append(widgets.HTML(_page.LECTURE_CSS, layout=widgets.Layout(display="none")))
            self.keys = _page.KeyShortcuts(scope=self.scope, play=self.spec.play is not None)
            self.keys.on_msg(lambda _w, content, _b: self._on_key(content))
            extra.append(self.keys)
        self.widget.children = (self.w_notice, *self.widget.children, *extra)
        self._grid_columns = None
        if lecture:
            self.set_lecture(True)
        self._show_link()

    def link_query(self) -> str:
        """The lesson link of this view: the state's query, then ``hide=`` and ``lecture=1`` where set."""
        return _page.join_link(self.state.to_query(), self.hidden, self._controls, self.lecture)

    def _show_link(self):
        if not hasattr(self, "w_link"):
            return
        q = _escape(self.link_query())       # urlencode leaves no markup; & is escaped for the attribute
        where = (f'<a href="?{q}" target="_blank">link to this view</a>' if _page.in_voila()
                 else "link to this view (the app page, <code>make app</code>, reads it)")
        self.w_link.value = f"<div>🔗 {where}: <code>?{q}</code></div>"

    def hide(self, *names) -> None:
        """Hide controls (by field name or query key, e.g. ``hide("d", "seed")``); ``hide()`` shows all.
        The values stay in the state (and in the link)."""
        fields_ = _page.hidden_names(names, self._controls)
        for name, w in self.controls.items():
            display = "none" if name in fields_ else None
            w.layout.display = display
            if name in self.toggles:
                self.toggles[name].layout.display = display
        self.hidden = fields_
        self._show_link()

    def set_lecture(self, on: bool = True) -> None:
        """The projector theme on or off: figures and controls at 20 px or more, thicker lines, black on
        white, figures in one wide column; Space and Right stay the shortcuts for Play/Pause and Step."""
        if not isinstance(on, bool):
            raise TypeError(f"lecture must be True or False, got {type(on).__name__}")
        self.lecture = on
        if self.headless:
            return
        (self.widget.add_class if on else self.widget.remove_class)("rfx-lecture")
        grid = next((c for c in self.widget.children if isinstance(c, widgets.GridBox)), None)
        if grid is not None:
            if self._grid_columns is None:
                self._grid_columns = (grid.layout.grid_template_columns, grid.layout.max_width)
            wide = FIGURE_WIDTHS[1]
            grid.layout.grid_template_columns, grid.layout.max_width = (
                (f"repeat(auto-fill, {wide}px)", f"{wide}px") if on else self._grid_columns)
        for slot in self.slots.values():
            slot.style = _page.lecture_figure if on else None
            if grid is not None:
                slot.width = FIGURE_WIDTHS[1] if on else FIGURE_WIDTHS[min(self.spec.columns, len(self.slots))]
        for slot, fig in zip(self.slots.values(), self.spec.figures(self.state, self.result, self.progress),
                             strict=True):
            slot.sync(fig)
        self._show_link()

    def apply_link(self, query: str) -> bool:
        """Apply a lesson link (``d=50&r=600&hide=d,seed&lecture=1``): its state, hidden controls and lecture
        mode. A bad link changes nothing and says why on screen (the state shown stays); returns False."""
        try:
            link = _page.split_link(query, self._controls)
            state = (self.spec.state.from_query(link.state) if link.state else self.state).checked(self.spec.context)
        except (TypeError, ValueError) as exc:
            message = (f"this link was not applied: {exc}. The dashboard keeps its settings "
                       "(in the app: the defaults)")
            self.w_notice.value = f'<div style="color:#b00020;font-weight:600">⚠ {_escape(message)}</div>'
            return self._refuse(message)
        self.w_notice.value = ""
        self.hide(*link.hide)
        if link.lecture != self.lecture:
            self.set_lecture(link.lecture)
        return self.set_config(state)

    def from_page(self) -> bool:
        """In Voila: apply the page's URL query as a lesson link once the page's request is known (at page
        time, also for a preheated kernel: :func:`rfexplore.dashboards._page.on_page_query`). False (and
        nothing done) elsewhere."""
        return _page.on_page_query(lambda query: self.apply_link(query) if query else None)

    def _on_key(self, content):
        if content.get("key") == "step" and self.spec.play is not None:
            self.advance()

    def _ipython_display_(self):
        display(self.widget)
