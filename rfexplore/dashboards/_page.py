"""A dashboard on a page: lesson links (the state, hidden controls and lecture mode in the URL query), the
Voila page's query read at page time, the lecture theme and the keyboard shortcuts.

A lesson link is the state's query string (:meth:`State.to_query`) plus two page keys: ``hide=d,seed``
(controls to hide, by query key or field name) and ``lecture=1`` (the projector theme). Voila's own
``template`` and ``theme`` arguments are left to Voila. The idea of a whole state in the URL with hidden
controls for a lesson is TensorFlow Playground's (its ``*_hide`` keys); the rest is this explorer's.

Only ipywidgets, anywidget and traitlets are imported (the widget layer).
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import anywidget
import traitlets

from ._state import MAX_TEXT

__all__ = ["LECTURE_CSS", "KeyShortcuts", "PageLink", "in_voila", "lecture_figure", "on_page_query", "split_link"]

PAGE_KEYS = ("hide", "lecture")
VOILA_KEYS = ("template", "theme")      # read by Voila itself, not by the dashboard
LECTURE_FONT_PX = 20


@dataclass(frozen=True)
class PageLink:
    """A lesson link split: ``state`` (the state's part of the query), ``hide`` (field names) and ``lecture``."""

    state: str
    hide: tuple
    lecture: bool


def _flag(key, raw) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", ""):
        return True
    if text in ("0", "false", "no"):
        return False
    raise ValueError(f"{key} must be 0 or 1, got {raw[:40]!r}")


def hidden_names(names, controls) -> tuple:
    """Field names for ``names`` (query keys or field names) of ``controls`` ({field: Control}); an unknown
    name raises ``ValueError`` naming the known keys."""
    by_key = {c.key: c.name for c in controls.values()}
    out = []
    for raw in names:
        if not isinstance(raw, str):
            raise TypeError(f"hide takes control names (text), got {type(raw).__name__}")
        n = raw.strip()
        if not n:
            continue
        if n in controls:
            out.append(n)
        elif n in by_key:
            out.append(by_key[n])
        else:
            raise ValueError(f"hide names an unknown control {n[:40]!r}; controls are {', '.join(by_key)}")
    return tuple(dict.fromkeys(out))


def split_link(query: str, controls: dict) -> PageLink:
    """A page's query (``d=50&r=600&hide=d,seed&lecture=1``) split into the state's query, the controls to
    hide and the lecture flag. ``TypeError``/``ValueError`` (naming the parameter) for a bad page key or a
    repeated one; the state's own keys are checked by :meth:`State.from_query`."""
    if not isinstance(query, str):
        raise TypeError(f"link must be text (a query string), got {type(query).__name__}")
    if len(query) > MAX_TEXT:
        raise ValueError(f"link must be at most {MAX_TEXT} characters, got {len(query)}")
    limit = len(controls) + len(PAGE_KEYS) + len(VOILA_KEYS)
    try:
        pairs = parse_qsl(query.strip().lstrip("?"), keep_blank_values=True, max_num_fields=limit)
    except ValueError:
        raise ValueError(f"the link has more than {limit} parameters") from None
    page, rest = {}, []
    for key, raw in pairs:
        if key in PAGE_KEYS:
            if key in page:
                raise ValueError(f"parameter {key!r} appears more than once in the link")
            page[key] = raw
        elif key not in VOILA_KEYS:
            rest.append((key, raw))
    hide = hidden_names(page.get("hide", "").split(","), controls)
    lecture = _flag("lecture", page["lecture"]) if "lecture" in page else False
    return PageLink(urlencode(rest), hide, lecture)


def join_link(state_query: str, hide: tuple, controls: dict, lecture: bool) -> str:
    """The lesson link of a state query, hidden fields and lecture flag (inverse of :func:`split_link`)."""
    extra = []
    if hide:
        extra.append(("hide", ",".join(controls[n].key for n in hide)))
    if lecture:
        extra.append(("lecture", "1"))
    tail = urlencode(extra, safe=",")
    return "&".join(p for p in (state_query, tail) if p)


# --------------------------------------------------------------------------- the Voila page's query


def in_voila() -> bool:
    """True in a kernel that Voila started (it sets ``VOILA_PREHEAT`` in every kernel's environment)."""
    return "VOILA_PREHEAT" in os.environ


def on_page_query(callback) -> bool:
    """Call ``callback(query)`` with the URL query of the Voila page this kernel serves, once it is known;
    False (and no call) outside Voila.

    A kernel Voila starts for a request has the query in ``QUERY_STRING``: the callback runs at once. A
    preheated kernel (``make app``) ran the notebook before any request; Voila sends it the request's
    details when a page takes it, over a websocket (``/voila/query/<kernel id>``; Voila keeps them until
    the kernel connects). ``voila.utils.wait_for_request`` would block the notebook there (and under load
    its connection can time out or drop: the query is then lost); here a thread waits, reconnecting until
    the details arrive, so the notebook finishes in the pool, and the callback is handed to the kernel's
    main loop, where widget messages are handled (never two updates at once)."""
    if not in_voila():
        return False
    if os.environ.get("VOILA_PREHEAT") != "True":
        callback(os.environ.get("QUERY_STRING", ""))
        return True
    from IPython import get_ipython

    loop = getattr(getattr(get_ipython(), "kernel", None), "io_loop", None)
    if loop is None:
        return False

    def wait():
        info = asyncio.new_event_loop().run_until_complete(_request_info(_request_info_url()))
        loop.add_callback(callback, info.get("QUERY_STRING", ""))

    threading.Thread(target=wait, name="rfexplore-page-query", daemon=True).start()
    return True


def _request_info_url() -> str:
    """Where Voila sends a preheated kernel its request's details (as ``voila.utils.wait_for_request``)."""
    env = os.environ.get
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    return (f"{env('VOILA_WS_PROTOCOL', 'ws')}://{env('VOILA_APP_IP', '127.0.0.1')}:{env('VOILA_APP_PORT', '8866')}"
            f"{base}voila/query/{env('VOILA_KERNEL_ID', '')}")


async def _request_info(url, retry_s=1.0) -> dict:
    """The request's details (a dict of environment variables), waiting as long as it takes: the kernel
    may wait for a student for hours, and a dropped connection is reopened (Voila resends what it kept)."""
    import json

    import websockets

    while True:
        try:
            async with websockets.connect(url, open_timeout=30, ping_interval=None) as ws:
                return json.loads(await ws.recv())
        except (OSError, TimeoutError, asyncio.TimeoutError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(retry_s)


# --------------------------------------------------------------------------- lecture mode

# Scoped to a dashboard's root (class rfx-lecture): controls, readouts and text at 20 px, black on white.
LECTURE_CSS = f"""<style>
.rfx-lecture {{ --jp-widgets-font-size: {LECTURE_FONT_PX}px; --jp-widgets-inline-height: 40px;
  --jp-widgets-label-color: #000; --jp-widgets-readout-color: #000; --jp-widgets-input-color: #000;
  color: #000; background: #fff; }}
.rfx-lecture .widget-label, .rfx-lecture .widget-readout, .rfx-lecture .widget-label-basic,
.rfx-lecture input, .rfx-lecture select, .rfx-lecture button, .rfx-lecture .widget-html-content,
.rfx-lecture .widget-html-content table, .rfx-lecture .widget-html-content div, .rfx-lecture code {{
  font-size: {LECTURE_FONT_PX}px !important; color: #000; }}
.rfx-lecture .widget-label {{ width: 230px !important; }}
.rfx-lecture .widget-slider, .rfx-lecture .widget-hslider {{ width: 640px !important; }}
.rfx-lecture .noUi-handle, .rfx-lecture .ui-slider-handle {{ border: 2px solid #000 !important; }}
.rfx-lecture .widget-html-content a {{ color: #003399; }}
</style>"""


def lecture_figure(fig) -> None:
    """The projector theme of one figure, in place: every text at least 20 px, black axes, lines twice
    as thick (at least 4 px) and larger markers."""
    size = LECTURE_FONT_PX
    fig.update_layout(font=dict(size=size, color="#000"), title_font_size=size + 2, legend_font_size=size,
                      paper_bgcolor="#fff", plot_bgcolor="#fff")
    axes = dict(tickfont_size=size, title_font_size=size, linecolor="#000", linewidth=2, gridcolor="#ccc",
                showline=True)
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    # plotly labels a log axis's in-between ticks (2, 5) at 3/4 of the tick font: those at 20 px too
    big = round(size * 4 / 3)
    fig.update_xaxes(tickfont_size=big, selector=dict(type="log"))
    fig.update_yaxes(tickfont_size=big, selector=dict(type="log"))
    for a in fig.layout.annotations or ():
        a.font.size = max(size, a.font.size or 0)
    for t in fig.data:
        if t.type != "scatter":
            continue
        t.line.width = max(4, 2 * (t.line.width or 2))
        if t.marker.size is not None:
            t.marker.size = 1.5 * t.marker.size
        elif "markers" in (t.mode or ""):
            t.marker.size = 10


# --------------------------------------------------------------------------- keyboard shortcuts

# Space: Play/Pause (clicks the Play control's play button, which toggles), Right: Step (a message to the
# kernel), on dashboards that train (`play`). Listens on the dashboard's root (focusable, so a click on its
# background focuses it), and on the page's body when this is the only dashboard with shortcuts (Voila).
# Never when the key goes to a text box, a slider, a dropdown or (Space) a button or link, nor with a
# modifier key. On every dashboard: its menus (<select>) carry `data-lm-suppress-shortcuts`, so that
# JupyterLab's notebook shortcuts (command mode binds ArrowUp/ArrowDown to the cells) leave a focused closed
# menu's arrow keys to the menu (Lumino stops looking for a shortcut at an element with that attribute).
_KEYS_ESM = r"""
const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="slider"], '
  + '.noUi-handle, .widget-slider, .widget-hslider, .widget-readout';
function act(e, root, model) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const key = (e.key === ' ' || e.key === 'Spacebar') ? 'play' : e.key === 'ArrowRight' ? 'step' : null;
  if (!key || !model.get('play')) return;
  const t = e.target;
  if (t && t.closest && t.closest(TYPING)) return;
  if (key === 'play' && t && t.closest && t.closest('button, a, summary')) return;
  if (key === 'play') {
    const button = root.querySelector('.widget-play button');
    if (!button || button.disabled) return;
    button.click();
  } else {
    model.send({ key });
  }
  e.preventDefault();
  e.stopPropagation();
}
export default {
  initialize() {
    (globalThis.__rfexploreInit ??= { last: 0 }).last = performance.now();   // see _figure_view's QUIET
  },
  render({ model, el }) {
    el.style.display = 'none';
    const scope = model.get('scope');
    let root = null, stopped = false, menus = null;
    const mark = () => root.querySelectorAll('select:not([data-lm-suppress-shortcuts])')
      .forEach((s) => s.setAttribute('data-lm-suppress-shortcuts', 'true'));
    const onRoot = (e) => act(e, root, model);
    const onDoc = (e) => {
      if (!root || (e.target !== document.body && e.target !== document.documentElement)) return;
      if (document.querySelectorAll('.rfx-keys-root').length !== 1) return;
      act(e, root, model);
    };
    const attach = () => {
      if (stopped) return;
      root = document.querySelector('.' + scope);
      if (!root) { setTimeout(attach, 250); return; }
      mark();
      menus = new MutationObserver(mark);         // a menu drawn later (a control shown, a view re-rendered)
      menus.observe(root, { childList: true, subtree: true });
      if (!model.get('play')) return;
      root.classList.add('rfx-keys-root');
      if (!root.hasAttribute('tabindex')) root.tabIndex = -1;
      root.addEventListener('keydown', onRoot);
    };
    attach();
    document.addEventListener('keydown', onDoc);
    return () => {
      stopped = true;
      if (menus) menus.disconnect();
      document.removeEventListener('keydown', onDoc);
      if (root) { root.removeEventListener('keydown', onRoot); root.classList.remove('rfx-keys-root'); }
    };
  },
};
"""


class KeyShortcuts(anywidget.AnyWidget):
    """Keyboard for the dashboard whose root has the CSS class ``scope`` (hidden): its menus keep their arrow
    keys in JupyterLab; with ``play``, Space: Play/Pause and Right: Step."""

    _esm = traitlets.Unicode(_KEYS_ESM).tag(sync=True)
    scope = traitlets.Unicode("").tag(sync=True)
    play = traitlets.Bool(True).tag(sync=True)
