"""Error and output-weight size against the width ``r`` of random features: the exact width
curve with its Hermite staircase (the tour), the size ``r · max|uᵢ|`` of the best fit, and nested
error curves for several targets or dimensions (notebook 02).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, series_color

__all__ = ["plot_width_curve", "plot_magnitudes", "plot_error_curves"]


def plot_width_curve(widths, errors, *, d, current_width=None, current_error=None, staircase=None,
                     constrained_error=None, title=None) -> go.Figure:
    """Exact RF error against width (log-log) with the Hermite staircase and the current width.

    ``staircase = (step_widths, levels)`` from :func:`rfexplore.gaussian.relu_staircase`.
    """
    fig = _fig(title or f"Random features: error vs width (d = {d})", "width r (number of random features)",
               "relative error", xlog=True, ylog=True)
    widths, errors = _arr(widths), _arr(errors)
    fig.add_trace(go.Scatter(
        x=widths, y=_floor(errors), name="RF error (exact, best output weights)", mode="lines",
        line=dict(color=COLORS["rf"], width=3), customdata=errors,
        hovertemplate="width %{x}<br>error %{customdata:.4g}<extra></extra>"))
    sx, sy = _staircase_xy(staircase, widths)
    fig.add_trace(go.Scatter(
        x=sx, y=sy, name="plateaus predicted by the Hermite spectrum", mode="lines",
        line=dict(color=COLORS["theory"], width=1.5, dash="dot", shape="hv"),
        hovertemplate="width ≥ %{x}<br>predicted plateau %{y:.4g}<extra></extra>"))
    cx = [] if current_width is None else [float(current_width)]
    cy = [] if current_error is None else [float(current_error)]
    fig.add_trace(go.Scatter(
        x=cx, y=cy, name="current width", mode="markers",
        marker=dict(color=COLORS["rf"], size=13, line=dict(color="black", width=1.5)),
        hovertemplate="width %{x}<br>error %{y:.4g}<extra></extra>"))
    ky = [] if constrained_error is None else [float(constrained_error)]
    fig.add_trace(go.Scatter(
        x=cx if ky else [], y=ky,
        name="with magnitude budget M",
        mode="markers", marker=dict(color=COLORS["budget"], size=12, symbol="diamond",
                                    line=dict(color="black", width=1)),
        hovertemplate="width %{x}<br>error with budget %{y:.4g}<extra></extra>"))
    fig.update_yaxes(range=[-3, 0.1])
    if widths.size:
        fig.update_xaxes(range=[0, np.log10(widths.max()) + 0.05])
    return fig


def _staircase_xy(staircase, widths):
    if staircase is None or not len(widths):
        return [], []
    sw, levels = (_arr(a) for a in staircase)
    keep = sw <= widths.max()
    xs = list(sw[keep]) + [float(widths.max())]
    ys = list(levels[keep]) + [float(levels[keep][-1])] if keep.any() else []
    return (xs, ys) if ys else ([], [])


def plot_magnitudes(widths, magnitudes, *, budget=None, current_width=None, current_magnitude=None,
                    title=None) -> go.Figure:
    """The paper's weight measure ``r * max|u_i|`` of the best fit against width (log-log)."""
    fig = _fig(title or "Size of the output weights the best fit needs", "width r",
               "r · max |uᵢ|", xlog=True, ylog=True, height=300)
    widths = _arr(widths)
    fig.add_trace(go.Scatter(
        x=widths, y=_floor(magnitudes), name="best fit r·max|uᵢ|", mode="lines+markers",
        line=dict(color=COLORS["rf"], width=2.5), marker=dict(size=5),
        hovertemplate="width %{x}<br>r·max|u| %{y:.4g}<extra></extra>"))
    bx = [float(widths.min()), float(widths.max())] if (budget is not None and widths.size) else []
    fig.add_trace(go.Scatter(
        x=bx, y=[float(budget)] * len(bx) if bx else [], name="magnitude budget M", mode="lines",
        line=dict(color=COLORS["budget"], width=2, dash="dash"),
        hovertemplate="budget M = %{y:.4g}<extra></extra>"))
    cx = [] if current_width is None else [float(current_width)]
    cy = [] if current_magnitude is None else [float(current_magnitude)]
    fig.add_trace(go.Scatter(
        x=cx, y=cy, name="current width", mode="markers",
        marker=dict(color=COLORS["rf"], size=12, line=dict(color="black", width=1.5)),
        hovertemplate="width %{x}<br>r·max|u| %{y:.4g}<extra></extra>"))
    return fig


def plot_error_curves(curves: dict, *, counts: dict | None = None, eps=None, needed=None,
                      title=None) -> go.Figure:
    """Exact relative error against width (log x, linear y) for nested RF curves, with predicted counts.

    ``curves = {legend name: (widths, errors)}``; ``counts = {legend name: width}`` draws dotted
    vertical lines (e.g. the number of degree-k directions ``C(d+k-1, k)``), the i-th in the colour of
    the i-th curve (grey when there are more counts than curves); ``eps`` draws the target error;
    ``needed`` lists, per curve, the first width reaching ``eps`` (``None``: not reached), marked on it.
    """
    fig = _fig(title or "Random features: error vs width", "width r (number of random features)",
               "relative error  E[(f − y)²] / E[y²]", xlog=True)
    xmax = 1.0
    for i, (name, (widths, errors)) in enumerate(curves.items()):
        widths, errors = _arr(widths), _arr(errors)
        xmax = max(xmax, float(widths.max()) if widths.size else 1.0)
        fig.add_trace(go.Scatter(
            x=widths, y=errors, name=name, mode="lines", line=dict(color=series_color(i), width=3),
            hovertemplate="width %{x}<br>error %{y:.4g}<extra>" + name + "</extra>"))
    for i, (name, width) in enumerate((counts or {}).items()):
        color = series_color(i) if len(counts) <= len(curves) else COLORS["theory"]
        fig.add_trace(go.Scatter(
            x=[float(width)] * 2, y=[0.0, 1.05], name=name, mode="lines",
            line=dict(color=color, width=1.5, dash="dot"),
            hovertemplate=f"{name}<br>= {width:g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[1.0, xmax] if eps is not None else [], y=[float(eps)] * 2 if eps is not None else [],
        name="target error ε", mode="lines", line=dict(color=COLORS["theory"], width=1.5, dash="dash"),
        hovertemplate="target error ε = %{y:.3g}<extra></extra>"))
    nx, ny = [], []
    for (widths, errors), m in zip(curves.values(), [None] * len(curves) if needed is None else needed,
                                   strict=True):
        widths, errors = _arr(widths), _arr(errors)
        hit = np.flatnonzero(widths == m) if m is not None else []
        if len(hit):
            nx.append(float(m))
            ny.append(float(errors[hit[0]]))
    fig.add_trace(go.Scatter(
        x=nx, y=ny, name="width needed for ε", mode="markers",
        marker=dict(color="white", size=11, line=dict(color="black", width=2)),
        hovertemplate="first width reaching ε: %{x}<br>error %{y:.4g}<extra></extra>"))
    fig.update_yaxes(range=[0.0, 1.05])
    fig.update_xaxes(range=[0.0, np.log10(xmax) + 0.05])
    return fig
