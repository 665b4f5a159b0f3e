"""A small plotly view for the dashboards: plotly.js loaded once per page, only what changed is sent.

plotly's own ``FigureWidget`` (plotly 6/7 with anywidget) ships its ~5 MB of JavaScript as the ESM of
*every* figure, and anywidget gives each model 2 s to evaluate its ESM and run ``initialize``; a model
that misses it ignores every later update (its figure freezes). Voila creates all models at once, and a
busy machine misses the limit in JupyterLab too. Here:

* :class:`PlotlyLoader` is one model per kernel whose ``source`` trait carries plotly.js; its tiny ESM
  evaluates it once per page, *after* ``initialize`` has returned (so never against the 2 s limit), and
  publishes it as a page-wide promise.
* :class:`FigureView` is one model per figure with a tiny ESM: it awaits that promise, draws with
  ``Plotly.newPlot`` and applies updates with ``Plotly.react`` (moved points: ``Plotly.animate``). Its
  ``figure`` trait always holds the current figure (so a page that connects later, as Voila's does, draws
  the current state), but an update is sent as a custom message holding only the traces that changed — and
  for a trace that only grew, only the new points — and the layout only when it changed.
* Some changes need no kernel at all (issue 13). A *track* (:meth:`FigureView.set_track`, a synced trait) is
  a whole training run: the page shows the frame of the Play widget's value (the view's ``clock``, read in the
  page, so Play costs no figure message per frame). A *pointer* (:meth:`FigureView.set_pointer`) draws a
  marker from a control's value at the input, looked up in arrays the page holds (the tour's width marker on
  the exact width curve, its budget line), before the kernel hears of the input; the kernel's copy of the
  figure is kept in step without sending those traces.
* What a change costs (issue 13, measured in Lab on the tour): ``Plotly.react`` redraws axes, legend and
  titles even when one marker moved (20-45 ms a figure on this 2-core machine), so a change of points only
  that stays inside the drawn axis ranges redraws just its traces (``Plotly.animate`` without a redraw,
  2-3 times faster), and changes that arrive while a figure draws are merged into one draw. On the kernel
  side a patch serializes only its traces (:func:`plain_json`), never the whole figure.

Only ipywidgets, anywidget, traitlets and plotly are imported (the widget layer).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import anywidget
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import traitlets
from _plotly_utils.utils import is_skipped_key
from ipywidgets import Widget, widget_serialization
from plotly.io.json import to_json_plotly

__all__ = ["FigureView", "PlotlyLoader", "figure_json", "plain_json"]

_LOADER_ESM = r"""
function slot() {
  if (!globalThis.__rfexplorePlotly) {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    globalThis.__rfexplorePlotly = { promise, resolve, reject, loading: false };
  }
  return globalThis.__rfexplorePlotly;
}
// plotly.js takes the page's only thread for a second or more while it is evaluated; anywidget gives every
// model 2 s from its creation to start, so the evaluation waits until no rfexplore model has started for
// QUIET ms (each model's initialize stamps the time), and a model created meanwhile is never starved
const QUIET = 2100;
function stamp() { (globalThis.__rfexploreInit ??= { last: 0 }).last = performance.now(); }
function whenQuiet(fn) {
  const idle = performance.now() - globalThis.__rfexploreInit.last;
  if (idle >= QUIET) fn(); else setTimeout(() => whenQuiet(fn), QUIET - idle);
}
function load(src) {
  const s = slot();
  if (s.loading || !src) return;
  s.loading = true;
  stamp();
  // evaluated as a CommonJS module, so plotly's UMD wrapper neither looks for an AMD `define` nor
  // depends on what the host page puts on `window`
  whenQuiet(() => {
    try {
      const module = { exports: {} };
      new Function("module", "exports", "define", src)(module, module.exports, undefined);
      s.resolve(module.exports.newPlot ? module.exports : globalThis.Plotly);
    } catch (err) { s.loading = false; s.reject(err); }
  });
}
export default {
  initialize({ model }) {
    slot();
    load(model.get("source"));
    model.on("change:source", () => load(model.get("source")));
  },
  render({ el }) { el.style.display = "none"; },
};
"""

_VIEW_ESM = r"""
function plotlyPromise() {
  if (!globalThis.__rfexplorePlotly) {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    globalThis.__rfexplorePlotly = { promise, resolve, reject, loading: false };
  }
  return globalThis.__rfexplorePlotly.promise;
}
const isSpec = (v) => v && typeof v === "object" && "bdata" in v && "dtype" in v;
function decode(v) {
  // plotly.py writes numpy arrays as {dtype, bdata}; plotly.js draws them, but extending a trace needs
  // plain arrays
  if (isSpec(v)) {
    const bytes = Uint8Array.from(atob(v.bdata), c => c.charCodeAt(0));
    const T = { f8: Float64Array, f4: Float32Array, i4: Int32Array, i2: Int16Array, i1: Int8Array,
                u4: Uint32Array, u2: Uint16Array, u1: Uint8Array }[v.dtype];
    return T ? Array.from(new T(bytes.buffer)) : v;
  }
  return v;
}
// A trace whose new version differs only in these (its points) can be redrawn alone, without the axes,
// legend and titles (see draw below); any other change redraws the whole figure.
const POINTS = new Set(["x", "y", "customdata", "text", "hovertext"]);
function pointsOnly(old, t) {
  if (!old || (t.type ?? "scatter") !== "scatter" || (t.fill && t.fill !== "none")) return false;
  const keys = new Set([...Object.keys(old), ...Object.keys(t)]);
  for (const k of keys) {
    if (!POINTS.has(k) && JSON.stringify(old[k]) !== JSON.stringify(t[k])) return false;
  }
  return true;
}
// One state per figure model, shared by all its views (a re-displayed output draws the current figure
// even though updates arrive as messages, not as state).
function stateOf(model) {
  const all = (globalThis.__rfexploreFigures ??= new Map());
  const uid = model.get("uid");
  if (!all.has(uid)) all.set(uid, { fig: structuredClone(model.get("figure")), views: new Set() });
  return all.get(uid);
}
// A track (the whole training run, FigureView.set_track: a synced trait, so a page that connects later has it)
// holds, per trace, every point with the step it appears at; at a step (the value of the Play widget the view
// holds as its `clock`, read in the page) each tracked trace shows its points of that step or before, drawn as a
// change of points only, without a message to the kernel (a link from Play would send one per view and frame).
function count(steps, step) {
  let lo = 0, hi = steps.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (steps[mid] <= step) lo = mid + 1; else hi = mid; }
  return lo;
}
const decodeAll = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decode(v)]));
function showStep(state) {
  if (!state.track || !state.clock) return;
  const step = state.clock.get("value"), fig = state.fig, change = { full: false, traces: [], frame: true };
  for (const [i, t] of state.track) {
    const n = count(t.step, step), trace = { ...fig.data[i] };
    for (const [k, v] of Object.entries(t)) if (k !== "step") trace[k] = v.slice(0, n);
    fig.data[i] = trace;
    change.traces.push(i);
  }
  for (const redraw of state.views) redraw(change);
}
// A pointer (FigureView.set_pointer, a synced trait) draws some traces from a control's value in the page, at the
// input, before the kernel has heard of it: each point is a number, "value" (the control's value) or
// {at, of} (the entry of `of` whose key in the sorted `at` is the value). A SelectionSlider's value is its label.
function sourceValue(src) {
  const v = src.model.get(src.attr);
  return src.labels ? Number(src.model.get("_options_labels")[v]) : v;
}
function point(item, v) {
  if (item === "value") return v;
  if (item && typeof item === "object") {
    const j = count(item.at, v) - 1;
    return j >= 0 && item.at[j] === v ? item.of[j] : null;
  }
  return item;
}
function showPointer(state, name) {
  const p = state.pointer;
  if (!p) return;
  const change = { full: false, traces: [] };
  for (const [i, t] of p.traces) {
    const src = p.sources[t.source];
    if ((name !== undefined && t.source !== name) || !src?.model) continue;
    const v = sourceValue(src), old = state.fig.data[i], trace = { ...old };
    for (const k of ["x", "y"]) if (t[k]) trace[k] = t[k].map((item) => point(item, v));
    // another change of the control (its description, disabled, ...) that leaves the points where they are
    if (["x", "y"].every((k) => !t[k] || JSON.stringify(trace[k]) === JSON.stringify(decode(old?.[k])))) continue;
    state.fig.data[i] = trace;
    change.traces.push(i);
  }
  if (change.traces.length) for (const redraw of state.views) redraw(change);
}
const modelId = (ref) => String(ref).replace(/^IPY_MODEL_/, "");
async function setPointer(model, state) {
  const spec = model.get("pointer"), token = (state.pointerToken = {});
  if (!spec || !spec.traces || !Object.keys(spec.traces).length) { state.pointer = null; return; }
  const sources = {};
  for (const [name, s] of Object.entries(spec.sources || {})) {
    sources[name] = { attr: s.attr, labels: !!s.labels, model: await model.widget_manager.get_model(modelId(s.model)) };
  }
  if (token !== state.pointerToken) return;             // a newer pointer came meanwhile
  const traces = new Map(Object.entries(spec.traces).map(([i, t]) => [Number(i), {
    source: t.source,
    ...Object.fromEntries(["x", "y"].filter((k) => t[k]).map((k) => [k, t[k].map((item) =>
      item && typeof item === "object" ? { at: decode(item.at), of: decode(item.of) } : item)]))}]));
  state.pointer = { sources, traces };
  for (const [name, src] of Object.entries(sources)) {
    if (state.listening.has(src.model)) continue;        // one listener per control, whatever the pointer
    state.listening.add(src.model);
    src.model.on("change", () => showPointer(state, name));
  }
  showPointer(state);
}
export default {
  initialize({ model }) {
    (globalThis.__rfexploreInit ??= { last: 0 }).last = performance.now();   // see the loader's QUIET
    const state = stateOf(model);
    state.listening ??= new Set();
    const setTrack = () => {
      const track = model.get("track") || {};
      state.track = Object.keys(track).length
        ? new Map(Object.entries(track).map(([i, t]) => [Number(i), decodeAll(t)])) : null;
      showStep(state);
    };
    const setClock = async () => {
      const ref = model.get("clock");
      const clock = ref ? await model.widget_manager.get_model(modelId(ref)) : null;
      if (clock === state.clock) return;
      state.clock?.off("change:value", state.onClock);
      state.clock = clock;
      state.onClock = () => showStep(state);
      clock?.on("change:value", state.onClock);
      showStep(state);
    };
    model.on("change:figure", () => {
      state.fig = structuredClone(model.get("figure"));
      for (const redraw of state.views) redraw({ full: true, traces: [] });
    });
    // a control the page cannot find leaves its marker to the kernel's updates (said on the console)
    const pointer = () => setPointer(model, state).catch((err) => {
      state.pointer = null;
      console.warn("rfexplore: a figure's pointer is off", err);
    });
    const clock = () => setClock().catch((err) => console.warn("rfexplore: Play's frames are off", err));
    model.on("change:track", setTrack);
    model.on("change:clock", clock);
    model.on("change:pointer", pointer);
    setTrack();
    clock();
    pointer();
    model.on("msg:custom", (msg) => {
      if (msg.type !== "update") return;
      if (msg.untrack) state.track = null;
      const fig = state.fig;
      fig.data ??= [];
      const change = { full: !!msg.layout || (msg.n !== undefined && msg.n !== fig.data.length), traces: [] };
      if (msg.n !== undefined) fig.data.length = msg.n;
      for (const [i, trace] of Object.entries(msg.traces || {})) {
        if (!pointsOnly(fig.data[Number(i)], trace)) change.full = true;
        fig.data[Number(i)] = trace;
        change.traces.push(Number(i));
      }
      for (const [i, ext] of Object.entries(msg.extend || {})) {
        const t = { ...fig.data[Number(i)] };
        for (const [key, tail] of Object.entries(ext)) t[key] = decode(t[key]).concat(tail);
        fig.data[Number(i)] = t;
        change.traces.push(Number(i));
      }
      if (msg.layout) fig.layout = msg.layout;
      for (const redraw of state.views) redraw(change);
    });
  },
  async render({ model, el }) {
    el.classList.add("rfx-figure");           // a figure view, drawn or still waiting for plotly.js
    const state = stateOf(model);
    const Plotly = await plotlyPromise();
    const div = document.createElement("div");
    el.appendChild(div);
    const config = model.get("config");
    const whole = () => Plotly.react(div, state.fig.data, state.fig.layout, config);
    // The axes a trace is drawn on, from the figure as drawn (undefined if not a linear or log axis).
    const axesOf = (t) => [["x", t.xaxis], ["y", t.yaxis]].map(([a, id]) => {
      const ax = div._fullLayout?.[a + "axis" + (id ? id.slice(1) : "")];
      return ax && (ax.type === "linear" || ax.type === "log") ? ax : undefined;
    });
    // whether every point of the traces lies inside the axis ranges drawn now (else the axes must change); an
    // axis with a range of its own (not autoranged) never changes with the points: those outside it are clipped
    // alike by either draw (the tour's training curves fall below their fixed log range during Play)
    const inRange = (idx) => idx.every((i) => {
      const t = state.fig.data[i], axes = axesOf(t);
      return axes.every((ax, k) => {
        if (!ax) return false;
        if (!ax.autorange) return true;
        const [lo, hi] = [...ax.range].sort((a, b) => a - b);
        const v = decode(t[k ? "y" : "x"]);
        if (v === undefined) return true;
        if (!Array.isArray(v)) return false;
        return v.every((p) => {
          if (p === null || !Number.isFinite(p)) return true;                  // not drawn
          if (ax.type === "log") { if (p <= 0) return true; p = Math.log10(p); }
          return p >= lo && p <= hi;
        });
      });
    });
    const autoranged = (idx) => idx.some((i) => axesOf(state.fig.data[i]).some((ax) => ax?.autorange));
    // Changes are drawn one at a time; those that arrive meanwhile are merged and drawn together (a drag or
    // Play sends faster than a figure draws: the page shows the latest state, it does not replay a queue).
    // A change of points only, inside the axes' ranges, redraws those traces alone (plotly's animate without
    // a redraw: no axes, legend or titles; several times faster). Where an axis is autoranged, the whole
    // figure is redrawn once the changes stop for SETTLE ms (a range may shrink); anything else redraws the
    // whole figure (Plotly.react draws the difference). A failed draw is said on the console and never
    // blocks the next.
    const SETTLE = 300;
    let pending = null, busy = Plotly.newPlot(div, state.fig.data || [], state.fig.layout || {}, config);
    let settle = null;
    const draw = async (change) => {
      const idx = [...new Set(change.traces)];
      if (!change.full && idx.length && inRange(idx)) {
        // plotly resolves an animation only a frame after the one that drew it (its promise waits some 40 ms on
        // a busy machine): the next change waits for that drawing frame, not for the promise (mode immediate:
        // a later frame supersedes it)
        const shown = Plotly.animate(div, { data: idx.map((i) => state.fig.data[i]), traces: idx },
                                     { transition: { duration: 0 }, frame: { duration: 0, redraw: false },
                                       mode: "immediate" });
        // a frame superseded by a later one is rejected without a reason: not a failure
        shown.catch((err) => { if (err !== undefined) console.warn("rfexplore: a figure draw failed", err); });
        await Promise.race([shown, new Promise((r) => requestAnimationFrame(r))]);
        if (autoranged(idx)) {
          clearTimeout(settle);
          settle = setTimeout(() => { settle = null; redraw({ full: true, traces: [] }); }, SETTLE);
        }
        return;
      }
      clearTimeout(settle);
      settle = null;
      await whole();
    };
    // while a change waits or is drawn (or a settling redraw is due) the view says so in the page
    // (data-rfx-drawing), so a test or benchmark can tell "not drawn yet" from "did not change"
    const mark = () => {
      if (pending || busy || settle !== null) el.dataset.rfxDrawing = "1"; else delete el.dataset.rfxDrawing;
    };
    const pump = async () => {
      while (pending) {
        const change = pending;
        pending = null;
        try { await draw(change); } catch (err) {
          console.warn("rfexplore: a figure draw failed", err);
          try { await whole(); } catch (err2) { console.warn("rfexplore: a figure draw failed", err2); }
        }
      }
      busy = null;
      mark();
    };
    // A step of a track (change.frame) is drawn at the next animation frame, not at once: Play's timer waits
    // its interval only after its value's handlers return, so drawing inside them would slow Play by the draw
    // (and the figures of one step are drawn in the same frame).
    const redraw = (change) => {
      pending = pending ? { full: pending.full || change.full, traces: [...pending.traces, ...change.traces] }
                        : { full: change.full, traces: [...change.traces] };
      if (!busy) busy = change.frame ? new Promise((r) => requestAnimationFrame(r)).then(pump) : pump();
      mark();
    };
    state.views.add(redraw);
    const first = busy;
    busy = first.then(pump, (err) => { console.warn("rfexplore: a figure draw failed", err); return pump(); });
    await first.catch(() => {});
    return () => { state.views.delete(redraw); clearTimeout(settle); Plotly.purge(div); };
  },
};
"""


def figure_json(fig: go.Figure) -> dict:
    """The figure as plotly.js reads it: plain JSON, numpy arrays as base64 typed arrays."""
    return json.loads(pio.to_json(fig, validate=False))


def plain_json(obj) -> dict:
    """A trace's or a layout's plotly object (or its ``to_plotly_json()`` dict) as plotly.js reads it, encoded
    as :func:`figure_json` encodes it (numpy arrays as base64 typed arrays): for sending one trace, not the
    whole figure."""
    d = obj.to_plotly_json() if hasattr(obj, "to_plotly_json") else dict(obj)
    return json.loads(to_json_plotly(_base64(d)))


def _base64(obj):
    """``obj`` with its numpy arrays as typed-array specs, as plotly's ``convert_to_base64`` writes them (which
    asks narwhals about every value, 20 times slower on a trace; the figures hold numpy arrays, lists and
    plain values only)."""
    if isinstance(obj, dict):
        return {k: v if is_skipped_key(k) else _base64(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_base64(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _typed_array(obj)
    return obj


_SHORT = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}


def _typed_array(v: np.ndarray):
    """plotly's ``to_typed_array_spec`` without its narwhals conversion: a numeric array as ``{dtype, bdata}``
    (64-bit integers in the smallest type that holds them, as plotly.js has no 64-bit integers), anything
    else as it is (the JSON encoder writes it as a list)."""
    if v.size == 0:
        return v
    if v.dtype.kind in "iu" and v.dtype.itemsize == 8:
        lo, hi = v.min(), v.max()
        for t in (("int8", "int16", "int32") if v.dtype.kind == "i" else ("uint8", "uint16", "uint32")):
            info = np.iinfo(t)
            if info.min <= lo and hi <= info.max:
                v = v.astype(t)
                break
        else:
            return v
    short = _SHORT.get(str(v.dtype))
    if short is None:
        return v
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
    if v.ndim > 1:
        spec["shape"] = str(v.shape)[1:-1]
    return spec


class PlotlyLoader(anywidget.AnyWidget):
    """Carries plotly.js to the page once (one per kernel, see :func:`loader`)."""

    _esm = traitlets.Unicode(_LOADER_ESM).tag(sync=True)
    source = traitlets.Unicode("").tag(sync=True)
    bundle = traitlets.Unicode("")     # which plotly.js :func:`plotly_js` chose (not sent to the page)


_LOADER: PlotlyLoader | None = None


# plotly.js's cartesian partial bundle (npm's plotly.js-cartesian-dist-min, kept in the package by
# .ci/plotlyjs.py): every trace type the dashboards draw (scatter, bar, heatmap; a test checks each) in 1.5 MB
# instead of the full bundle's 4.8 MB, which every page received in its widget state and then evaluated
# (measured: benchmarks/profile_page.py, README "Serving a class").
PARTIAL_BUNDLE = Path(__file__).resolve().with_name("plotlyjs") / "plotly-cartesian.min.js"
_BUNDLE_VERSION = re.compile(r"plotly\.js \(cartesian - minified\) v(\S+)")


def plotly_js() -> tuple[str, str]:
    """(plotly.js source for the figure views, which bundle it is): the cartesian partial bundle when it is
    the plotly.js version the installed plotly.py writes figures for, else plotly.py's full bundle (a newer
    plotly.py may write attributes an older plotly.js does not know; `python .ci/plotlyjs.py write` fetches
    the matching partial bundle)."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    if PARTIAL_BUNDLE.exists():
        source = PARTIAL_BUNDLE.read_text(encoding="utf-8")
        found = _BUNDLE_VERSION.search(source[:500])
        if found and found.group(1) == get_plotlyjs_version():
            return source, f"plotly.js-cartesian-dist-min {found.group(1)}"
    return get_plotlyjs(), f"plotly.js {get_plotlyjs_version()} (plotly.py's full bundle)"


def loader() -> PlotlyLoader:
    """The kernel's one :class:`PlotlyLoader` (created on first use; plotly.js read from the installed
    package, so no network is needed: :func:`plotly_js`)."""
    global _LOADER
    if _LOADER is None:
        source, bundle = plotly_js()
        _LOADER = PlotlyLoader(source=source, bundle=bundle)
    return _LOADER


def _pointer_point(p):
    if isinstance(p, tuple) and len(p) == 3 and p[0] == "at":
        keys, values = np.asarray(p[1]), np.asarray(p[2], dtype=float)
        if keys.ndim != 1 or keys.shape != values.shape or np.any(np.diff(keys) <= 0):
            raise ValueError(f"pointer: an ('at', keys, values) point needs ascending keys and values of their "
                             f"length, got shapes {keys.shape} and {values.shape}")
        return {"at": _typed_array(keys), "of": _typed_array(values)}
    if isinstance(p, str) and p == "value":
        return p
    if isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool):
        return float(p)
    raise ValueError(f"pointer: a point must be a number, 'value' or ('at', keys, values), got {p!r}")


def _pointer_key(sources, traces):
    """What a pointer is, cheaply: its structure, with arrays by identity (the caller keeps them alive)."""
    def key(v):
        if isinstance(v, np.ndarray):
            return ("array", id(v), v.shape)
        if isinstance(v, (list, tuple)):
            return tuple(key(x) for x in v)
        if isinstance(v, dict):
            return tuple(sorted((k, key(x)) for k, x in v.items()))
        if isinstance(v, Widget):
            return ("widget", v.model_id)
        return v
    return key(sources), key(traces)


def _arrays_of(trace: dict) -> dict:
    return {k: v for k, v in trace.items() if isinstance(v, dict) and "bdata" in v}


def _grown(old: dict, new: dict) -> dict | None:
    """``{key: tail}`` if ``new`` is ``old`` with points appended to its x/y arrays (and nothing else
    changed), else ``None``."""
    keys = [k for k in ("x", "y") if k in new]
    if not keys or set(old) != set(new):
        return None
    if any(old[k] != new[k] for k in new if k not in keys):
        return None
    tails = {}
    for k in keys:
        a, b = _decode(old[k]), _decode(new[k])
        if a is None or b is None or len(b) <= len(a) or not np.array_equal(b[: len(a)], a):
            return None
        tails[k] = b[len(a):].tolist()
    return tails


def _decode(v):
    if isinstance(v, list):
        return np.asarray(v)
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return None


class FigureView(anywidget.AnyWidget):
    """One figure on screen, updated by :meth:`show` (a whole new figure) or :meth:`update` (some traces and
    the layout, already as JSON) with only what changed.

    ``view.fig`` is the figure last given (for reading values back; not copied, so the caller's later edits
    show in it); ``view.sent`` counts the bytes of the update messages sent so far (the transport the figure
    costs) and ``view.messages`` the messages.
    """

    _esm = traitlets.Unicode(_VIEW_ESM).tag(sync=True)
    figure = traitlets.Dict().tag(sync=True)
    uid = traitlets.Unicode().tag(sync=True)
    config = traitlets.Dict({"displaylogo": False, "responsive": False}).tag(sync=True)
    track = traitlets.Dict().tag(sync=True)     # the training run the page draws by itself (set_track)
    clock = traitlets.Instance(Widget, allow_none=True).tag(sync=True, **widget_serialization)   # Play: its value
    pointer = traitlets.Dict().tag(sync=True, **widget_serialization)   # traces drawn from controls (set_pointer)
    plotly = traitlets.Instance(PlotlyLoader).tag(sync=True, **widget_serialization)

    def __init__(self, fig: go.Figure, **kwargs):
        self.fig = fig
        self.sent = self.messages = self.revision = 0
        self.tracked, self.track_key = frozenset(), None
        self.pointed, self._pointer_key, self._pointer_hold = frozenset(), None, None
        super().__init__(figure=figure_json(fig), plotly=loader(), uid=uuid.uuid4().hex, **kwargs)

    def show(self, new: go.Figure) -> dict:
        """Make the figure on screen ``new``: send the traces that changed (only the new points of one
        that grew) and the layout if it changed. Returns the message sent (empty if nothing changed)."""
        new_json = figure_json(new)
        self.fig = new
        data = new_json.get("data", [])
        return self.update(dict(enumerate(data)), new_json.get("layout", {}), n=len(data))

    def set_track(self, track: dict | None, key=None) -> None:
        """Send a whole training run to the page once: ``{trace index: {"step": (p,) nondecreasing step of each
        point, key: (p,) that key's points}}``; the page then shows, at the value of its :attr:`clock` (the
        Play widget), each tracked trace cut to the points of that step or before, without a message per step.
        The track is a synced trait, so a page that connects later draws the same frames. While a track is
        live, :meth:`update` with ``quiet`` keeps this side's figure in step without sending. ``None`` (or an
        empty track) drops the track (the page is sent the tracked traces as they are here). ``key``: what the
        track belongs to (the caller's training run), kept as :attr:`track_key`."""
        if not track:
            if self.tracked:
                self.track = {}
                self._send_update({"type": "update", "untrack": True,
                            "traces": {str(i): self.figure["data"][i] for i in sorted(self.tracked)}})
            self.tracked, self.track_key = frozenset(), None if track is None else key
            return
        n = len(self.figure.get("data", []))
        for i, t in track.items():
            if not 0 <= i < n:
                raise ValueError(f"track: index must be below the number of traces {n}, got {i}")
            lengths = {k: len(v) for k, v in t.items()}
            if "step" not in t or len(set(lengths.values())) != 1:
                raise ValueError(f"track: trace {i} needs a 'step' array and arrays of one length, got {lengths}")
        self.tracked, self.track_key = frozenset(track), key
        self.track = {str(i): plain_json({k: np.asarray(v) for k, v in t.items()}) for i, t in track.items()}
        self.messages += 1
        self.sent += len(json.dumps(self.track))

    def set_pointer(self, sources: dict, traces: dict | None, *, dry: bool = False) -> bool:
        """Let the page draw some traces from controls' values at the input, before the kernel answers.

        ``sources``: ``{name: (widget, attribute)}`` (a ``SelectionSlider``'s ``"value"`` is read as its
        label, a number). ``traces``: ``{trace index: {"source": name, "x": points, "y": points}}``, each point
        a number, ``"value"`` (the control's value) or ``("at", keys, values)``: the entry of ``values`` whose
        key (in the ascending ``keys``) is the control's value. ``None`` (or empty) drops the pointer. Sent
        only when it differs from the pointer sent last (arrays compared by identity: give the same arrays for
        the same picture). Returns whether it was sent (``dry``: whether it would be; nothing is sent). The
        caller keeps this side's figure equal to what the page draws (:meth:`update` with ``drawn``)."""
        traces = traces or {}
        for i, t in traces.items():
            if t.get("source") not in sources:
                raise ValueError(f"pointer: trace {i} names source {t.get('source')!r}, not one of {sorted(sources)}")
        sources = {name: sources[name] for name in sorted({t["source"] for t in traces.values()})}
        key = _pointer_key(sources, traces)
        if key == self._pointer_key or dry:
            return key != self._pointer_key
        n = len(self.figure.get("data", []))
        spec_sources, spec_traces = {}, {}
        for name, (widget, attr) in sources.items():
            if not isinstance(widget, Widget) or not widget.has_trait(attr):
                raise ValueError(f"sources: {name!r} must be a widget and one of its traits, got {widget!r}, {attr!r}")
            labels = attr == "value" and widget.has_trait("index") and widget.has_trait("options")
            spec_sources[name] = {"model": widget, "attr": "index" if labels else attr, "labels": labels}
        for i, t in traces.items():
            if not 0 <= i < n:
                raise ValueError(f"pointer: index must be below the number of traces {n}, got {i}")
            spec_traces[str(i)] = {"source": t["source"], **{k: [_pointer_point(p) for p in t[k]]
                                                            for k in ("x", "y") if k in t}}
        self._pointer_key, self._pointer_hold = key, (sources, traces)     # holds the arrays (ids stay unique)
        self.pointed = frozenset(traces)
        self.pointer = {"sources": spec_sources, "traces": spec_traces} if traces else {}
        self.messages += 1
        self.sent += len(json.dumps(spec_traces))
        return True

    def _send_update(self, msg: dict) -> None:
        self.revision += 1
        msg["revision"] = self.revision
        self.send(msg)
        self.sent += len(json.dumps(msg))
        self.messages += 1

    def update(self, traces: dict, layout: dict | None = None, *, n: int | None = None,
               quiet: frozenset = frozenset(), drawn: frozenset = frozenset()) -> dict:
        """Put some traces (``{index: trace JSON}``, as :func:`plain_json` writes them) and, if given, the
        layout (JSON) on screen; ``n``: the new number of traces (default: unchanged). Only what differs from
        the figure on screen is sent. ``quiet``: tracked traces whose change is a step of the live track (the
        page draws it from the track): kept here, not sent. Any other change of a tracked trace drops the
        track (the page is then sent every tracked trace whole). Returns the message sent (empty if nothing
        changed)."""
        state = self.figure
        old_data = state.setdefault("data", [])
        n = len(old_data) if n is None else n
        msg: dict = {"type": "update"}
        changed, extend = {}, {}
        for i in traces:
            if i >= n:
                raise ValueError(f"traces: index must be below the number of traces {n}, got {i}")
        untrack = bool(self.tracked) and (n != len(old_data) or any(
            i in self.tracked and i not in quiet and old_data[i] != t for i, t in traces.items()))
        for i, t in sorted(traces.items()):
            old = old_data[i] if i < len(old_data) else None
            if i in self.tracked and not untrack or i in drawn:
                continue                        # a step of the track, or drawn from a pointer: the page draws it
            if old == t and not (untrack and i in self.tracked):
                continue
            tail = _grown(old, t) if old is not None and not untrack else None
            if tail is not None:
                extend[str(i)] = tail
            else:
                changed[str(i)] = t
        if untrack:
            msg["untrack"] = True
            for i in self.tracked - set(traces):
                if i < n:
                    changed[str(i)] = old_data[i]
            self.tracked, self.track_key = frozenset(), None
        if changed:
            msg["traces"] = changed
        if extend:
            msg["extend"] = extend
        if n != len(old_data):
            msg["n"] = n
        if layout is not None and layout != state.get("layout"):
            msg["layout"] = layout
        # the synced state follows in place (a page that connects later draws the current figure), but is
        # not re-sent: the message carries the difference
        del old_data[n:]
        old_data.extend([{}] * (n - len(old_data)))
        for i, t in traces.items():
            old_data[i] = t
        if len(msg) == 1:
            return {}
        if "layout" in msg:
            state["layout"] = layout
        self._send_update(msg)
        return msg
