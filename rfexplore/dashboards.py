"""ipywidgets dashboards: controls -> computation -> result -> figure.

Each dashboard owns one validated, exportable configuration (a frozen dataclass), builds its
figures once and updates them in place inside ``batch_update``. Where plotly's ``FigureWidget``
cannot render (no ``anywidget``, Colab, hosts that block custom widgets) it redraws static
figures in an ``Output`` instead; :func:`doctor` says which path will be used.
"""

from __future__ import annotations

import base64
import csv
import html
import importlib
import io
import json
import math
import os
import platform
import sys
from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from IPython.display import display

from . import plots
from .features import sample_features
from .fit import fit_nested
from .gaussian import rf_staircase
from .targets import ReluTarget
from .train import train_neuron, train_rf

__all__ = ["Explorer", "TourConfig", "TourDashboard", "doctor", "figure_backend", "tour"]


# --------------------------------------------------------------------------- rendering backend


def figure_backend() -> tuple[str, str]:
    """``("widget" | "static", reason)``: how dashboards will draw figures in this environment."""
    if os.environ.get("RFEXPLORE_STATIC"):
        return "static", "RFEXPLORE_STATIC is set"
    if os.environ.get("VOILA_KERNEL_ID") or os.environ.get("VOILA_BASE_URL"):
        # Voila creates every widget model at once when the page loads; anywidget (0.11) gives each
        # model 2 s to evaluate its code (4 MB for a FigureWidget) and a model that misses it ignores
        # all later updates, so its figure would freeze.
        return "static", ("Voila: figures are redrawn as static plots (FigureWidgets can miss anywidget's "
                          "start-up limit)")
    if "google.colab" in sys.modules:
        return "static", "Colab does not load plotly's FigureWidget; figures are redrawn as static plots"
    try:
        importlib.import_module("anywidget")
    except ImportError:
        return "static", "anywidget is not installed (plotly's FigureWidget needs it)"
    return "widget", "plotly FigureWidget (live updates in place)"


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


def _readout_table(rows, warning: str = "") -> str:
    """``(label, value, explanation)`` rows as the dashboards' readout table (values never wrap), and an
    optional warning below it in orange."""
    body = "".join(f"<tr><td>{a}</td><td style='text-align:right;font-weight:600;padding-left:12px;"
                   f"white-space:nowrap'>{b}</td><td style='color:#666;padding-left:10px'>{e}</td></tr>"
                   for a, b, e in rows)
    note = f"<div style='color:#b35900;max-width:520px'>{warning}</div>" if warning else ""
    return f"<table style='font-size:14px'>{body}</table>{note}"


# Figure widths in pixels for grids of one and of two columns. Explicit, because a FigureWidget sizes
# itself when it is first drawn, often before JupyterLab has laid out its cell (it then keeps plotly's
# 700 px default and is clipped by a narrower grid cell). Two columns fit a JupyterLab notebook beside
# its file browser on a 1400 px screen; narrower screens wrap the grid to one column.
FIGURE_WIDTHS = {1: 820, 2: 465}
_GRID_GAP = 10


def _figure_grid(slots, columns: int):
    """Figures in a grid of at most ``columns`` columns that wraps to fewer on narrow screens."""
    w = FIGURE_WIDTHS[columns]
    return widgets.GridBox([s.widget for s in slots], layout=widgets.Layout(
        grid_template_columns=f"repeat(auto-fill, {w}px)", grid_gap=f"{_GRID_GAP}px",
        max_width=f"{columns * w + (columns - 1) * _GRID_GAP}px"))


class _FigureSlot:
    """One figure on screen: a FigureWidget updated in place, or a static figure redrawn in an Output."""

    def __init__(self, fig: go.Figure, static: bool, width: int = FIGURE_WIDTHS[2], *, draw: bool = True):
        self.static, self.width, self.draw = static or not draw, width, draw
        fig.update_layout(width=width)
        if static:
            self.fig = fig
            self.widget = widgets.Output(layout=widgets.Layout(min_height=f"{fig.layout.height or 380}px"))
            self.redraw()
        else:
            self.fig = go.FigureWidget(fig)
            self.widget = self.fig

    def sync(self, new: go.Figure) -> None:
        """Copy data and layout of a freshly built figure into the one on screen (in place when the
        traces are the same kinds in the same order, else by replacing them)."""
        new.update_layout(width=self.width)
        same = [(t.type, t.name) for t in self.fig.data] == [(t.type, t.name) for t in new.data]
        with self.fig.batch_update():
            if same:
                for tr, nt in zip(self.fig.data, new.data, strict=True):
                    tr.update(nt.to_plotly_json())
            self.fig.layout.update(new.layout.to_plotly_json(), overwrite=True)
        if not same:
            self.fig.data = ()
            self.fig.add_traces(list(new.data))
        self.redraw()

    def set_xy(self, name: str, x, y, **extra) -> None:
        with self.fig.batch_update():
            self.fig.data[plots.trace_index(self.fig, name)].update(x=x, y=y, **extra)

    def redraw(self) -> None:
        if self.static and self.draw:
            with self.widget:
                self.widget.clear_output(wait=True)
                display(go.Figure(self.fig))


# --------------------------------------------------------------------------- a generic explorer


class Explorer:
    """A small dashboard: named controls -> ``compute(**values)`` -> ``figures(result)`` on screen.

    Every notebook's dashboard is one of these (see the ``*_dashboard`` functions below): the
    controls only wire, ``compute`` calls the package's mathematics, ``figures`` calls
    :mod:`rfexplore.plots`. Invalid values (a ``ValueError``/``TypeError`` from ``compute``) are
    shown in red and the last good picture stays on screen.

    Parameters
    ----------
    controls : dict of name -> ipywidgets value widget
    compute : callable(**values) -> result
    figures : callable(result) -> list of go.Figure (same number every time)
    readout : callable(result) -> str (HTML), optional
    title : str, optional (HTML shown above the controls)
    static : bool, optional — force static figures; default from :func:`figure_backend`
    """

    def __init__(self, controls: dict, compute, figures, *, readout=None, title=None, static=None,
                 columns: int = 2):
        self.controls, self._compute, self._figures, self._readout = dict(controls), compute, figures, readout
        self.static = figure_backend()[0] == "static" if static is None else bool(static)
        self.status = widgets.HTML()
        self.readout = widgets.HTML()
        self.values = {k: w.value for k, w in self.controls.items()}
        self.result = compute(**self.values)           # the first picture must be valid
        figs = figures(self.result)
        columns = min(columns, len(figs))
        if columns not in FIGURE_WIDTHS:
            raise ValueError(f"columns must be 1 or 2, got {columns}")
        self.slots = [_FigureSlot(f, self.static, FIGURE_WIDTHS[columns]) for f in figs]
        self._show_readout()
        self._muted = False
        for name, w in self.controls.items():
            w.observe(lambda ch, name=name: self._on_control(name, ch["new"]), names="value")
        head = [widgets.HTML(title)] if title else []
        box = _figure_grid(self.slots, columns)
        self.widget = widgets.VBox(head + [widgets.HBox([widgets.VBox(list(self.controls.values())),
                                                         widgets.VBox([self.readout, self.status])]), box])

    def set(self, **values) -> bool:
        """Recompute with some values changed; False (and a visible message) if they are invalid."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"unknown control(s) {sorted(unknown)}; controls are {sorted(self.controls)}")
        new = {**self.values, **values}
        try:
            result = self._compute(**new)
        except (ValueError, TypeError, MemoryError) as exc:
            self.status.value = f'<div style="color:#b00020;font-weight:600">⚠ {_html_escape(str(exc))}</div>'
            self._sync_controls()
            return False
        self.status.value = ""
        self.values, self.result = new, result
        self._sync_controls()
        for slot, fig in zip(self.slots, self._figures(result), strict=True):
            slot.sync(fig)
        self._show_readout()
        return True

    def _on_control(self, name, value):
        if not self._muted:
            self.set(**{name: value})

    def _sync_controls(self):
        self._muted = True
        try:
            for name, w in self.controls.items():
                if w.value != self.values[name]:
                    w.value = self.values[name]
        finally:
            self._muted = False

    def _show_readout(self):
        if self._readout is not None:
            self.readout.value = self._readout(self.result)

    @property
    def figures(self):
        return [s.fig for s in self.slots]

    def _ipython_display_(self):
        display(self.widget)


# --------------------------------------------------------------------------- the tour's configuration


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


@dataclass(frozen=True)
class TourConfig:
    """Everything that determines the headline dashboard's picture (exportable, restorable)."""

    d: int = 40
    width: int = 300
    magnitude: float | None = None      # budget M on r * max|u_i|; None: no limit
    target_norm: float = 1.0
    lr: float = 0.1                     # the neuron falls steadily on a log scale over ~150 steps
    steps: int = 200
    seed: int = 0
    symmetric: bool = True

    D_RANGE = (2, 200)
    STEPS_RANGE = (1, 5000)

    def validated(self, pool_size: int) -> TourConfig:
        """Return ``self`` or raise ``ValueError`` naming the parameter, the rule and the value."""
        def bad(name, rule):
            raise ValueError(f"{name} must be {rule}, got {getattr(self, name)!r}")

        lo, hi = self.D_RANGE
        if not _is_int(self.d) or not lo <= self.d <= hi:
            bad("d", f"an integer from {lo} to {hi}")
        if not _is_int(self.width) or not 1 <= self.width <= pool_size:
            bad("width", f"an integer from 1 to the pool size {pool_size}")
        if self.magnitude is not None and (not _is_real(self.magnitude) or not math.isfinite(self.magnitude)
                                           or self.magnitude <= 0):
            bad("magnitude", "a finite positive number or None (no limit)")
        if not _is_real(self.target_norm) or not math.isfinite(self.target_norm) or not 0 < self.target_norm <= 1e3:
            bad("target_norm", "a number in (0, 1000]")
        if not _is_real(self.lr) or not math.isfinite(self.lr) or not 0 < self.lr <= 10:
            bad("lr", "a number in (0, 10]")
        lo, hi = self.STEPS_RANGE
        if not _is_int(self.steps) or not lo <= self.steps <= hi:
            bad("steps", f"an integer from {lo} to {hi}")
        if not _is_int(self.seed) or self.seed < 0:
            bad("seed", "a non-negative integer")
        if not isinstance(self.symmetric, (bool, np.bool_)):
            bad("symmetric", "true or false")
        return self

    # -- export / restore
    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TourConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"configuration is not valid JSON: {exc.msg} at position {exc.pos}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"configuration must be a JSON object, got {type(data).__name__}")
        return cls._from_mapping(data)

    _QUERY = {"d": "d", "r": "width", "M": "magnitude", "norm": "target_norm", "lr": "lr", "steps": "steps",
              "seed": "seed", "pairs": "symmetric"}

    def to_query(self) -> str:
        """A short query string, e.g. ``d=40&r=300&M=none&norm=1&lr=1&steps=200&seed=0&pairs=1``."""
        inv = {v: k for k, v in self._QUERY.items()}
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[inv[f.name]] = "none" if v is None else (int(v) if isinstance(v, bool) else f"{v:g}"
                                                          if isinstance(v, float) else v)
        return urlencode(out)

    @classmethod
    def from_query(cls, query: str) -> TourConfig:
        data = {}
        for key, raw in parse_qsl(query.lstrip("?"), keep_blank_values=True):
            if key not in cls._QUERY:
                raise ValueError(f"unknown parameter {key!r} in the query; known: {', '.join(cls._QUERY)}")
            name = cls._QUERY[key]
            data[name] = _parse_value(name, raw)
        return cls._from_mapping(data)

    @classmethod
    def _from_mapping(cls, data: dict) -> TourConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown configuration key(s) {unknown}; known: {sorted(names)}")
        return cls(**data)


def _parse_value(name, raw):
    if name == "magnitude" and raw.lower() in ("none", "inf", ""):
        return None
    if name == "symmetric":
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(f"pairs must be 0 or 1, got {raw!r}")
    try:
        return int(raw) if name in ("d", "width", "steps", "seed") else float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


# --------------------------------------------------------------------------- the headline dashboard


def _log_grid(n_max: int, points: int = 40) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, math.log10(n_max), points)).astype(int))


class TourDashboard:
    """Vary d, width and the weight-magnitude budget; watch RF error plateau while a neuron learns.

    Parameters
    ----------
    config : TourConfig, optional
    pool_size : int
        Largest width on offer; one pool of this many random features (and one Cholesky
        factorization) gives the exact RF error at every width, so the width slider is instant.
    static : bool, optional
        Force static figures (``True``) or FigureWidgets (``False``); default from :func:`figure_backend`.
    headless : bool
        Keep the figures as plain ``go.Figure`` objects and never draw them: for computing with the
        dashboard's settings off screen (the tour's guided experiments, scripts, tests). Drawing
        figures that nobody sees floods the kernel's output channel, where Voila can then miss the
        end of a cell and hang.
    """

    def __init__(self, config: TourConfig | None = None, *, pool_size: int = 4096, static: bool | None = None,
                 headless: bool = False):
        self.pool_size = int(pool_size)
        self.config = (config or TourConfig()).validated(self.pool_size)
        self.headless = bool(headless)
        self.static = True if self.headless else figure_backend()[0] == "static" if static is None else bool(static)
        self._syncing = False
        self._history = None
        self._build_controls()
        self._compute_pool()
        self._compute_width()
        self._build_figures()
        self._sync_widgets()
        self._update_readout()
        self.widget = self._layout()

    # ---------------------------------------------------------------- computation
    def _target(self):
        return ReluTarget(norm=float(self.config.target_norm))

    def _compute_pool(self):
        c = self.config
        pool = sample_features(c.d, self.pool_size, symmetric=bool(c.symmetric), seed=c.seed)
        self.nested = fit_nested(pool, self._target())
        self.errors = self.nested.relative_errors()
        self.grid = _log_grid(self.pool_size)
        self.grid_magnitudes = np.array([self.nested.fit(int(m)).magnitude for m in self.grid])
        self.staircase = rf_staircase(c.d, symmetric=bool(c.symmetric))[:2]   # levels exact in dimension d

    def _retarget(self):
        self.nested = self.nested.retarget(self._target())
        self.errors = self.nested.relative_errors()
        self.grid_magnitudes = np.array([self.nested.fit(int(m)).magnitude for m in self.grid])

    def _compute_width(self):
        c = self.config
        self.best = self.nested.fit(c.width)
        self.constrained = None if c.magnitude is None else self.nested.fit(c.width, magnitude=c.magnitude)

    def plateau(self) -> float:
        """The plateau predicted for the current width: the ReLU's residual after the degrees that
        this many features can span (DESIGN 2.5, with the levels of dimension ``d``)."""
        sw, levels = self.staircase
        passed = sw <= self.config.width
        return float(levels[passed][-1]) if passed.any() else 1.0

    def _ensure_history(self):
        if self._history is None:
            c = self.config
            m = c.width
            neuron = train_neuron(c.d, steps=c.steps, lr=c.lr, seed=c.seed, target=self._target())
            rf = train_rf(self.nested, width=m, steps=c.steps, magnitude=c.magnitude, method="iterate")
            self._history = (neuron, rf)
        return self._history

    # ---------------------------------------------------------------- public state
    def set_config(self, config: TourConfig | None = None, **changes) -> bool:
        """Apply a configuration (or changes to the current one). Returns False and shows the reason
        if it is invalid; the last good state stays on screen."""
        try:
            new = replace(config or self.config, **changes).validated(self.pool_size)
        except (ValueError, TypeError) as exc:
            self._show_error(str(exc))
            self._sync_widgets()
            return False
        old, self.config = self.config, new
        self._clear_error()
        pool_changed = (old.d, old.seed, old.symmetric) != (new.d, new.seed, new.symmetric)
        if pool_changed:
            self._compute_pool()
        elif old.target_norm != new.target_norm:
            self._retarget()
        self._compute_width()
        training_keys = ("d", "width", "magnitude", "target_norm", "lr", "steps", "seed", "symmetric")
        if any(getattr(old, k) != getattr(new, k) for k in training_keys):
            self._history = None
        self._sync_widgets()
        if pool_changed or old.target_norm != new.target_norm:
            self._redraw_all()
        else:
            self._redraw_width()
        self._redraw_training()
        self._update_readout()
        return True

    def load(self, text: str) -> bool:
        """Restore from a JSON object or a query string (as produced by the export)."""
        text = text.strip()
        try:
            cfg = TourConfig.from_json(text) if text.startswith("{") else TourConfig.from_query(text)
        except (ValueError, TypeError) as exc:
            self._show_error(str(exc))
            return False
        return self.set_config(cfg)

    @property
    def step(self) -> int:
        return int(self.play.value)

    def run(self) -> None:
        """Run the training animation to the end (what Play does, without the frontend timer)."""
        self.play.value = self.config.steps

    def reset(self) -> None:
        self.play.value = 0

    def numbers(self) -> dict:
        """The readout values as plain numbers (for tests, notebooks and export)."""
        c = self.config
        out = {
            "d": c.d, "width": c.width, "rf_error": float(self.errors[c.width - 1]), "plateau": self.plateau(),
            "magnitude": self.best.magnitude, "rf_error_with_budget":
                None if self.constrained is None else self.constrained.relative_error,
            "step": self.step, "jitter": self.nested.jitter,
        }
        if self.step > 0:
            neuron, rf = self._ensure_history()
            out["neuron_error"] = float(neuron.losses[self.step])
            out["rf_training_error"] = float(rf.losses[self.step])
        return out

    # ---------------------------------------------------------------- widgets
    def _build_controls(self):
        c, s = self.config, {"description_width": "150px"}
        lay = widgets.Layout(width="430px")
        self.w_d = widgets.IntSlider(value=c.d, min=TourConfig.D_RANGE[0], max=TourConfig.D_RANGE[1],
                                     description="input dimension d", continuous_update=False, style=s, layout=lay)
        # step 1e-5 in log10 units: every integer width up to ~40000 is exactly reachable, so the
        # frontend's rounding to the step never changes the width it is given
        self.w_width = widgets.FloatLogSlider(value=c.width, base=10, min=0, max=math.log10(self.pool_size),
                                              step=1e-5, description="width r", readout_format=".0f",
                                              continuous_update=True, style=s, layout=lay)
        self.w_limit = widgets.Checkbox(value=c.magnitude is not None, description="limit weight magnitude",
                                        indent=False, layout=widgets.Layout(width="200px"))
        self.w_mag = widgets.FloatLogSlider(value=c.magnitude or 10.0, base=10, min=-1, max=4, step=0.05,
                                            description="budget M = r·max|uᵢ|", readout_format=".3g",
                                            continuous_update=False, style=s, layout=lay)
        self.w_norm = widgets.FloatLogSlider(value=c.target_norm, base=10, min=-1, max=2, step=0.05,
                                             description="target norm |w*|", readout_format=".3g",
                                             continuous_update=False, style=s, layout=lay)
        self.w_lr = widgets.FloatLogSlider(value=c.lr, base=10, min=-2, max=1, step=0.05,
                                           description="learning rate", readout_format=".3g",
                                           continuous_update=False, style=s, layout=lay)
        self.w_seed = widgets.IntText(value=c.seed, description="seed", style=s,
                                      layout=widgets.Layout(width="230px"))
        self.w_pairs = widgets.Checkbox(value=c.symmetric, description="sign-symmetric pairs (w, −w)",
                                        indent=False)
        self.play = widgets.Play(value=0, min=0, max=c.steps, step=max(1, c.steps // 100), interval=40,
                                 description="Play", show_repeat=False)
        self.w_step = widgets.Button(description="Step", tooltip="advance the training by a few steps",
                                     layout=widgets.Layout(width="70px"))
        self.w_reset = widgets.Button(description="Reset", tooltip="replay from step 0 with the same seed",
                                      layout=widgets.Layout(width="70px"))
        self.readout = widgets.HTML()
        self.status = widgets.HTML()
        self.w_config = widgets.Text(placeholder="paste a configuration (JSON or query string)",
                                     description="configuration", style=s, layout=widgets.Layout(width="560px"))
        self.w_load = widgets.Button(description="Load", layout=widgets.Layout(width="70px"))
        self.w_export = widgets.Button(description="Prepare downloads", layout=widgets.Layout(width="160px"))
        self.downloads = widgets.HTML()

        for w, name in ((self.w_d, "d"), (self.w_width, "width"), (self.w_norm, "target_norm"),
                        (self.w_lr, "lr"), (self.w_seed, "seed"), (self.w_pairs, "symmetric")):
            w.observe(lambda ch, name=name: self._on_widget(name, ch["new"]), names="value")
        self.w_limit.observe(lambda ch: self._on_magnitude(), names="value")
        self.w_mag.observe(lambda ch: self._on_magnitude(), names="value")
        self.play.observe(lambda ch: self._on_step(), names="value")
        self.w_step.on_click(lambda _: self._advance())
        self.w_reset.on_click(lambda _: self.reset())
        self.w_load.on_click(lambda _: self.load(self.w_config.value))
        self.w_export.on_click(lambda _: self.prepare_downloads())

    def _on_widget(self, name, value):
        if self._syncing:
            return
        if name == "width":
            value = int(round(value))
        self.set_config(**{name: value})

    def _on_magnitude(self):
        if not self._syncing:
            self.set_config(magnitude=float(self.w_mag.value) if self.w_limit.value else None)

    def _advance(self):
        self.play.value = min(self.config.steps, self.play.value + max(1, self.config.steps // 20))

    def _sync_widgets(self):
        c = self._syncing
        self._syncing = True
        try:
            cfg = self.config
            self.w_d.value, self.w_width.value = cfg.d, cfg.width
            self.w_limit.value = cfg.magnitude is not None
            if cfg.magnitude is not None:
                self.w_mag.value = cfg.magnitude
            self.w_mag.disabled = cfg.magnitude is None
            self.w_norm.value, self.w_lr.value = cfg.target_norm, cfg.lr
            self.w_seed.value, self.w_pairs.value = cfg.seed, cfg.symmetric
            if self.play.max != cfg.steps:
                self.play.max = cfg.steps
                self.play.step = max(1, cfg.steps // 100)
            if self._history is None and self.play.value:
                self.play.value = 0
        finally:
            self._syncing = c

    def _show_error(self, msg):
        self.status.value = f'<div style="color:#b00020;font-weight:600">⚠ {_html_escape(msg)}</div>'

    def _clear_error(self):
        self.status.value = ""

    # ---------------------------------------------------------------- figures
    def _width_figure(self):
        c = self.config
        return plots.plot_width_curve(
            np.arange(1, self.pool_size + 1), self.errors, d=c.d, current_width=c.width,
            current_error=self.errors[c.width - 1], staircase=self.staircase,
            constrained_error=None if self.constrained is None else self.constrained.relative_error)

    def _magnitude_figure(self):
        c = self.config
        return plots.plot_magnitudes(self.grid, self.grid_magnitudes, budget=c.magnitude, current_width=c.width,
                                     current_magnitude=self.best.magnitude)

    def _training_data(self):
        t = self.step
        if t == 0:
            # before Play: both models at their start (RF from u = 0, error exactly 1; the neuron at w_0),
            # so no figure is ever empty; one neuron step costs microseconds, the RF run is not needed
            c = self.config
            start = train_neuron(c.d, steps=1, lr=c.lr, seed=c.seed, target=self._target())
            return dict(steps=[0], rf=[1.0], neuron=[float(start.losses[0])], dist=[float(start.distances[0])],
                        ang=[float(start.angles[0])])
        neuron, rf = self._ensure_history()
        s = np.arange(t + 1)
        return dict(steps=s, rf=rf.losses[: t + 1], neuron=neuron.losses[: t + 1],
                    dist=neuron.distances[: t + 1], ang=neuron.angles[: t + 1])

    def _rf_limit(self):
        return self.best.relative_error if self.constrained is None else self.constrained.relative_error

    def _build_figures(self):
        # Every figure is built with its data: a FigureWidget's synced state is its state when it
        # is created (edits made later travel as messages that a page built later, Voila, never sees).
        c, data = self.config, self._training_data()
        tr = plots.plot_training(data["steps"], data["rf"], data["neuron"], rf_best=self._rf_limit())
        tr.update_xaxes(range=[0, c.steps])
        self.fig_train = _FigureSlot(tr, self.static, draw=not self.headless)
        self.fig_width = _FigureSlot(self._width_figure(), self.static, draw=not self.headless)
        self.fig_mag = _FigureSlot(self._magnitude_figure(), self.static, draw=not self.headless)
        traj = plots.plot_trajectory(data["steps"], data["dist"], data["ang"])
        traj.update_xaxes(range=[0, c.steps])
        self.fig_traj = _FigureSlot(traj, self.static, draw=not self.headless)

    def _redraw_all(self):
        self.fig_width.sync(self._width_figure())
        self.fig_mag.sync(self._magnitude_figure())

    def _redraw_width(self):
        c = self.config
        with self.fig_width.fig.batch_update():
            self.fig_width.set_xy("current width", [c.width], [self.errors[c.width - 1]])
            self.fig_width.set_xy("with magnitude budget M", [c.width] if self.constrained else [],
                                  [self.constrained.relative_error] if self.constrained else [])
        self.fig_width.redraw()
        with self.fig_mag.fig.batch_update():
            self.fig_mag.set_xy("current width", [c.width], [self.best.magnitude])
            bx = [1.0, float(self.pool_size)] if c.magnitude is not None else []
            self.fig_mag.set_xy("magnitude budget M", bx, [c.magnitude] * len(bx))
        self.fig_mag.redraw()

    def _redraw_training(self):
        c, data = self.config, self._training_data()
        lim = self._rf_limit()
        with self.fig_train.fig.batch_update():
            self.fig_train.set_xy("random features (output layer trained)", data["steps"], plots._floor(data["rf"]),
                                  customdata=data["rf"])
            self.fig_train.set_xy("single neuron (gradient descent)", data["steps"], plots._floor(data["neuron"]),
                                  customdata=data["neuron"])
            self.fig_train.set_xy("best possible with these features", [0, c.steps], [lim, lim])
            self.fig_train.fig.layout.xaxis.range = [0, c.steps]
        self.fig_train.redraw()
        with self.fig_traj.fig.batch_update():
            self.fig_traj.set_xy("distance |w − w*|", data["steps"], data["dist"])
            self.fig_traj.set_xy("angle to w* (degrees)", data["steps"], np.degrees(np.asarray(data["ang"])))
            self.fig_traj.fig.layout.xaxis.range = [0, c.steps]
        self.fig_traj.redraw()

    def _on_step(self):
        self._redraw_training()
        self._update_readout()

    def _update_readout(self):
        n = self.numbers()
        c = self.config
        rel = n["rf_error"]
        ey2 = self.nested.kss
        rows = [
            ("RF error at this width (exact)", f"{rel:.4f}", f"absolute {rel * ey2:.3g}"),
            ("plateau predicted for this d and width", f"{n['plateau']:.4f}", "ReLU energy left in higher degrees"),
            ("size of the best fit r·max|uᵢ|", f"{n['magnitude']:.3g}", f"|u|₂ = {self.best.l2_norm:.3g}"),
        ]
        if n["rf_error_with_budget"] is not None:
            rows.append((f"RF error with budget M = {c.magnitude:.3g}", f"{n['rf_error_with_budget']:.4f}", ""))
        if "neuron_error" in n:
            rows.append(("neuron error (gradient descent)", f"{n['neuron_error']:.2e}", ""))
            rows.append(("RF error during training", f"{n['rf_training_error']:.4f}", ""))
        else:
            rows.append(("neuron error (gradient descent)", "press ▶ Play", ""))
        rows.append(("training step", f"{n['step']} / {c.steps}", ""))
        self.readout.value = _readout_table(rows)
        self.w_config.placeholder = c.to_query()

    # ---------------------------------------------------------------- exports
    def export_figures_html(self) -> dict:
        """Standalone HTML for each figure (plotly.js from the CDN)."""
        return {name: go.Figure(slot.fig).to_html(include_plotlyjs="cdn", full_html=True)
                for name, slot in self._slots().items()}

    def export_data(self) -> dict:
        """The numbers behind the figures, as plain lists (JSON-ready)."""
        out = {"config": asdict(self.config), "numbers": self.numbers(),
               "width_curve": {"width": list(range(1, self.pool_size + 1)), "relative_error": self.errors.tolist()},
               "magnitudes": {"width": self.grid.tolist(), "r_max_u": self.grid_magnitudes.tolist()},
               "staircase": {"width": self.staircase[0].tolist(), "level": self.staircase[1].tolist()}}
        data = self._training_data()
        out["training"] = {k: np.asarray(v).tolist() for k, v in data.items()}
        return out

    def export_csv(self) -> str:
        """The exact error-vs-width curve with magnitudes on the grid, as CSV."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["width", "relative_error", "r_max_u"])
        mags = dict(zip(self.grid.tolist(), self.grid_magnitudes.tolist(), strict=True))
        for m, e in enumerate(self.errors, start=1):
            w.writerow([m, f"{e:.10g}", "" if m not in mags else f"{mags[m]:.10g}"])
        return buf.getvalue()

    def prepare_downloads(self) -> None:
        """Fill the download links (data URIs work in JupyterLab and Voila alike)."""
        links = [("rfexplore-config.json", "application/json", self.config.to_json()),
                 ("rfexplore-data.json", "application/json", json.dumps(self.export_data())),
                 ("rfexplore-width-curve.csv", "text/csv", self.export_csv())]
        links += [(f"rfexplore-{k}.html", "text/html", v) for k, v in self.export_figures_html().items()]
        html = " · ".join(f'<a download="{n}" href="data:{t};base64,{base64.b64encode(v.encode()).decode()}">{n}</a>'
                          for n, t, v in links)
        self.downloads.value = (f"<div>{html}</div><div style='color:#666'>Share this exact picture: "
                                f"<code>?{self.config.to_query()}</code>. "
                                "PNG/SVG: the camera icon on each figure.</div>")

    def _slots(self):
        return {"training": self.fig_train, "width": self.fig_width, "magnitude": self.fig_mag,
                "trajectory": self.fig_traj}

    # ---------------------------------------------------------------- layout
    def _layout(self):
        controls = widgets.VBox([
            widgets.HTML("<b>Knobs</b>"), self.w_d, self.w_width,
            widgets.HBox([self.w_limit]), self.w_mag, self.w_norm, self.w_lr,
            widgets.HBox([self.w_seed, self.w_pairs]),
            widgets.HTML("<b>Training</b> (both models, same steps)"),
            widgets.HBox([self.play, self.w_step, self.w_reset]),
        ], layout=widgets.Layout(width="450px", min_width="450px"))
        top = widgets.HBox([controls, widgets.VBox([self.readout, self.status])])
        figs = _figure_grid(self._slots().values(), 2)
        share = widgets.VBox([widgets.HBox([self.w_config, self.w_load, self.w_export]), self.downloads])
        return widgets.VBox([top, figs, share])

    def _ipython_display_(self):
        display(self.widget)


def _html_escape(s: str) -> str:
    return html.escape(s, quote=False)


def tour(query: str | None = None, **kwargs) -> TourDashboard:
    """The headline dashboard, optionally restored from a query string (``"d=50&r=500"``)."""
    config = TourConfig.from_query(query) if query else None
    return TourDashboard(config, **kwargs)


# ------------------------------------------------------------------- notebook 02: low-degree polynomials

POLYNOMIAL_LABELS = {1: "h₁(⟨w*,x⟩)", 2: "h₂(⟨w*,x⟩)", 3: "h₃(⟨w*,x⟩)", 4: "h₄(⟨w*,x⟩)",
                     "sum": "(h₁ + h₂ + h₃ + h₄)(⟨w*,x⟩)/2"}
POLYNOMIAL_TARGETS = tuple((f"{v}   " + (f"degree {k}" if k != "sum" else "sum"), k)
                           for k, v in POLYNOMIAL_LABELS.items())
POLYNOMIAL_D_RANGE = (2, 32)


def polynomial_target(k):
    """``h_k(<e_1, x>)`` for ``k`` in 1..4, or ``"sum"``: ``(h_1 + h_2 + h_3 + h_4)/2`` (``E[y^2] = 1``)."""
    from .targets import HermiteTarget

    if k == "sum":
        return HermiteTarget({(j,): 0.5 for j in range(1, 5)})
    if not _is_int(k) or not 1 <= k <= 4:
        raise ValueError(f"k must be a degree 1, 2, 3, 4 or 'sum', got {k!r}")
    return HermiteTarget.single(int(k))


@dataclass(frozen=True)
class PolynomialResult:
    """What :func:`polynomial_dashboard` shows for one setting (exact population errors)."""

    k: object                      # degree 1..4 or "sum"
    d: int
    bias_std: float
    seed: int
    eps: float
    label: str
    widths: np.ndarray             # 1..R
    errors: np.ndarray             # exact relative error at every width
    counts: dict                   # {degree j: C(d+j-1, j)} for the degrees in the target
    needed: int | None             # first width with error <= eps (None: not within R)
    grid: np.ndarray               # widths where r·max|u_i| is computed
    magnitudes: np.ndarray         # r·max|u_i| of the best fit on the grid
    magnitude_needed: float | None  # r·max|u_i| at the width needed
    jitter: float


def polynomial_dashboard(*, k=3, d: int = 8, bias_std: float = 1.0, seed: int = 0, eps: float = 0.5,
                         pool_size=1000, fits: dict | None = None, static=None) -> Explorer:
    """Random features (with random biases) learning ``h_k(<w*, x>)``: error vs width against ``C(d+k-1, k)``.

    Controls: degree ``k`` (1..4 or the sum), input dimension ``d``, the standard deviation of the
    feature biases (0: bias-free, the trap for odd ``k >= 3``), the seed and the target error ``eps``.
    Figures: the exact error at every width with the number of degree-``k`` directions marked, and
    the output-weight size ``r·max|u_i|`` of the best fit.

    One pool of ``pool_size`` features (an int, or ``{d: size}`` with 1000 for other ``d``) and one
    Cholesky factorization per ``(d, bias_std, seed)`` serve every width and every target, so moving
    ``k`` or ``eps`` is instant; ``fits`` is that cache, ``{(d, bias_std, seed): NestedFit}``, and may
    be shared with the caller (a cached fit is used whatever its size).
    """
    from .fit import width_needed

    fits = {} if fits is None else fits

    def size_for(dd):
        return int(pool_size.get(dd, 1000)) if isinstance(pool_size, dict) else int(pool_size)

    def compute(k, d, bias_std, seed, eps):
        target = polynomial_target(k)
        lo, hi = POLYNOMIAL_D_RANGE
        if not _is_int(d) or not lo <= d <= hi:
            raise ValueError(f"d must be an integer from {lo} to {hi}, got {d!r}")
        if not _is_real(bias_std) or not 0 <= bias_std <= 5:
            raise ValueError(f"bias_std must be a number from 0 (no biases) to 5, got {bias_std!r}")
        if not _is_real(eps) or not 0 < eps < 1:
            raise ValueError(f"eps must be a target error strictly between 0 and 1, got {eps!r}")
        key = (int(d), round(float(bias_std), 6), seed)
        if key not in fits:
            pool = sample_features(int(d), size_for(d), bias_std=float(bias_std), seed=seed)
            fits[key] = fit_nested(pool, target)
        fit = fits[key].retarget(target)
        errors = fit.relative_errors()
        R = len(errors)
        needed = width_needed(errors, float(eps))
        grid = _log_grid(R, 30)
        if needed is not None:
            grid = np.union1d(grid, [needed])
        mags = np.array([fit.fit(int(m)).magnitude for m in grid])
        counts = {j: math.comb(int(d) + j - 1, j) for j in sorted({sum(a) for a in target.terms})}
        return PolynomialResult(
            k=k, d=int(d), bias_std=float(bias_std), seed=int(seed), eps=float(eps),
            label=POLYNOMIAL_LABELS[k],
            widths=np.arange(1, R + 1), errors=errors, counts=counts, needed=needed, grid=grid,
            magnitudes=mags, magnitude_needed=None if needed is None else float(mags[grid == needed][0]),
            jitter=fit.jitter)

    def figures(res):
        counts = {f"degree-{j} directions C(d+{j - 1}, {j})": c for j, c in res.counts.items()}
        bias = "no biases" if res.bias_std == 0 else f"biases ~ N(0, {res.bias_std:g}²)"
        err = plots.plot_error_curves(
            {"random features (exact error)": (res.widths, res.errors)}, counts=counts, eps=res.eps,
            needed=[res.needed],
            title=f"Learning {res.label}: d = {res.d}, {bias}")
        mag = plots.plot_magnitudes(res.grid, res.magnitudes, current_width=res.needed,
                                    current_magnitude=res.magnitude_needed,
                                    title="Size of the output weights of the best fit (marker: width needed)")
        return [err, mag]

    def readout(res):
        top = max(res.counts)
        count = res.counts[top]
        R = len(res.widths)
        rows = [("target", _html_escape(res.label), "E[y²] = 1"),
                (f"degree-{top} directions C(d+{top - 1}, {top})", f"{count}", f"d^{top}/{top}! = "
                 f"{res.d ** top / math.factorial(top):.3g}")]
        if res.needed is None:
            rows.append((f"width needed for error ≤ {res.eps:g}", f"not reached with {R} features",
                         f"error at r = {R}: {res.errors[-1]:.3f}"))
        else:
            rows.append((f"width needed for error ≤ {res.eps:g}", f"{res.needed}",
                         f"{res.needed / count:.2f} × C(d+{top - 1}, {top})"))
            rows.append(("r·max|uᵢ| at that width", f"{res.magnitude_needed:.3g}", ""))
        rows.append((f"error with all {R} features", f"{res.errors[-1]:.4f}", f"jitter {res.jitter:.0e}"))
        warning = ""
        if res.bias_std == 0 and any(j % 2 == 1 and j >= 3 for j in res.counts):
            warning = ("No biases: a ReLU without bias has no Hermite component of odd degree ≥ 3, so these "
                       "features cannot see h₃ at all — raise the bias.")
        return _readout_table(rows, warning)

    s, lay = {"description_width": "130px"}, widgets.Layout(width="400px")
    controls = {
        "k": widgets.Dropdown(options=POLYNOMIAL_TARGETS, value=k, description="target", style=s, layout=lay),
        "d": widgets.IntSlider(value=d, min=POLYNOMIAL_D_RANGE[0], max=POLYNOMIAL_D_RANGE[1],
                               description="input dimension d", continuous_update=False, style=s, layout=lay),
        "bias_std": widgets.FloatSlider(value=bias_std, min=0.0, max=2.0, step=0.1,
                                        description="bias std (0: none)", continuous_update=False, style=s,
                                        layout=lay),
        "seed": widgets.IntText(value=seed, description="seed", style=s,
                                layout=widgets.Layout(width="230px")),
        "eps": widgets.FloatSlider(value=eps, min=0.05, max=0.95, step=0.05, description="target error ε",
                                   continuous_update=False, style=s, layout=lay),
    }
    title = ("<b>Random features learn low-degree polynomials</b> — features relu(⟨wᵢ,x⟩ + bᵢ), exact "
             "population error; moving the target or ε is instant, a new d, bias or seed draws a new pool.")
    return Explorer(controls, compute, figures, readout=readout, title=title, static=static)


__all__ += ["PolynomialResult", "polynomial_dashboard", "polynomial_target"]


# ------------------------------------------------------------------- notebook 05: Hermite spectrum, staircase

STAIRCASE_D_RANGE = (2, 30)
STAIRCASE_POOL_RANGE = (100, 4000)
STAIRCASE_KMAX = 12


def _log_widths(n_max: int, points: int = 160) -> np.ndarray:
    return np.unique(np.round(np.logspace(0, np.log10(n_max), points)).astype(int))


def staircase_curve(d: int, pool: int, *, symmetric: bool = True, seed: int = 0, cache: dict | None = None,
                    device=None) -> np.ndarray:
    """Exact relative error of a unit ReLU for every width ``1..pool`` (nested features, one Cholesky).

    ``cache`` maps ``(d, symmetric, seed)`` to the longest curve computed so far; a pool no larger
    than a cached one is a slice of it (pools are nested), so only a larger pool is factorized again.
    """
    from .features import check_positive_int, check_seed

    lo, hi = STAIRCASE_D_RANGE
    if not _is_int(d) or not lo <= d <= hi:
        raise ValueError(f"d must be an integer from {lo} to {hi} (small, so the curve is exact and fast), "
                         f"got {d!r}")
    lo, hi = STAIRCASE_POOL_RANGE
    pool = check_positive_int("pool", pool)
    if not lo <= pool <= hi:
        raise ValueError(f"pool must be an integer from {lo} to {hi}, got {pool}")
    seed = check_seed(seed)
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be True or False, got {symmetric!r}")
    key = (int(d), bool(symmetric), seed)
    cache = {} if cache is None else cache
    if key not in cache or len(cache[key]) < pool:
        fit = fit_nested(sample_features(d, pool, symmetric=bool(symmetric), seed=seed), device=device)
        cache[key] = fit.relative_errors().copy()
    return cache[key][:pool]


def staircase_dashboard(*, d: int = 10, pool: int = 1500, symmetric: bool = True, seed: int = 0,
                        cache: dict | None = None, static=None) -> Explorer:
    """Why random features plateau: the ReLU's energy per degree and the exact error-vs-width staircase.

    Controls: ``d`` (2..30), ``pool`` (largest width, 100..4000), ``symmetric`` (sign-symmetric pairs),
    ``seed``. Figures: share of ``E[relu²]`` per degree (Hermite limit and spherical harmonics in
    dimension ``d``); exact RF error for every width with the predicted plateaus. Curves are cached per
    ``(d, symmetric, seed)`` (``explorer.cache``): returning to a setting, or shrinking the pool, is instant.
    Pass the ``cache`` of :func:`staircase_curve` calls made before to reuse their curves.
    """
    from .fit import width_needed
    from .gaussian import (
        harmonic_dimension,
        relu_hermite_coefficients,
        relu_hermite_residuals,
        relu_sphere_energies,
        rf_staircase,
    )

    cache = {} if cache is None else cache
    kmax = STAIRCASE_KMAX
    hermite = 2.0 * relu_hermite_coefficients(kmax) ** 2          # a_k^2 / E[relu^2], E[relu^2] = 1/2

    def compute(d, pool, symmetric, seed):
        errors = staircase_curve(d, pool, symmetric=symmetric, seed=seed, cache=cache)
        steps, levels, degrees = rf_staircase(d, symmetric=bool(symmetric), max_degree=10)
        limit = relu_hermite_residuals(degrees)                   # the d -> oo levels
        grid = _log_widths(pool)
        rows = []
        for w, lv, lim, l in zip(steps, levels, limit, degrees, strict=True):
            rows.append(dict(degree=int(l), directions=harmonic_dimension(d, int(l)), step=int(w),
                             level=float(lv), limit=float(lim),
                             error_at_step=float(errors[w - 1]) if w <= pool else None,
                             reached_at=width_needed(errors, float(lv))))
        return dict(d=d, pool=pool, symmetric=bool(symmetric), seed=seed, errors=errors, grid=grid,
                    staircase=(steps, levels, degrees), limit=limit, rows=rows,
                    sphere=relu_sphere_energies(d, kmax))

    def figures(res):
        kind = "sign-symmetric pairs" if res["symmetric"] else "i.i.d. features"
        return [plots.plot_energy_per_degree(np.arange(kmax + 1), hermite, sphere_energies=res["sphere"],
                                             d=res["d"]),
                plots.plot_staircase(res["grid"], res["errors"][res["grid"] - 1], d=res["d"],
                                     staircase=res["staircase"], limit_levels=res["limit"],
                                     title=f"Exact RF error vs width: d = {res['d']}, {kind}")]

    def readout(res):
        def fmt(v):
            return "—" if v is None else f"{v:.3g}"

        head = ("<tr><th>degree ≤ l</th><th>new directions N(d,l)</th><th>step at r ≈</th><th>level (d)</th>"
                "<th>level (d→∞)</th><th>RF error at step</th><th>first r reaching level</th></tr>")
        body = "".join(
            f"<tr><td>{r['degree']}</td><td>{r['directions']}</td><td>{r['step']}</td><td>{r['level']:.4f}</td>"
            f"<td>{r['limit']:.4f}</td><td>{fmt(r['error_at_step'])}</td>"
            f"<td>{'beyond ' + str(res['pool']) if r['reached_at'] is None else r['reached_at']}</td></tr>"
            for r in res["rows"] if r["step"] <= 4 * res["pool"])
        return (f"<b>d = {res['d']}</b>, exact error at r = {res['pool']}: {res['errors'][-1]:.3g}"
                f"<table style='border-collapse:collapse;font-size:90%' cellpadding='3'>{head}{body}</table>")

    controls = {
        "d": widgets.IntSlider(value=d, min=STAIRCASE_D_RANGE[0], max=STAIRCASE_D_RANGE[1], description="d",
                               continuous_update=False),
        "pool": widgets.IntSlider(value=pool, min=STAIRCASE_POOL_RANGE[0], max=STAIRCASE_POOL_RANGE[1],
                                  step=100, description="max width", continuous_update=False),
        "symmetric": widgets.Checkbox(value=symmetric, description="sign-symmetric pairs (w, −w)", indent=False),
        "seed": widgets.BoundedIntText(value=seed, min=0, max=10**6, description="seed"),
    }
    explorer = Explorer(controls, compute, figures, readout=readout, static=static,
                        title="<b>Why the plateaus: the Hermite spectrum and the staircase</b>")
    explorer.cache = cache
    return explorer


__all__ += ["staircase_dashboard", "staircase_curve"]


# ------------------------------------------------------------------- notebook 01: random features, kernel

FEATURE_TARGETS = (("wave  cos(πx)", "wave"), ("cubic  h₃(x) = (x³ − 3x)/√6", "cubic"),
                   ("ReLU neuron  [x − 0.5]₊", "relu"))
FEATURE_N_RANGE = (10, 3000)
_FEATURE_X = np.linspace(-3.0, 3.0, 241)            # where the 1-D pictures are drawn
_FEATURE_XK = np.linspace(-3.0, 3.0, 41)            # inputs on which the kernel error is measured
_FEATURE_X0 = 1.0                                   # the kernel slice k(x, x0)
_FEATURE_SIGMA_SEED = 2019                          # the large pool that estimates sigma


def features_target(name: str):
    """The 1-D targets of :func:`features_dashboard`: ``"wave"`` ``cos(pi x)``, ``"cubic"`` ``h_3(x)``,
    ``"relu"`` ``[x - 0.5]_+`` (all with exact population moments)."""
    from .targets import HermiteTarget, PeriodicTarget

    targets = {"wave": PeriodicTarget(frequency=0.5), "cubic": HermiteTarget.single(3),
               "relu": ReluTarget(bias=-0.5)}
    if name not in targets:
        raise ValueError(f"target must be one of {sorted(targets)}, got {name!r}")
    return targets[name]


def features_training_inputs(n: int, seed: int) -> np.ndarray:
    """The ``(n, 1)`` training inputs :func:`rfexplore.fit.fit_samples` draws with ``seed`` (to draw them)."""
    from .fit import sample_inputs

    return sample_inputs(n, 1, seed)[0]


@dataclass(frozen=True)
class FeaturesResult:
    """What :func:`features_dashboard` shows for one setting (1-D inputs ``x ~ N(0, 1)``)."""

    width: int
    n: int
    target: str
    seed: int
    label: str
    x: np.ndarray                  # plotting grid on [-3, 3]
    y_target: np.ndarray
    y_exact: np.ndarray            # best fit with `width` features (exact population weights)
    y_sample: np.ndarray           # least squares on n samples
    xs: np.ndarray                 # training inputs shown (at most 300)
    ys: np.ndarray
    widths: np.ndarray             # 1..R
    errors: np.ndarray             # exact relative error at every width
    exact_error: float
    magnitude: float               # r·max|u_i| of the exact best fit
    train_error: float
    test_error: float
    kernel_x0: float
    kernel_limit: np.ndarray       # k(x, x0) on x, infinitely many features
    kernel_empirical: np.ndarray   # with `width` features
    kernel_errors: np.ndarray      # rms kernel error on the kernel grid, every width 1..R
    kernel_reference: np.ndarray   # sigma / sqrt(r)
    jitter: float


def features_dashboard(*, width: int = 20, n: int = 200, target: str = "wave", seed: int = 0,
                       pool_size: int = 500, bias_std: float = 1.0, n_test: int = 10000,
                       static=None) -> Explorer:
    """Random ReLU features ``relu(w x + b)`` of one input: the fit, exact and from samples, and the kernel.

    Features have ``w ~ N(0, 1)`` and ``b ~ N(0, bias_std^2)``; inputs ``x ~ N(0, 1)``. Controls: the
    width ``r`` (log scale), the number ``n`` of training samples (log scale), the target and the seed.
    Figures: the target with the best fit by ``r`` features (exact, population) and the least-squares
    fit on ``n`` samples; the exact error at every width with the sample fit's test and training
    errors; the kernel ``k(x, 1)`` of ``r`` features against its infinite-width limit; the kernel's
    distance from the limit at every width, against ``sigma / sqrt(r)``.

    One pool of ``pool_size`` features per seed (with one Cholesky factorization per target) serves
    every width; the training samples use seed ``seed + 1``, independent of the features. The expected
    kernel error ``sigma / sqrt(r)`` takes ``sigma`` from a separate pool of 100 000 features.
    """
    from .features import feature_kernel_errors, feature_kernel_limit, feature_kernel_variance
    from .fit import fit_samples

    R = int(pool_size)
    pools, fits = {}, {}
    # sigma^2 of one feature's product f(x) f(x'), from a large pool of its own: the same for every seed
    # and pool size, so sigma / sqrt(r) is the expected kernel error
    big = sample_features(1, 100_000, distribution="gaussian", bias_std=bias_std, seed=_FEATURE_SIGMA_SEED)
    sigma = math.sqrt(feature_kernel_variance(big, _FEATURE_XK[:, None]))

    def pool_data(seed):
        if seed not in pools:
            if len(pools) >= 8:                          # keep the cache small
                old = next(iter(pools))
                pools.pop(old)
                for key in [k for k in fits if k[0] == old]:
                    fits.pop(key)
            pool = sample_features(1, R, distribution="gaussian", bias_std=bias_std, seed=seed)
            X0 = np.array([[_FEATURE_X0]])
            F = pool.evaluate(_FEATURE_X[:, None])           # (len(x), R)
            f0 = pool.evaluate(X0)[0]                        # (R,)
            widths = np.arange(1, R + 1)
            pools[seed] = dict(
                pool=pool, F=F,
                k_cum=np.cumsum(F * f0[None, :], axis=1),    # sum_{i <= m} f_i(x) f_i(x0)
                k_limit=feature_kernel_limit(pool, _FEATURE_X[:, None], X0)[:, 0],
                k_errors=feature_kernel_errors(pool, _FEATURE_XK[:, None]),
                k_reference=sigma / np.sqrt(widths))
        return pools[seed]

    def nested(seed, name):
        key = (seed, name)
        if key not in fits:
            same_seed = [v for k, v in fits.items() if k[0] == seed]
            tgt = features_target(name)
            fits[key] = same_seed[0].retarget(tgt) if same_seed else fit_nested(pools[seed]["pool"], tgt)
        return fits[key]

    def compute(width, n, target, seed):
        if not _is_real(width) or not 1 <= round(width) <= R:
            raise ValueError(f"width must be an integer from 1 to the pool size {R}, got {width!r}")
        lo, hi = FEATURE_N_RANGE
        if not _is_real(n) or not lo <= round(n) <= hi:
            raise ValueError(f"n must be a number of samples from {lo} to {hi}, got {n!r}")
        if not _is_int(seed) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        tgt = features_target(target)
        m, n, seed = int(round(width)), int(round(n)), int(seed)
        data = pool_data(seed)
        fit = nested(seed, target)
        u = fit.weights(m).cpu().numpy()
        s = fit_samples(data["pool"].head(m), tgt, n=n, n_test=n_test, seed=seed + 1)
        xs = features_training_inputs(n, seed + 1)[:300]
        x = _FEATURE_X
        errors = fit.relative_errors()
        F = data["F"][:, :m]
        return FeaturesResult(
            width=m, n=n, target=target, seed=seed, label=dict((v, k) for k, v in FEATURE_TARGETS)[target],
            x=x, y_target=tgt(x[:, None]), y_exact=F @ u, y_sample=F @ s.weights,
            xs=xs[:, 0], ys=tgt(xs), widths=np.arange(1, R + 1), errors=errors,
            exact_error=float(errors[m - 1]), magnitude=float(np.abs(u).max() * m),
            train_error=s.train_relative_error, test_error=s.test_relative_error, kernel_x0=_FEATURE_X0,
            kernel_limit=data["k_limit"], kernel_empirical=data["k_cum"][:, m - 1] / m,
            kernel_errors=data["k_errors"], kernel_reference=data["k_reference"], jitter=fit.jitter)

    def figures(res):
        lo, hi = float(res.y_target.min()), float(res.y_target.max())
        pad = 0.4 * (hi - lo)
        fit_fig = plots.plot_fit_1d(
            res.x, res.y_target,
            {"best fit with r features (exact)": res.y_exact, "least squares on the n samples": res.y_sample},
            samples=(res.xs, res.ys), yrange=(lo - pad, hi + pad),
            title=f"{res.width} random features fit {_html_escape(res.label.split('  ')[1])}")
        err_fig = plots.plot_fit_errors(
            res.widths, res.errors, current_width=res.width, current_error=res.exact_error,
            sample_test=res.test_error, sample_train=res.train_error, n=res.n)
        slice_fig = plots.plot_kernel_slice(res.x, res.kernel_empirical, res.kernel_limit, x0=res.kernel_x0,
                                            width=res.width)
        ker_fig = plots.plot_kernel_errors(
            res.widths, res.kernel_errors, reference=res.kernel_reference, current_width=res.width,
            current_error=float(res.kernel_errors[res.width - 1]))
        return [fit_fig, err_fig, slice_fig, ker_fig]

    def readout(res):
        m = res.width
        rows = [("exact population error, best fit", f"{res.exact_error:.3g}",
                 f"r·max|uᵢ| = {res.magnitude:.3g}"),
                (f"least squares on n = {res.n} samples: test error", f"{res.test_error:.3g}",
                 f"training error {res.train_error:.3g}"),
                ("kernel error (rms over pairs)", f"{res.kernel_errors[m - 1]:.3g}",
                 f"expected σ/√r = {res.kernel_reference[m - 1]:.3g}")]
        warning = ""
        if m >= res.n:
            warning = ("At least as many features as samples: least squares can pass through every sample, "
                       "and the test error says how little that means.")
        return _readout_table(rows, warning)

    s, lay = {"description_width": "130px"}, widgets.Layout(width="400px")
    controls = {
        "width": widgets.FloatLogSlider(value=width, base=10, min=0, max=math.log10(R), step=0.01,
                                        description="width r", readout_format=".0f", continuous_update=False,
                                        style=s, layout=lay),
        "n": widgets.FloatLogSlider(value=n, base=10, min=math.log10(FEATURE_N_RANGE[0]),
                                    max=math.log10(FEATURE_N_RANGE[1]), step=0.01, description="samples n",
                                    readout_format=".0f", continuous_update=False, style=s, layout=lay),
        "target": widgets.Dropdown(options=FEATURE_TARGETS, value=target, description="target", style=s,
                                   layout=lay),
        "seed": widgets.IntText(value=seed, description="seed", style=s,
                                layout=widgets.Layout(width="230px")),
    }
    title = ("<b>Random features of one input</b> — N(x) = Σᵢ uᵢ relu(wᵢx + bᵢ) with wᵢ, bᵢ ~ N(0, 1) "
             "frozen; inputs x ~ N(0, 1)")
    return Explorer(controls, compute, figures, readout=readout, title=title, static=static)


__all__ += ["FEATURE_TARGETS", "FeaturesResult", "features_dashboard", "features_target",
            "features_training_inputs"]


# ------------------------------------------------------------------- notebook 04: the limitation

LIMITATION_DS = (4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 60)
LIMITATION_EPS = (0.3, 0.2, 0.15, 0.1, 0.05, 0.02)
LIMITATION_NORMS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
LIMITATION_BIASES = (-1.0, 0.0, 1.0)
LIMITATION_BUDGETS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


@dataclass(frozen=True)
class LimitationData:
    """Exact RF errors for a unit ReLU target over a grid of ``d`` (precomputed for the dashboard).

    Features are sign-symmetric pairs on the sphere; every ``d`` uses a pool of ``pool_size`` features
    per seed and one Cholesky factorization, which gives the error at every width ``1..pool_size``.
    """

    ds: tuple
    seeds: tuple
    pool_size: int
    errors: dict            # d -> (pool_size,) relative error at widths 1..R, mean over seeds
    grid: np.ndarray        # widths where the best fit's r·max|u_i| is computed
    magnitudes: dict        # d -> r·max|u_i| of the best fit on the grid (seed 0)
    grid_errors: dict       # d -> relative error of that fit on the grid (seed 0)
    norms: tuple            # |w*| on offer for the steep neuron
    biases: tuple           # b on offer for the steep neuron
    steep: dict             # (d, b, |w*|) -> (pool_size,) relative error of relu(<w*,x> + b) (seed 0)
    second_moments: dict    # (b, |w*|) -> E[y^2]
    budget_ds: tuple
    budget_width: int
    budgets: tuple
    budget_errors: dict     # d -> relative error with |u_i| <= M / r for each M in budgets (seed 0)
    budget_free: dict       # d -> (relative error, r·max|u_i|) of the unconstrained fit (seed 0)


def limitation_curves(ds=LIMITATION_DS, *, pool_size: int = 1000, seeds=(0, 1), norms=LIMITATION_NORMS,
                      biases=LIMITATION_BIASES, budget_ds=(10, 20, 40), budget_width: int = 100,
                      budgets=LIMITATION_BUDGETS, device=None) -> LimitationData:
    """Precompute :class:`LimitationData`: one ``fit_nested`` per ``(d, seed)``, then only cheap re-uses.

    The steep neuron ``relu(<w*,x> + b)`` and the magnitudes reuse seed 0's factorization
    (:meth:`NestedFit.retarget`, :meth:`NestedFit.fit`); the budget curves solve the box QP
    ``|u_i| <= M / r`` at ``budget_width`` for each ``d`` in ``budget_ds`` (which must be among ``ds``).
    """
    from .features import check_positive_int, check_seed

    ds = tuple(check_positive_int("d", d) for d in ds)
    if not ds or len(set(ds)) != len(ds):
        raise ValueError(f"ds must be distinct positive integers, got {ds!r}")
    pool_size = check_positive_int("pool_size", pool_size)
    seeds = tuple(check_seed(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    budget_width = check_positive_int("budget_width", budget_width)
    if budget_width > pool_size:
        raise ValueError(f"budget_width must be at most pool_size {pool_size}, got {budget_width}")
    missing = sorted(set(budget_ds) - set(ds))
    if missing:
        raise ValueError(f"budget_ds must be among ds {ds}, got {missing} outside")
    norms, biases, budgets = (tuple(float(v) for v in a) for a in (norms, biases, budgets))
    grid = _log_grid(pool_size, 16)
    errors, magnitudes, grid_errors, steep, budget_errors, budget_free = {}, {}, {}, {}, {}, {}
    for d in ds:
        curves = []
        for s in seeds:
            pool = sample_features(d, pool_size, symmetric=True, seed=s)
            nested = fit_nested(pool, ReluTarget(), device=device)
            curves.append(nested.relative_errors())
            if s != seeds[0]:
                continue
            magnitudes[d] = np.array([nested.fit(int(m)).magnitude for m in grid])
            grid_errors[d] = curves[-1][grid - 1]
            for b in biases:
                for n in norms:
                    steep[(d, b, n)] = nested.retarget(ReluTarget(norm=n, bias=b)).relative_errors()
            if d in budget_ds:
                free = nested.fit(budget_width)
                budget_free[d] = (free.relative_error, free.magnitude)
                errs, u0 = {}, None
                for M in sorted(budgets, reverse=True):        # warm start from the larger budget
                    res = nested.fit(budget_width, magnitude=M, u0=u0)
                    errs[M], u0 = res.relative_error, res.weights
                budget_errors[d] = np.array([errs[M] for M in budgets])
        errors[d] = np.mean(curves, axis=0)
    second = {(b, n): ReluTarget(norm=n, bias=b).second_moment(1) for b in biases for n in norms}
    return LimitationData(ds, seeds, pool_size, errors, grid, magnitudes, grid_errors, norms, biases, steep,
                          second, tuple(d for d in ds if d in budget_ds), budget_width, budgets,
                          budget_errors, budget_free)


def _power_fit(ds, needed):
    """Slope of ``log(width needed)`` against ``log d`` over the points reached (``None`` if fewer than 3)."""
    pts = [(d, w) for d, w in zip(ds, needed, strict=True) if w is not None]
    if len(pts) < 3:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def _pick(name, value, options, fmt="{:g}"):
    """``value`` if it is one of ``options`` (compared as numbers), else a ValueError listing them."""
    if _is_real(value):
        for o in options:
            if math.isclose(float(value), float(o), rel_tol=1e-9):
                return o
    allowed = ", ".join(fmt.format(o) for o in options)
    raise ValueError(f"{name} must be one of the precomputed values {allowed}; got {value!r}")


def limitation_dashboard(*, data: LimitationData | None = None, eps: float = 0.15, width: int = 200,
                         d: int = 40, target_norm: float = 1.0, bias: float = 0.0, magnitude: float = 10.0,
                         static=None, **precompute) -> Explorer:
    """The limitation: RF error vs ``d`` at fixed width, width needed vs ``d``, budgets, a steep neuron.

    Controls: accuracy ``eps`` (select), ``width`` (log slider), ``d`` (for the steep neuron and the
    markers), target norm ``|w*|`` and bias ``b`` of the steep neuron, budget ``M`` on ``r·max|u_i|``.
    Figures: error vs ``d`` at fixed widths; width needed vs ``d`` for several ``eps`` (log-log, with
    ``d²`` and ``d⁴`` guides); error vs budget ``M``; relative and absolute error of
    ``relu(<w*,x> + b)`` vs ``|w*|``. Everything is looked up in ``data`` (computed by
    :func:`limitation_curves` with ``**precompute`` if not given), so every control is instant.
    """
    from .fit import width_needed
    from .gaussian import relu_hermite_residuals

    if data is not None and precompute:
        raise ValueError(f"give either data or precompute settings {sorted(precompute)}, not both")
    data = limitation_curves(**precompute) if data is None else data
    R, ds = data.pool_size, data.ds
    plateau1, plateau2 = (float(v) for v in relu_hermite_residuals([1, 2]))
    ref_widths = sorted({w for w in (20, 100, 500) if w < R} | {R})
    needed = {e: [width_needed(data.errors[dd], e) for dd in ds] for e in LIMITATION_EPS}

    def compute(eps, width, d, target_norm, bias, magnitude):
        eps = _pick("eps", eps, LIMITATION_EPS)
        if not _is_real(width) or not math.isfinite(width) or not 1 <= round(width) <= R:
            raise ValueError(f"width must be a number from 1 to the pool size {R}, got {width!r}")
        m = int(round(width))
        d = _pick("d", d, ds)
        n = _pick("target_norm", target_norm, data.norms)
        b = _pick("bias", bias, data.biases)
        M = _pick("magnitude", magnitude, data.budgets)
        curve = needed[eps]
        reached = [(dd, w) for dd, w in zip(ds, curve, strict=True) if w is not None]
        guides = {}
        if reached:
            d0, w0 = reached[-1]
            for p, label in ((2, "∝ d² (guide)"), (4, "∝ d⁴ (guide)")):
                # through the last point reached, drawn back to min(ds) or down to width 1
                lo = max(min(ds), d0 * w0 ** (-1.0 / p))
                gx = np.geomspace(lo, d0, 30) if lo < d0 else np.array([d0])
                guides[label] = (gx, w0 * (gx / d0) ** p)
        rel = np.array([data.steep[(d, b, nn)][m - 1] for nn in data.norms])
        second = np.array([data.second_moments[(b, nn)] for nn in data.norms])
        k = data.budgets.index(M)
        return dict(eps=eps, width=m, d=d, norm=n, bias=b, magnitude=M, guides=guides,
                    current=np.array([data.errors[dd][m - 1] for dd in ds]), needed=curve,
                    slope=_power_fit(ds, curve), needed_here=curve[ds.index(d)],
                    steep_rel=rel, steep_abs=rel * second, steep_second=second,
                    steep_here=(float(rel[data.norms.index(n)]), float((rel * second)[data.norms.index(n)]),
                                float(second[data.norms.index(n)])),
                    budget_here={dd: float(data.budget_errors[dd][k]) for dd in data.budget_ds})

    def figures(res):
        by_width = {w: [data.errors[dd][w - 1] for dd in ds] for w in ref_widths}
        plateaus = {f"plateau after degree 1: {plateau1:.3f}": plateau1,
                    f"plateau after degree 2: {plateau2:.4f}": plateau2}
        fig1 = plots.plot_error_vs_d_at_widths(
            ds, by_width, current_width=res["width"], current_errors=res["current"], plateaus=plateaus,
            title=f"RF error vs d at fixed widths (black: r = {res['width']})")
        fig2 = plots.plot_width_needed_vs_d(ds, needed, current_eps=res["eps"], guides=res["guides"], pool=R,
                                            current_d=res["d"])
        fig3 = plots.plot_budget_curves(
            data.budgets, {dd: data.budget_errors[dd] for dd in data.budget_ds},
            free_errors={dd: data.budget_free[dd][0] for dd in data.budget_ds}, width=data.budget_width,
            current_budget=res["magnitude"])
        offset = "" if res["bias"] == 0 else f" {'+' if res['bias'] > 0 else '−'} {abs(res['bias']):g}"
        fig4 = plots.plot_steep_neuron(
            data.norms, res["steep_rel"], res["steep_abs"], res["steep_second"], current_norm=res["norm"],
            title=f"Steep neuron [⟨w*,x⟩{offset}]₊: d = {res['d']}, r = {res['width']} (one pool)")
        return [fig1, fig2, fig3, fig4]

    def readout(res):
        m, d = res["width"], res["d"]
        err = float(data.errors[d][m - 1])
        w = res["needed_here"]
        slope = "—" if res["slope"] is None else f"d^{res['slope']:.1f}"
        rel, ab, ey2 = res["steep_here"]
        power = math.log(res["norm"]) / math.log(d)
        rows = [
            (f"RF error at d = {d}, r = {m} (exact, mean of {len(data.seeds)} pools)", f"{err:.4f}",
             f"plateau after degree 1: {plateau1:.4f}"),
            (f"width needed for error ≤ {res['eps']:g} at d = {d}",
             f"beyond {R}" if w is None else f"{w}", f"fitted growth over d: {slope}"),
            (f"error with budget M = {res['magnitude']:g} at r = {data.budget_width}",
             ", ".join(f"d={dd}: {v:.3f}" for dd, v in res["budget_here"].items()), ""),
            (f"steep neuron |w*| = {res['norm']:g} (= d^{power:.2f}), b = {res['bias']:g}: relative error "
             "(pool of seed 0)",
             f"{rel:.4f}", f"absolute {ab:.4g} = relative × E[y²] = {ey2:.4g}"),
        ]
        body = "".join(f"<tr><td>{_html_escape(a)}</td><td style='text-align:right;font-weight:600;"
                       f"padding-left:12px'>{b}</td><td style='color:#666;padding-left:10px'>"
                       f"{_html_escape(e)}</td></tr>" for a, b, e in rows)
        return f"<table style='font-size:14px'>{body}</table>"

    s, lay = {"description_width": "150px"}, widgets.Layout(width="430px")

    def sel(name, options, value, desc):
        return widgets.SelectionSlider(options=[(f"{o:g}", o) for o in options],
                                       value=_pick(name, value, options), description=desc, style=s,
                                       layout=lay)

    controls = {
        "eps": widgets.Dropdown(options=[(f"{e:g}", e) for e in LIMITATION_EPS], value=_pick("eps", eps,
                                LIMITATION_EPS), description="accuracy ε", style=s, layout=lay),
        "width": widgets.FloatLogSlider(value=width, base=10, min=0, max=math.log10(R), step=0.02,
                                        description="width r", readout_format=".0f", style=s, layout=lay),
        "d": sel("d", ds, d, "input dimension d"),
        "target_norm": sel("target_norm", data.norms, target_norm, "target norm |w*|"),
        "bias": sel("bias", data.biases, bias, "target bias b"),
        "magnitude": sel("magnitude", data.budgets, magnitude, "budget M = r·max|uᵢ|"),
    }
    title = ("<b>The limitation: random features vs a single ReLU neuron</b> — exact population errors, "
             f"sign-symmetric pairs, pools of {R} features for each of d = {', '.join(map(str, ds))}; "
             "every control is a look-up.")
    explorer = Explorer(controls, compute, figures, readout=readout, title=title, static=static)
    explorer.data = data
    return explorer


__all__ += ["LIMITATION_DS", "LIMITATION_EPS", "LimitationData", "limitation_curves", "limitation_dashboard"]


# ------------------------------------------------------------------- notebook 06: gradient descent learns

NEURON_DS = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
NEURON_D_RANGE = (2, 1000)
NEURON_SAMPLES = (("population (exact loss)", 0), ("n = d/5 samples", 0.2), ("n = d samples", 1.0),
                  ("n = 2d samples", 2.0), ("n = 3d samples", 3.0), ("n = 4d samples", 4.0),
                  ("n = 10d samples", 10.0))
NEURON_INITS = (("random direction, |w₀| = 1", "random"), ("anti-aligned: w₀ = −w*", "anti-aligned"),
                ("dead: bias −10 (samples only)", "dead"), ("zero: w₀ = 0", "zero"))
NEURON_RF_WIDTHS = (("off", 0), ("r = 100", 100), ("r = 300", 300), ("r = 1000", 1000))
NEURON_REFERENCE_DS = (10, 100, 1000)
NEURON_DEAD_BIAS = -10.0
NEURON_SAMPLE_WORK = 3e8     # n·d·steps of one interactive run on samples (about a second on 2 cores)
NEURON_TEST_SAMPLES = 2000
NEURON_STEPS_RANGE = (1, 2000)


def steps_to_reach(losses, eps: float) -> int | None:
    """First step ``t`` with ``losses[t] <= eps`` (``losses[0]`` is the start); ``None`` if never.

    >>> steps_to_reach([1.0, 0.1, 1e-3, 1e-7], 1e-6)
    3
    >>> steps_to_reach([1.0, 0.5], 0.1) is None
    True
    """
    arr = np.asarray(losses, dtype=np.float64)
    if not _is_real(eps) or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite non-negative loss level, got {eps!r}")
    hit = np.flatnonzero(arr <= eps)
    return int(hit[0]) if hit.size else None


def neuron_samples(d: int, samples) -> int | None:
    """Sample size for the setting ``samples``: ``None`` or 0 (exact population loss), else
    ``n = round(samples · d)`` (at least 1)."""
    if samples is None or (_is_real(samples) and samples == 0):
        return None
    if not _is_real(samples) or not math.isfinite(samples) or not 0 < samples <= 100:
        raise ValueError(f"samples must be 0 (the exact population loss) or a multiple of d in (0, 100], "
                         f"got {samples!r}")
    return max(1, int(round(samples * d)))


def neuron_run(d: int, *, lr: float, samples=None, init: str = "random", seed: int = 0, steps: int = 100,
               test_samples: int = NEURON_TEST_SAMPLES, cache: dict | None = None):
    """One run of :func:`rfexplore.train_neuron` from the dashboard's settings (cached by settings).

    ``samples``: ``None``/0 (population) or a multiple of ``d`` (see :func:`neuron_samples`); ``init``: ``"random"``
    (uniform direction, norm 1), ``"anti-aligned"`` (``w₀ = −w*``), ``"dead"`` (random direction with a
    learned bias starting at ``NEURON_DEAD_BIAS``, samples only) or ``"zero"`` (refused by the trainer
    with its explanation). Sample runs are refused beyond ``NEURON_SAMPLE_WORK`` (``n·d·steps``).
    """
    if not _is_int(d) or not NEURON_D_RANGE[0] <= d <= NEURON_D_RANGE[1]:
        raise ValueError(f"d must be an integer from {NEURON_D_RANGE[0]} to {NEURON_D_RANGE[1]}, got {d!r}")
    if not _is_int(steps) or not NEURON_STEPS_RANGE[0] <= steps <= NEURON_STEPS_RANGE[1]:
        raise ValueError(f"steps must be an integer from {NEURON_STEPS_RANGE[0]} to {NEURON_STEPS_RANGE[1]}, "
                         f"got {steps!r}")
    kinds = [k for _, k in NEURON_INITS]
    if init not in kinds:
        raise ValueError(f"init must be one of {kinds}, got {init!r}")
    n = neuron_samples(d, samples)
    if n is not None and n * d * steps > NEURON_SAMPLE_WORK:
        raise ValueError(f"n·d·steps = {n}·{d}·{steps} = {n * d * steps:.2g} is more than one interactive run "
                         f"should cost ({NEURON_SAMPLE_WORK:.0e}, about a second): lower steps, d or n, or call "
                         f"rfexplore.train_neuron({d}, samples={n}, steps={steps}, lr=...) in a cell")
    if init == "dead" and n is None:
        raise ValueError("a dead start needs samples: on the exact population loss a bias-free neuron is active "
                         "on half of all inputs and is never dead; choose n = 4d samples (or another n)")
    key = (int(d), float(lr), n, init, int(seed), int(steps), int(test_samples))
    cache = {} if cache is None else cache
    if key in cache:
        return cache[key]
    kw = dict(steps=int(steps), lr=lr, seed=seed)
    if n is not None:
        kw.update(samples=n, test_samples=test_samples)
    if init == "anti-aligned":
        kw["init"] = -ReluTarget().weight(int(d))
    elif init == "zero":
        kw["init"] = np.zeros(int(d))
    elif init == "dead":
        kw.update(learn_bias=True, init_bias=NEURON_DEAD_BIAS)
    result = train_neuron(int(d), **kw)
    if len(cache) >= 64:                                          # a small cache: forget the oldest run
        cache.pop(next(iter(cache)))
    cache[key] = result
    return result


def neuron_dashboard(*, d: int = 100, lr: float = 0.5, samples: float = 0, init: str = "random", seed: int = 0,
                     steps: int = 60, rf_width: int = 300, cache: dict | None = None, static=None) -> Explorer:
    """Gradient descent on a single neuron's own weights, beside random features (notebook 06).

    Controls: ``d`` (2..1000, log-spaced choices), step size ``lr``, ``samples`` (the exact population
    loss, or ``n`` = a multiple of ``d`` Gaussian samples, full batch), ``init`` (random, anti-aligned,
    dead, zero), ``seed``, ``steps`` and the width of a random-features model trained on the same step
    axis (``rf_width``; 0: off). Figures: relative loss against step (log y) for these settings (held-out
    loss on samples, with the training loss dotted), population GD at ``d`` = 10, 100, 1000 with the same
    step size (thin), the RF curve and its best possible error; the distance and angle to ``w*``.
    Runs and RF fits are cached (``explorer.cache``), so returning to a setting is instant.
    """
    from .features import check_seed

    cache = {} if cache is None else cache
    rf_widths = [w for _, w in NEURON_RF_WIDTHS]
    ds = tuple(sorted(set(NEURON_DS) | {int(d)})) if _is_int(d) and NEURON_D_RANGE[0] <= d <= NEURON_D_RANGE[1] \
        else NEURON_DS

    def rf_curve(d, seed, width, steps):
        key = ("rf", int(d), int(seed), int(width), int(steps))
        if key not in cache:
            fkey = ("rf-fit", int(d), int(seed), int(width))
            if fkey not in cache:
                cache[fkey] = fit_nested(sample_features(int(d), int(width), symmetric=True, seed=seed))
            cache[key] = train_rf(cache[fkey], steps=int(steps), method="iterate")
        return cache[key]

    def compute(d, lr, samples, init, seed, steps, rf_width):
        seed = check_seed(seed)
        if not _is_int(d) or d not in ds:
            raise ValueError(f"d must be one of {', '.join(map(str, ds))} in the dashboard, got {d!r} "
                             "(call neuron_run for any d)")
        if not _is_real(lr) or not 0.01 <= lr <= 3.0:
            raise ValueError(f"lr must be a step size from 0.01 to 3 in the dashboard, got {lr!r}")
        if not _is_int(steps) or not 10 <= steps <= 1000:
            raise ValueError(f"steps must be an integer from 10 to 1000 in the dashboard, got {steps!r}")
        if not any(samples == v for _, v in NEURON_SAMPLES):
            raise ValueError(f"samples must be one of {[v for _, v in NEURON_SAMPLES]} (0: population; else "
                             f"n = samples·d), got {samples!r}")
        if not _is_int(rf_width) or rf_width not in rf_widths:
            raise ValueError(f"rf_width must be one of {rf_widths} (0: no random features), got {rf_width!r}")
        run = neuron_run(d, lr=lr, samples=samples, init=init, seed=seed, steps=steps, cache=cache)
        refs = {dd: neuron_run(dd, lr=lr, seed=seed, steps=steps, cache=cache) for dd in NEURON_REFERENCE_DS}
        rf = rf_curve(d, seed, rf_width, steps) if rf_width else None
        return dict(d=int(d), lr=float(lr), n=neuron_samples(d, samples), init=init, seed=seed, steps=int(steps),
                    run=run, refs=refs, rf=rf, hit=steps_to_reach(run.losses, 1e-6))

    def describe(res):
        how = "exact population loss" if res["n"] is None else f"n = {res['n']} samples, held-out loss"
        return f"d = {res['d']}, lr = {res['lr']:g}, {how}, {res['init']} start"

    def figures(res):
        run, rf = res["run"], res["rf"]
        t = np.arange(run.steps_done + 1)
        others = {f"population GD, d = {dd}": (np.arange(r.steps_done + 1), r.losses)
                  for dd, r in res["refs"].items()}
        fig1 = plots.plot_neuron_losses(
            t, run.losses, name="this run", train_losses=run.train_losses, others=others,
            rf=None if rf is None else (np.arange(rf.steps_done + 1), rf.losses),
            rf_best=None if rf is None else rf.best_error,
            title=f"Relative loss vs step: {describe(res)}")
        dist = run.distances if run.distances is not None else np.full(len(t), np.nan)
        ang = run.angles if run.angles is not None else np.full(len(t), np.nan)
        fig2 = plots.plot_trajectory(t, dist, ang, title=f"Distance |w − w*| / |w*| and angle to w* (d = {res['d']})")
        return [fig1, fig2]

    def readout(res):
        run, rf = res["run"], res["rf"]
        last = float(run.losses[-1])
        extra = []
        if run.population_losses is not None and not run.exact:
            extra.append(f"exact population loss {run.population_losses[-1]:.3g}")
        if run.train_losses is not None:
            extra.append(f"training loss {run.train_losses[-1]:.3g}")
        hit = res["hit"]
        ang = "—" if run.angles is None or not np.isfinite(run.angles[-1]) else f"{np.degrees(run.angles[-1]):.3g}°"
        dist = "—" if run.distances is None else f"{run.distances[-1]:.3g}"
        rows = [
            (f"relative loss after {run.steps_done} steps ({'held-out' if res['n'] else 'exact'})", f"{last:.3g}",
             ", ".join(extra)),
            ("steps to reach relative loss 10⁻⁶", "not reached" if hit is None else str(hit),
             "population GD: " + ", ".join(
                 f"d = {dd}: {steps_to_reach(r.losses, 1e-6) if steps_to_reach(r.losses, 1e-6) is not None else '—'}"
                 for dd, r in res["refs"].items())),
            ("distance |w − w*| / |w*|", dist, ""),
            ("angle to w*", ang, ""),
        ]
        if rf is not None:
            rows.append((f"random features, r = {rf.width}: error after {rf.steps_done} steps", f"{rf.losses[-1]:.3g}",
                         f"output weights by GD (own step size); best possible {rf.best_error:.3g}"))
        rows.append(("parameters", f"neuron: {res['d']}",
                     "" if rf is None else f"random features: {rf.width} output weights"))
        body = "".join(f"<tr><td style='padding:2px 0'>{_html_escape(a)}"
                       + (f"<br><span style='color:#666;font-size:12px'>{_html_escape(e)}</span>" if e else "")
                       + f"</td><td style='text-align:right;font-weight:600;padding-left:12px;white-space:nowrap;"
                       f"vertical-align:top'>{_html_escape(b)}</td></tr>" for a, b, e in rows)
        note = ""
        if run.message:
            why = f"stopped: {run.stopped_by}. " if run.stopped_by else ""
            note = f"<div style='color:#b35900;max-width:480px;font-size:13px'>{_html_escape(why + run.message)}</div>"
        return f"<table style='font-size:13px;max-width:480px'>{body}</table>{note}"

    s, lay = {"description_width": "110px"}, widgets.Layout(width="420px")
    controls = {
        "d": widgets.SelectionSlider(options=ds, value=d, description="dimension d", continuous_update=False,
                                     style=s, layout=lay),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-2, max=math.log10(3.0), step=0.01,
                                     description="step size lr", readout_format=".3g", continuous_update=False,
                                     style=s, layout=lay),
        "samples": widgets.Dropdown(options=list(NEURON_SAMPLES), value=samples, description="data", style=s,
                                    layout=lay),
        "init": widgets.Dropdown(options=list(NEURON_INITS), value=init, description="start w₀", style=s,
                                 layout=lay),
        "steps": widgets.IntSlider(value=steps, min=10, max=1000, step=10, description="steps",
                                   continuous_update=False, style=s, layout=lay),
        "rf_width": widgets.Dropdown(options=list(NEURON_RF_WIDTHS), value=rf_width,
                                     description="compare RF", style=s, layout=lay),
        "seed": widgets.BoundedIntText(value=seed, min=0, max=10**6, description="seed", style=s,
                                       layout=widgets.Layout(width="230px")),
    }
    title = ("<b>Gradient descent learns the neuron</b> — relu(⟨w, x⟩) trained on its own d weights towards "
             "relu(⟨w*, x⟩), x ~ N(0, I_d); exact population loss or n Gaussian samples")
    explorer = Explorer(controls, compute, figures, readout=readout, title=title, static=static, columns=1)
    explorer.cache = cache
    return explorer


__all__ += ["NEURON_DS", "NEURON_INITS", "NEURON_SAMPLES", "neuron_dashboard", "neuron_run", "neuron_samples",
            "steps_to_reach"]


# ------------------------------------------------------------------- notebook 03: lazy training

LAZY_WIDTHS = (16, 32, 64, 128)
LAZY_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
LAZY_MAX_LR = 4.0


def lazy_lr(alpha: float) -> float:
    """Step size of the lazy-training runs: ``1 / alpha^2``, at most :data:`LAZY_MAX_LR` (4).

    ``1 / alpha^2`` moves the function at a rate that does not depend on ``alpha`` (the RF and
    linearized models then follow the same curve for every ``alpha >= 1/2``); below ``alpha = 1/2``
    that step is too large for the non-linear dynamics (``alpha = 0.05`` diverges), so it is capped
    (measured stable at ``alpha = 0.1 .. 0.5``, widths 16..128, ``d = 20``).
    """
    if not _is_real(alpha) or not math.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a finite positive number, got {alpha!r}")
    return min(1.0 / float(alpha) ** 2, LAZY_MAX_LR)


def lazy_run(d: int, width: int, alpha: float, *, steps: int = 200, seed: int = 0, compare: bool = True,
             cache: dict | None = None, callback=None, device=None):
    """:func:`rfexplore.train.train_two_layer` on the exact population loss with ``lr = lazy_lr(alpha)``,
    remembered in ``cache`` under ``(d, width, alpha, steps, seed)``.

    A cached run is reused (one with ``compare=True`` also serves ``compare=False``); only complete runs
    are cached, so a run stopped by the ``callback`` or one that diverged is returned but not kept.
    """
    from .train import train_two_layer

    cache = {} if cache is None else cache
    key = (int(d), int(width), float(alpha), int(steps), int(seed))
    hit = cache.get(key)
    if hit is not None and (hit.rf_losses is not None or not compare):
        return hit
    run = train_two_layer(d, width, alpha=alpha, steps=steps, lr=lazy_lr(alpha), seed=seed, compare=compare,
                          device=device, callback=callback)
    if run.complete:
        cache[key] = run
    return run


def lazy_start(d: int, width: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The start ``(W_0, u_0)`` of :func:`rfexplore.train.train_two_layer`: ``(r, d)`` and ``(r,)``,
    neurons in pairs ``(w, u), (w, -u)`` with ``w`` uniform on the sphere."""
    from .features import check_positive_int, check_seed
    from .train import _two_layer_init

    d, width, seed = check_positive_int("d", d), check_positive_int("width", width), check_seed(seed)
    if width % 2:
        raise ValueError(f"width must be even (neurons come in pairs), got {width}")
    return _two_layer_init(d, width, seed)


def lazy_rf_best(d: int, width: int, *, seed: int = 0, target=None) -> float:
    """Exact best relative error of the RF model of a width-``r`` network: its first layer ``W_0``
    frozen, only the output layer fitted (DESIGN 2.2). The pairs share their ``w``, so these are
    ``r / 2`` distinct features; this is the limit of ``TwoLayerResult.rf_losses`` as steps grow."""
    from .features import FeaturePool
    from .fit import fit_population

    W0, _ = lazy_start(d, width, seed=seed)
    pool = FeaturePool(W0[0::2].copy(), None, "sphere", False, 0.0, int(seed))
    return float(fit_population(pool, target).relative_error)


def lazy_movements(cache: dict, d: int, alpha: float, *, steps: int = 200, seed: int = 0):
    """``(widths, movements)``: final relative first-layer movement of every cached run at this
    ``(d, alpha, steps, seed)``, by increasing width."""
    rows = sorted((k[1], float(run.movements[-1])) for k, run in cache.items()
                  if k[0] == d and k[2] == float(alpha) and k[3] == steps and k[4] == seed)
    return np.array([r for r, _ in rows], dtype=int), np.array([m for _, m in rows])


def lazy_alignment(W, u, w_star) -> float:
    """Mean ``cos(w_i, w*)`` over the neurons with a positive output weight ``u_i`` (``W``: ``(r, d)``)."""
    W, u, w_star = np.asarray(W, dtype=float), np.asarray(u, dtype=float), np.asarray(w_star, dtype=float)
    pos = u > 0
    # cos(w_i, w*) = <w_i, w*> / (|w_i| |w*|)
    cos = (W[pos] @ w_star) / (np.linalg.norm(W[pos], axis=1) * np.linalg.norm(w_star))
    return float(cos.mean()) if cos.size else float("nan")


@dataclass(frozen=True)
class LazyResult:
    """What :func:`lazy_dashboard` shows for one ``(width, alpha)``."""

    d: int
    width: int
    alpha: float
    lr: float
    steps: int
    seed: int
    run: object                    # TwoLayerResult (compare=True)
    rf_best: float                 # exact best error of the RF model (r/2 distinct features)
    rf_features: int               # r/2 distinct frozen features relu(<w0_i, x>)
    tangent_features: int          # r/2 + d r/2 frozen features of the linearized model
    curves: dict                   # "α = a" -> (widths, movements) of the cached runs
    colors: dict                   # "α = a" -> colour
    guide: tuple                   # (widths, c / sqrt(widths)) through the chosen run
    alignment: tuple               # mean cos(w_i, w*) of neurons with u_i > 0: (start, end)


def lazy_dashboard(*, d: int = 20, width: int = 64, alpha: float = 10.0, steps: int = 200, seed: int = 0,
                   widths=LAZY_WIDTHS, alphas=LAZY_ALPHAS, cache: dict | None = None, static=None) -> Explorer:
    """Lazy training: a two-layer network ``(alpha/sqrt r) sum_i u_i [<w_i, x>]_+`` beside its RF and
    linearized models, trained on the exact population loss of the unit neuron ``[x_1]_+``.

    Controls: the width ``r`` and the output scale ``alpha`` (each a selection among ``widths`` and
    ``alphas``). Figures: error against step for the network, its RF model and its linearized model
    (with the exact best RF error dashed); the distance from the network to each of them; the
    first-layer movement against width, one line per ``alpha`` run so far, with a ``1/sqrt r`` guide.

    Each ``(width, alpha)`` trains once (``steps`` steps, ``lr = lazy_lr(alpha)``, progress shown in the
    status line) and is kept in ``cache`` (``explorer.cache``; pass the dict used by :func:`lazy_run`
    calls made before, and the dashboard starts from their runs). Returning to a setting is instant.
    """
    from .features import check_positive_int, check_seed
    from .targets import ReluTarget

    d, steps, seed = check_positive_int("d", d), check_positive_int("steps", steps), check_seed(seed)
    widths = tuple(check_positive_int("widths", w) for w in widths)
    if not widths or any(w % 2 for w in widths):
        raise ValueError(f"widths must be even positive integers (neurons come in pairs), got {widths!r}")
    alphas = tuple(float(a) for a in alphas)
    if not alphas or any(not math.isfinite(a) or a <= 0 for a in alphas):
        raise ValueError(f"alphas must be finite positive numbers, got {alphas!r}")
    cache = {} if cache is None else cache
    palette = (plots.COLORS["budget"], plots.COLORS["accent"], plots.COLORS["light"], plots.COLORS["neuron"],
               plots.COLORS["network"], plots.COLORS["rf"])
    colors = {f"α = {a:g}": palette[i % len(palette)] for i, a in enumerate(alphas)}
    rf_best, w_star = {}, ReluTarget().weight(d)
    holder = {}                                           # the explorer, once built (progress messages)

    def progress(width, alpha):
        def callback(t, state):
            ex = holder.get("explorer")
            if ex is not None and (t % 20 == 0 or t == steps):
                ex.status.value = (f"<span style='color:#555'>training r = {width}, α = {alpha:g}: step {t} / "
                                   f"{steps}…</span>")
            return False
        return callback

    def compute(width, alpha):
        try:
            r, a = _pick("width", width, widths), _pick("alpha", alpha, alphas)
        except ValueError:
            raise ValueError(f"width must be one of {', '.join(map(str, widths))} and alpha one of "
                             f"{', '.join(f'{v:g}' for v in alphas)}; got width={width!r}, alpha={alpha!r}") from None
        run = lazy_run(d, r, a, steps=steps, seed=seed, cache=cache, callback=progress(r, a))
        if not run.complete:
            raise ValueError(f"training r = {r}, α = {a:g} did not finish: {run.message}")
        if r not in rf_best:
            rf_best[r] = lazy_rf_best(d, r, seed=seed)
        curves = {}
        for aa in alphas:
            ws, ms = lazy_movements(cache, d, aa, steps=steps, seed=seed)
            if ws.size:
                curves[f"α = {aa:g}"] = (ws, ms)
        m = float(run.movements[-1])
        known = [w for ws, _ in curves.values() for w in ws] + list(widths)
        gx = np.geomspace(min(known), max(known), 30)
        W0, u0 = lazy_start(d, r, seed=seed)
        return LazyResult(
            d=d, width=r, alpha=a, lr=run.lr, steps=steps, seed=seed, run=run, rf_best=rf_best[r],
            rf_features=r // 2, tangent_features=r // 2 + d * r // 2, curves=curves, colors=colors,
            guide=(gx, m * np.sqrt(r / gx)),                 # movement ∝ 1/sqrt(r) through the chosen run
            alignment=(lazy_alignment(W0, u0, w_star), lazy_alignment(run.W, u0, w_star)))

    def figures(res):
        run = res.run
        t = np.arange(run.steps_done + 1)
        head = f"r = {res.width}, α = {res.alpha:g}"
        return [
            plots.plot_lazy_training(t, run.losses, rf=run.rf_losses, lin=run.lin_losses, rf_best=res.rf_best,
                                     title=f"Training ({head}): network, RF model, linearized model"),
            plots.plot_lazy_gaps(t, run.lin_gaps, run.rf_gaps, title=f"Distance from the network ({head})"),
            plots.plot_movement_vs_width(res.curves, colors=res.colors, highlight=f"α = {res.alpha:g}",
                                         current=(res.width, float(run.movements[-1])), guide=res.guide,
                                         title=f"First-layer movement after {res.steps} steps vs width"),
        ]

    def readout(res):
        run, T = res.run, res.steps
        m = float(run.movements[-1])
        step_note = ("1/α²" if res.lr == 1.0 / res.alpha ** 2
                     else f"capped: 1/α² = {1 / res.alpha ** 2:.3g} is too large for the non-linear dynamics")
        a0, a1 = res.alignment
        rows = [
            (f"network error after {T} steps", f"{run.losses[-1]:.3g}", ""),
            (f"linearized model ({res.tangent_features} frozen features)", f"{run.lin_losses[-1]:.3g}",
             f"distance to the network {run.lin_gaps[-1]:.2g}"),
            (f"RF model ({res.rf_features} frozen features)", f"{run.rf_losses[-1]:.3g}",
             f"distance to the network {run.rf_gaps[-1]:.2g}"),
            ("best possible RF error with these features (exact)", f"{res.rf_best:.3g}", ""),
            ("first-layer movement |W − W₀| / |W₀|", f"{m:.3g}",
             f"α·√r·movement = {res.alpha * math.sqrt(res.width) * m:.2f} (about constant when lazy)"),
            ("neurons with uᵢ > 0 at the start: mean cos(wᵢ, w*)", f"{a1:.2f}", f"at the start {a0:.2f}"),
            ("step size", f"{res.lr:.3g}", step_note),
        ]
        body = "".join(f"<tr><td>{_html_escape(x)}</td><td style='text-align:right;font-weight:600;"
                       f"padding-left:12px'>{y}</td><td style='color:#666;padding-left:10px'>{_html_escape(z)}"
                       "</td></tr>" for x, y, z in rows)
        return f"<table style='font-size:14px'>{body}</table>"

    s, lay = {"description_width": "130px"}, widgets.Layout(width="420px")
    controls = {
        "width": widgets.SelectionSlider(options=[(f"{w}", w) for w in widths],
                                         value=_pick("width", width, widths), description="width r",
                                         continuous_update=False, style=s, layout=lay),
        "alpha": widgets.SelectionSlider(options=[(f"{a:g}", a) for a in alphas],
                                         value=_pick("alpha", alpha, alphas), description="output scale α",
                                         continuous_update=False, style=s, layout=lay),
    }
    title = ("<b>From wide networks to random features</b> — f(x) = (α/√r) Σᵢ uᵢ [⟨wᵢ,x⟩]₊ learns "
             f"[x₁]₊ in d = {d}, exact population loss, {steps} gradient steps; a new (r, α) trains once "
             "(a few seconds), then it is remembered.")
    explorer = Explorer(controls, compute, figures, readout=readout, title=title, static=static)
    holder["explorer"] = explorer
    explorer.cache = cache
    return explorer


__all__ += ["LAZY_ALPHAS", "LAZY_MAX_LR", "LAZY_WIDTHS", "LazyResult", "lazy_alignment", "lazy_dashboard",
            "lazy_lr", "lazy_movements", "lazy_rf_best", "lazy_run", "lazy_start"]
