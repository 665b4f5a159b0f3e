"""The house style every figure builder shares, defined once: the one colour palette, the layout
template, the axes, the room for a long legend, a conservative estimate of a title's width, and the
small helpers that put data on log axes.

Private to :mod:`rfexplore.plots`; the package re-exports the names other code uses (``COLORS``,
``PALETTE``, ``series_color``, ``trace_index``, ``_floor``, ``title_width``).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import plotly.graph_objects as go

# ------------------------------------------------------------------------------------------- colours

# The one palette: Okabe & Ito (2008), "Color Universal Design", six of its colours (its yellow
# #F0E442 is left out: too pale on white). Ordered so that neighbours differ in hue and lightness
# (warm, cool, warm, ...); the i-th series of a figure takes the i-th colour.
PALETTE = (
    "#D55E00",   # vermillion
    "#0072B2",   # blue
    "#009E73",   # bluish green
    "#E69F00",   # orange
    "#56B4E9",   # sky blue
    "#CC79A7",   # reddish purple
)
NEUTRAL = "#555555"  # grey, for closed-form predictions and guides; black marks "the chosen one"

# What a colour means across the explorer: every role is an entry of PALETTE (or the neutral grey).
COLORS = {
    "rf": PALETTE[0],         # random features
    "neuron": PALETTE[1],     # the trained neuron
    "theory": NEUTRAL,        # closed-form predictions
    "budget": PALETTE[5],     # magnitude budget
    "network": PALETTE[2],    # two-layer network
    "accent": PALETTE[3],     # a second quantity beside the main one
    "light": PALETTE[4],      # a third one, or thin background lines
}


def series_color(i: int, *, skip=()) -> str:
    """Colour of the ``i``-th series of a figure: ``PALETTE`` in order, cycling.

    ``skip`` names roles of :data:`COLORS` already drawn in the same figure (``("neuron",)`` where the
    neuron is blue), so that no series takes their colour.
    """
    unknown = [role for role in skip if role not in COLORS]
    if unknown:
        raise ValueError(f"skip must name roles of COLORS ({', '.join(COLORS)}), got {unknown!r}")
    taken = {COLORS[role] for role in skip}
    pool = [c for c in PALETTE if c not in taken]
    return pool[int(i) % len(pool)]


# One colour per polynomial degree k = 1, 2, ...: degree k takes DEGREE_COLORS[(k - 1) % 6].
DEGREE_COLORS = PALETTE

# ------------------------------------------------------------------------------- template, layout, axes

# A small white template: plotly's own "plotly_white" carries defaults for every trace type and
# costs ~50 ms of deep copies per figure, which every dashboard update would pay.
_GRID = dict(gridcolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2, automargin=True)
_TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", xaxis=_GRID, yaxis=_GRID, font=dict(color="#2a3f5f"),
    colorway=list(PALETTE), hoverlabel=dict(align="left")))

_FONT_SIZE = 13
_LAYOUT = dict(
    template=_TEMPLATE,
    font=dict(size=_FONT_SIZE),
    margin=dict(l=70, r=20, t=100, b=55),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0),
    hovermode="closest",
)


def _title(text) -> dict:
    """A figure title flush left at the top of the figure (above the legend)."""
    return dict(text=text, x=0.0, xanchor="left", y=0.985, yanchor="top")


def _fig(title, xtitle, ytitle, *, xlog=False, ylog=False, height=380):
    """An empty figure in the house style: title, axis titles, linear or log axes, framed plot area."""
    fig = go.Figure(layout=dict(title=_title(title), height=height, **_LAYOUT))
    fig.update_xaxes(title_text=xtitle, type="log" if xlog else "linear", showline=True, mirror=True,
                     linecolor="#888")
    fig.update_yaxes(title_text=ytitle, type="log" if ylog else "linear", showline=True, mirror=True,
                     linecolor="#888", exponentformat="power")
    return fig


def _legend_room(fig, plot_height=330):
    """Make room above the plot for a long horizontal legend: the top margin grows by one 21 px row
    per 110 characters of legend text (each entry's name plus about 8 for its symbol), and the figure
    by the same amount, so the plot keeps ``plot_height`` px. Only traces with data count."""
    shown = [t.name for t in fig.data if t.x is not None and len(t.x)]
    rows = int(np.ceil(sum(len(n) + 8 for n in shown) / 110))
    top = max(fig.layout.margin.t or 0, 60 + 21 * rows)
    fig.update_layout(height=plot_height + top, margin=dict(t=top))
    return fig


def trace_index(fig, name: str) -> int:
    """Index of the trace called ``name`` (dashboards update traces by name)."""
    for i, tr in enumerate(fig.data):
        if tr.name == name:
            return i
    raise KeyError(f"no trace named {name!r}; traces are {[t.name for t in fig.data]}")


# ------------------------------------------------------------------------------------ data on log axes


def _arr(x):
    return np.asarray(x, dtype=float)


def _floor(y, floor=1e-16):
    """Log axes cannot show 0: plot exact zeros at ``floor`` (the hover text keeps the true value)."""
    y = _arr(y)
    return np.where(y > floor, y, floor)


def _nan_none(values):
    """``None`` (not reached) -> NaN, so a line simply stops there."""
    return np.array([np.nan if v is None else float(v) for v in values])


def _positive_or_nan(y):
    """Log axes: non-positive values (a gap of exactly 0 at the start) become gaps in the line."""
    y = _arr(y)
    return np.where(y > 0, y, np.nan)


def _log_range(*series, top=None):
    """A log-axis range from the smallest positive value (less a margin) to ``top`` or the largest."""
    vals = np.concatenate([_arr(s).ravel() for s in series if s is not None and len(s)] or [np.ones(1)])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if not vals.size:
        return None
    lo = np.log10(vals.min()) - 0.15
    hi = np.log10(vals.max()) + 0.1 if top is None else np.log10(top)
    return [float(lo), float(max(hi, lo + 0.5))]


# ----------------------------------------------------------------------------------------- title widths

# Advance widths (em) of the characters the titles use, for plotly's default font family
# '"Open Sans", verdana, arial, sans-serif'. Jupyter does not load Open Sans, so a browser draws
# Verdana (Windows, macOS), Arial or the system sans-serif (Linux: Liberation Sans, DejaVu Sans).
# Per character the table holds the larger of DejaVu Sans (Bitstream Vera metrics, within a few per
# cent of Verdana) and Liberation Sans (Arial's metrics), read from the fonts' hmtx tables and rounded
# up to 0.01 em; the space is Verdana's 0.352 em. Open Sans and Arial are narrower (DejaVu Sans sets
# a typical title about 17 % wider than Arial), so the estimate errs on the wide side.
_EM_WIDTHS = {
    0.18: "ᵢⱼ", 0.28: "'ijl", 0.30: "I", 0.32: ",.·’", 0.34: "/:;\\|", 0.36: " f", 0.37: "-",
    0.40: "()[]t⟨⟩", 0.41: "!₀₁₂²³⁴", 0.42: "r", 0.46: '"', 0.50: "*J`°", 0.53: "sz₊", 0.55: "cε",
    0.56: "?L_–", 0.58: "k", 0.60: "vxy", 0.62: "FTaeoθ", 0.64: "$0123456789bdghnpqu{}ρ√", 0.66: "α",
    0.67: "EKPSY", 0.69: "ABVXZ", 0.72: "∝", 0.73: "CR", 0.74: "U", 0.75: "N", 0.76: "H", 0.77: "D",
    0.78: "&G", 0.79: "OQ", 0.82: "w", 0.84: "#+<=>^~≤≥−∞×±", 0.87: "M", 0.96: "%", 0.98: "m",
    0.99: "W", 1.00: "→—…", 1.02: "@",
}
_EM = {ch: w for w, chars in _EM_WIDTHS.items() for ch in chars}
_UNKNOWN_EM = 1.0     # a character missing from the table counts as a full em
_BOLD = 1.27          # bold: the largest bold/regular width ratio of any letter or digit in DejaVu Sans
_BR = re.compile(r"<br(?:\s[^<>]*)?/?>", re.IGNORECASE)
_TAG = re.compile(r"<(/?)(b|i|em|sub|sup|span|a|s|u)(?:\s[^<>]*)?/?>", re.IGNORECASE)


def title_font_size(fig) -> float:
    """The size in px plotly draws ``fig``'s title at: ``title.font.size``, else plotly.js's default
    ``Math.round(1.4 * font.size)`` (``font.size`` defaults to 12)."""
    size = fig.layout.title.font.size
    return float(size) if size is not None else float(math.floor(1.4 * (fig.layout.font.size or 12) + 0.5))


def title_width(text: str, *, size: float) -> float:
    """Estimated rendered width in px of the widest line of a plotly title drawn at ``size`` px.

    Lines split at ``<br>``; the tags plotly understands (``<b>``, ``<i>``, ``<sub>``, ``<span>``, ...)
    take no room, ``<b>`` text counts :data:`_BOLD` times wider, HTML entities count as the character
    they stand for. The widths are those of the widest fallback of plotly's default font (see
    ``_EM_WIDTHS``), so a title estimated to fit does fit in a browser; sub- and superscripts are
    counted at full size (wider than drawn).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    if not size > 0:
        raise ValueError(f"size must be a positive number of px, got {size!r}")
    widest = 0.0
    for line in _BR.split(text):
        ems, bold, start = 0.0, False, 0
        for tag in [*_TAG.finditer(line), None]:
            chunk = html.unescape(line[start:tag.start() if tag else len(line)])
            ems += sum(_EM.get(ch, _UNKNOWN_EM) for ch in chunk) * (_BOLD if bold else 1.0)
            if tag is not None:
                bold = (not tag.group(1)) if tag.group(2).lower() == "b" else bold
                start = tag.end()
        widest = max(widest, ems * size)
    return widest


def title_widths(fig) -> list[tuple[str, float]]:
    """``(text, estimated px)`` of the figure's title and, where it has one, its subtitle (drawn at
    plotly's default ``Math.round(0.7 * title size)``, or its own font size)."""
    size = title_font_size(fig)
    out = [(fig.layout.title.text or "", title_width(fig.layout.title.text or "", size=size))]
    sub = fig.layout.title.subtitle
    if sub.text:
        sub_size = float(sub.font.size) if sub.font.size is not None else float(math.floor(0.7 * size + 0.5))
        out.append((sub.text, title_width(sub.text, size=sub_size)))
    return out
