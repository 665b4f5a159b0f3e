"""What changes with the input dimension ``d`` (log-log against ``d``): the RF error at fixed
widths, the width needed for an error ``ε`` (per polynomial degree, notebook 02; per ``ε``, notebook
04), the output-weight size at that width, and the parameters a neuron and RF need (notebook 06).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, DEGREE_COLORS, _arr, _fig, _floor, _legend_room, _nan_none, series_color

__all__ = [
    "plot_error_vs_d", "plot_error_vs_d_at_widths", "plot_width_needed", "plot_magnitude_vs_d",
    "plot_width_needed_vs_d", "plot_parameters_needed",
]


def plot_error_vs_d(ds, errors_by_width: dict, *, title=None) -> go.Figure:
    """RF error against input dimension ``d``, one line per fixed width (``{width: errors}``)."""
    fig = _fig(title or "At a fixed width, RF get worse as d grows", "input dimension d",
               "relative error", xlog=True, ylog=True)
    for i, (width, errs) in enumerate(errors_by_width.items()):
        fig.add_trace(go.Scatter(
            x=_arr(ds), y=_floor(errs), name=f"width r = {width}", mode="lines+markers",
            line=dict(color=series_color(i), width=2.5),
            hovertemplate="d = %{x}<br>error %{y:.4g}<extra>" + f"r = {width}" + "</extra>"))
    return fig


def plot_error_vs_d_at_widths(ds, errors_by_width: dict, *, current_width=None, current_errors=None,
                              plateaus: dict | None = None, title=None) -> go.Figure:
    """RF error against ``d`` at fixed widths (log-log), the chosen width in black, plateaus dotted.

    ``errors_by_width = {width: errors per d}`` (see :func:`plot_error_vs_d`); ``current_errors`` are
    the errors per ``d`` at ``current_width``; ``plateaus = {label: level}`` draws horizontal lines
    (e.g. the Hermite residual after degree 1, 0.18).
    """
    fig = plot_error_vs_d(ds, errors_by_width, title=title or "At a fixed width, the RF error rises with d")
    ds = _arr(ds)
    cy = [] if current_errors is None else _floor(current_errors)
    fig.add_trace(go.Scatter(
        x=ds if len(cy) else [], y=cy, name="chosen width", mode="lines+markers",
        line=dict(color="black", width=3.5), marker=dict(size=8),
        customdata=[] if current_errors is None else _arr(current_errors),
        hovertemplate="d = %{x}<br>error %{customdata:.4g}<extra>"
                      + ("" if current_width is None else f"chosen r = {int(current_width)}") + "</extra>"))
    for label, level in (plateaus or {}).items():
        fig.add_trace(go.Scatter(
            x=[float(ds.min()), float(ds.max())] if ds.size else [], y=[float(level)] * (2 if ds.size else 0),
            name=label, mode="lines", line=dict(color=COLORS["theory"], width=1.5, dash="dot"),
            hovertemplate=label + ": %{y:.4g}<extra></extra>"))
    return fig


def _degree_color(k) -> str:
    """Degree ``k`` = 1, 2, ... takes the palette's ``k``-th colour (cycling)."""
    return DEGREE_COLORS[(int(k) - 1) % len(DEGREE_COLORS)]


def _per_degree_lines(fig, ds, series: dict, name, *, dash=None, markers=True):
    for k, values in series.items():
        y = np.array([np.nan if v is None else float(v) for v in values])
        label = name.format(k=k, km1=int(k) - 1)
        fig.add_trace(go.Scatter(
            x=_arr(ds), y=y, name=label, mode="lines+markers" if markers else "lines",
            line=dict(color=_degree_color(k), width=2.5 if markers else 1.5, dash=dash), marker=dict(size=8),
            hovertemplate="d = %{x}<br>%{y:.4g}<extra>" + label + "</extra>"))


def plot_width_needed(ds, needed: dict, counts: dict, *, eps: float, title=None) -> go.Figure:
    """Width needed to reach error ``eps`` against ``d`` (log-log), one colour per degree ``k``.

    ``needed = {k: widths per d}`` (``None``: not reached) is measured; ``counts = {k: C(d+k-1, k) per d}``,
    the number of degree-``k`` polynomial directions, is drawn dashed in the same colour.
    """
    fig = _fig(title or f"Width for error {eps:g} vs degree-k directions",
               "input dimension d", f"width needed for error ≤ {eps:g}", xlog=True, ylog=True)
    _per_degree_lines(fig, ds, needed, "degree {k}: width needed (measured)")
    _per_degree_lines(fig, ds, counts, "degree {k}: C(d+{km1}, {k}) directions", dash="dash", markers=False)
    return fig


def plot_magnitude_vs_d(ds, magnitudes: dict, *, eps: float, title=None) -> go.Figure:
    """The paper's weight measure ``r · max|u_i|`` at the width needed for ``eps``, against ``d`` (log-log).

    ``magnitudes = {k: values per d}`` (``None``: not reached), one colour per degree ``k``.
    """
    fig = _fig(title or "The output weights stay polynomial in d", "input dimension d",
               f"r · max |uᵢ| at error {eps:g}", xlog=True, ylog=True, height=340)
    _per_degree_lines(fig, ds, magnitudes, "degree {k}")
    return fig


def plot_width_needed_vs_d(ds, needed_by_eps: dict, *, current_eps=None, guides: dict | None = None,
                           pool=None, current_d=None, title=None) -> go.Figure:
    """Width needed to reach error ``eps`` against ``d`` (log-log), one line per ``eps``.

    ``needed_by_eps = {eps: widths per d}`` (``None``: not reached within the pool, the line stops);
    the line for ``current_eps`` is drawn thick. ``guides = {label: (ds, widths)}`` are dotted
    reference powers (e.g. ``∝ d²``, ``∝ d⁴``); ``pool`` draws the largest width computed.
    """
    fig = _fig(title or "Width for error ε: power of d grows as ε shrinks",
               "input dimension d", "width needed (first r with error ≤ ε)", xlog=True, ylog=True)
    ds = _arr(ds)
    for i, (eps, needed) in enumerate(needed_by_eps.items()):
        chosen = current_eps is not None and float(eps) == float(current_eps)
        fig.add_trace(go.Scatter(
            x=ds, y=_nan_none(needed), name=f"error ≤ {eps:g}", mode="lines+markers",
            line=dict(color=series_color(i), width=4 if chosen else 1.5),
            marker=dict(size=9 if chosen else 5), opacity=1.0 if chosen else 0.6,
            hovertemplate="d = %{x}<br>width needed %{y}<extra>" + f"ε = {eps:g}" + "</extra>"))
    for label, (gx, gy) in (guides or {}).items():
        fig.add_trace(go.Scatter(
            x=_arr(gx), y=_arr(gy), name=label, mode="lines", line=dict(color=COLORS["theory"], width=1.5,
                                                                         dash="dot"),
            hovertemplate="d = %{x}<br>%{y:.3g}<extra>" + label + "</extra>"))
    px = [float(ds.min()), float(ds.max())] if (pool is not None and ds.size) else []
    fig.add_trace(go.Scatter(
        x=px, y=[float(pool)] * len(px) if px else [], name="largest width computed", mode="lines",
        line=dict(color="black", width=1, dash="dash"), hovertemplate="pool of %{y} features<extra></extra>"))
    cx = [] if current_d is None else [float(current_d)] * 2
    fig.add_trace(go.Scatter(
        x=cx, y=[1.0, float(pool or 1.0)] if cx else [], name="chosen d", mode="lines",
        line=dict(color="black", width=1), hovertemplate="d = %{x}<extra></extra>"))
    if pool is not None:
        fig.update_yaxes(range=[0.0, np.log10(float(pool)) + 0.15])
    return fig


def plot_parameters_needed(ds, neuron, predicted: dict, *, measured: dict | None = None, title=None) -> go.Figure:
    """Parameters needed for relative error ``eps`` against ``d`` (log-log): the neuron's ``d`` weights
    against the random-features width.

    ``neuron``: the neuron's parameter count per ``d`` (its ``d`` weights, for every ``eps``);
    ``predicted = {eps: widths per d}`` the staircase prediction (dashed; ``None`` entries are gaps);
    ``measured = {eps: (ds, widths)}`` widths read off exact error curves (markers, same colour).
    """
    fig = _fig(title or "Parameters for error ε: d (neuron), d^L (RF)",
               "input dimension d", "parameters (neuron: weights; RF: width r)", xlog=True, ylog=True)
    ds = _arr(ds)
    fig.add_trace(go.Scatter(
        x=ds, y=_arr(neuron), name="single neuron: d weights (every ε)", mode="lines+markers",
        line=dict(color=COLORS["neuron"], width=3.5), marker=dict(size=7),
        hovertemplate="d = %{x}<br>%{y:.0f} weights<extra>neuron</extra>"))
    for i, (eps, widths) in enumerate(predicted.items()):
        color = series_color(i, skip=("neuron",))          # the neuron is drawn in its blue
        label = f"RF, ε = {eps:g}: staircase prediction"
        fig.add_trace(go.Scatter(
            x=ds, y=_nan_none(widths), name=label, mode="lines", line=dict(color=color, width=2.5, dash="dash"),
            hovertemplate="d = %{x}<br>width ≈ %{y:.3g}<extra>" + label + "</extra>"))
        mx, my = (measured or {}).get(eps, ([], []))
        mlabel = f"RF, ε = {eps:g}: exact error curve (measured)"
        fig.add_trace(go.Scatter(
            x=_arr(mx), y=_nan_none(my), name=mlabel, mode="markers",
            marker=dict(color=color, size=10, symbol="diamond", line=dict(color="black", width=1)),
            hovertemplate="d = %{x}<br>width needed %{y}<extra>" + mlabel + "</extra>"))
    return _legend_room(fig)
