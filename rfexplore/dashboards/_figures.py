"""Figures on screen: how this environment draws them (:func:`figure_backend`, :func:`doctor`), the grid
they sit in, and :class:`FigureSlot`, one figure kept up to date in place (a :class:`FigureView`, which
sends only what changed) or redrawn as a static plot in an ``Output`` (hosts without custom widgets)."""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys

import ipywidgets as widgets
import plotly.graph_objects as go
from _plotly_utils.utils import PlotlyJSONEncoder
from IPython.display import display

from ._figure_view import FigureView, plain_json

__all__ = ["FIGURE_WIDTHS", "FigureSlot", "apply_patch", "doctor", "figure_backend", "figure_grid"]


def figure_backend() -> tuple[str, str]:
    """``("widget" | "static", reason)``: how dashboards will draw figures in this environment."""
    if os.environ.get("RFEXPLORE_STATIC"):
        return "static", "RFEXPLORE_STATIC is set"
    if "google.colab" in sys.modules:
        return "static", "Colab: figures are redrawn as static plots (its custom-widget support is not tested here)"
    try:
        importlib.import_module("anywidget")
    except ImportError:
        return "static", "anywidget is not installed (the figure view needs it)"
    # Voila included: the view's code is tiny and plotly.js arrives once per page through one loader
    # model, so no figure can miss anywidget's 2 s start-up limit (plotly's FigureWidget could)
    return "widget", "rfexplore's figure view (plotly.js once per page, only changes sent)"


def doctor() -> None:
    """Print versions of the packages rfexplore relies on and which figure backend will be used."""
    print(f"python       {platform.python_version()} ({sys.executable})")
    for name in ("numpy", "scipy", "torch", "plotly", "anywidget", "ipywidgets", "jupyterlab", "voila",
                 "notebook"):
        try:
            mod = importlib.import_module(name)
            ver = getattr(mod, "__version__", "?")
        except ImportError:
            ver = "not installed"
        print(f"{name:<12} {ver}")
    try:
        import torch

        cuda = torch.cuda.is_available()
        print(f"torch device {'cuda: ' + torch.cuda.get_device_name(0) if cuda else 'cpu only'}")
    except ImportError:
        pass
    kind, why = figure_backend()
    print(f"figures      {kind}: {why}")


# Figure widths in pixels for grids of one and of two columns. Explicit, because a FigureWidget sizes
# itself when it is first drawn, often before JupyterLab has laid out its cell (it then keeps plotly's
# 700 px default and is clipped by a narrower grid cell). Two columns fit a JupyterLab notebook beside
# its file browser on a 1400 px screen; narrower screens wrap the grid to one column.
FIGURE_WIDTHS = {1: 820, 2: 465}
_GRID_GAP = 10


def figure_grid(slots, columns: int):
    """Figures in a grid of at most ``columns`` columns that wraps to fewer on narrow screens."""
    w = FIGURE_WIDTHS[columns]
    return widgets.GridBox([s.widget for s in slots], layout=widgets.Layout(
        grid_template_columns=f"repeat(auto-fill, {w}px)", grid_gap=f"{_GRID_GAP}px",
        max_width=f"{columns * w + (columns - 1) * _GRID_GAP}px"))


def apply_patch(fig, changes: dict, names: dict | None = None) -> None:
    """Update traces of ``fig`` in place: ``{trace name: properties}``; the key ``"layout"`` updates the
    layout. ``names``: ``{trace name: index}`` if known."""
    names = {t.name: i for i, t in enumerate(fig.data)} if names is None else names
    unknown = [k for k in changes if k != "layout" and k not in names]
    if unknown:                 # checked before anything changes: a bad patch leaves the figure as it was
        raise KeyError(f"no trace named {unknown[0]!r}; traces are {list(names)}")
    for name, props in changes.items():
        if name == "layout":
            fig.layout.update(props)
        else:
            fig.data[names[name]].update(**props)


class FigureSlot:
    """One figure on screen: a :class:`FigureView` updated with only what changed, or a static figure
    redrawn in an Output. ``fig`` is the current ``go.Figure`` either way (for reading values back).

    ``draw=False`` (headless) keeps the figure as a plain ``go.Figure`` and never displays it.

    A patch (:meth:`patch`) costs the kernel little: the traces it names are updated in place and only they
    are serialized and sent (not the whole figure, which for a width curve of 4096 points is 50 times
    larger), and a layout patch equal to the last one applied is skipped (applying it again changes nothing,
    and validating a layout is the most expensive step of a patch).
    """

    def __init__(self, fig: go.Figure, static: bool, width: int = FIGURE_WIDTHS[2], *, draw: bool = True):
        self.static, self.width, self.draw = static or not draw, width, draw
        self.style = None           # a theme applied to every figure synced in (lecture mode)
        fig.update_layout(width=width)
        self._last_layout = None    # the layout patch applied last (see patch), None after a sync
        if self.static:
            self.fig = fig
            self.widget = widgets.Output(layout=widgets.Layout(min_height=f"{fig.layout.height or 380}px"))
            self.redraw()
        else:
            self.fig = fig
            self.view = FigureView(self.fig)
            self.widget = self.view
        self._index()

    def _index(self):
        self._names = {t.name: i for i, t in enumerate(self.fig.data)}

    def sync(self, new: go.Figure) -> None:
        """Show a freshly built figure instead of the current one (on screen: only what differs is sent)."""
        new.update_layout(width=self.width)
        if self.style is not None:
            self.style(new)
        self.fig, self._last_layout = new, None
        self._index()
        self.redraw()

    def patch(self, changes: dict, *, step: bool = False, pointed: bool = False) -> None:
        """Update some traces in place: ``{trace name: properties}``; the key ``"layout"`` updates the layout.
        ``step``: the changes are a step of the training run, so the traces the page draws from the live track
        (:meth:`set_track`) are updated here only. ``pointed``: the page has drawn the pointer's traces
        (:meth:`set_pointer`) from the controls already: they are updated here only."""
        layout = changes.get("layout")
        if layout is not None:
            key = json.dumps(layout, cls=PlotlyJSONEncoder, sort_keys=True)
            if key == self._last_layout:
                changes, layout = {k: v for k, v in changes.items() if k != "layout"}, None
        apply_patch(self.fig, changes, self._names)
        if layout is not None:
            self._last_layout = key
        touched = [self._names[k] for k in changes if k != "layout"]
        if self.static:
            self.redraw()
        else:
            self.view.fig = self.fig
            self.view.update({i: plain_json(self.fig.data[i]) for i in touched},
                             None if layout is None else plain_json(self.fig.layout),
                             quiet=self.view.tracked if step else frozenset(),
                             drawn=self.view.pointed if pointed else frozenset())

    @property
    def tracked(self) -> frozenset:
        """The names of the traces the page draws from the live track (none on a static figure)."""
        if self.static:
            return frozenset()
        return frozenset(self.fig.data[i].name for i in self.view.tracked)

    def set_track(self, track: dict | None, key=None) -> None:
        """The whole training run to the page (``{trace name: {"step": ..., key: ...}}``, see
        :meth:`FigureView.set_track`), or ``None`` to drop it. Nothing on a static figure."""
        if self.static:
            return
        self.view.set_track(None if track is None else {self._names[k]: v for k, v in track.items()}, key)

    def set_pointer(self, sources: dict, traces: dict | None, *, dry: bool = False) -> bool:
        """Traces the page draws from controls at the input (``{trace name: {"source": ..., "x": ..., "y":
        ...}}``, see :meth:`FigureView.set_pointer`), or ``None``; nothing on a static figure. Returns whether
        the page was sent a new pointer (False: the same one is live; ``dry``: would be, nothing sent)."""
        if self.static:
            return False
        return self.view.set_pointer(sources, None if not traces else {self._names[k]: v for k, v in traces.items()},
                                     dry=dry)

    @property
    def pointed(self) -> frozenset:
        """The names of the traces the page draws from the controls (none on a static figure)."""
        if self.static:
            return frozenset()
        return frozenset(self.fig.data[i].name for i in self.view.pointed)

    def redraw(self) -> None:
        if not self.static:
            self.view.show(self.fig)
        elif self.draw:
            with self.widget:
                self.widget.clear_output(wait=True)
                display(go.Figure(self.fig))

    def to_html(self) -> str:
        """Standalone HTML of the figure (plotly.js from the CDN)."""
        return go.Figure(self.fig).to_html(include_plotlyjs="cdn", full_html=True)
