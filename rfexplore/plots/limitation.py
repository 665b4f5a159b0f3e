"""The limitation figures of notebook 04 that are not against ``d``: a magnitude budget putting a
floor under the error, the weight size accuracy costs, the steep neuron, and the periodic target
that every random feature misses (its correlation and its error against ``|w*|``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, series_color

__all__ = [
    "plot_budget_curves", "plot_magnitude_vs_error", "plot_steep_neuron", "plot_periodic_correlation",
    "plot_error_vs_norm",
]


def plot_budget_curves(budgets, errors_by_d: dict, *, free_errors: dict | None = None, width=None,
                       current_budget=None, title=None) -> go.Figure:
    """Best RF error under the budget ``r · max|uᵢ| <= M`` against ``M`` (log x), one line per ``d``.

    ``errors_by_d = {d: errors per budget}``; ``free_errors = {d: error with no budget}`` is drawn
    dashed in the same colour; ``current_budget`` a vertical line.
    """
    w = "" if width is None else f" (r = {int(width)})"
    fig = _fig(title or f"A weight budget floors the error{w}",
               "budget M on r · max |uᵢ|", "relative error", xlog=True)
    budgets = _arr(budgets)
    span = [float(budgets.min()), float(budgets.max())] if budgets.size else []
    for i, (d, errs) in enumerate(errors_by_d.items()):
        color = series_color(i, skip=("budget",))          # the chosen budget is drawn in its purple
        fig.add_trace(go.Scatter(
            x=budgets, y=_arr(errs), name=f"d = {d}", mode="lines+markers", line=dict(color=color, width=2.5),
            hovertemplate="M = %{x:.3g}<br>error %{y:.4g}<extra>" + f"d = {d}" + "</extra>"))
        free = None if free_errors is None else free_errors.get(d)
        fig.add_trace(go.Scatter(
            x=span if free is not None else [], y=[float(free)] * len(span) if free is not None else [],
            name=f"d = {d}: no budget", mode="lines", line=dict(color=color, width=1.2, dash="dash"),
            hovertemplate="no budget: error %{y:.4g}<extra>" + f"d = {d}" + "</extra>"))
    cx = [] if current_budget is None else [float(current_budget)] * 2
    fig.add_trace(go.Scatter(
        x=cx, y=[0.0, 1.0] if cx else [], name="chosen budget M", mode="lines",
        line=dict(color=COLORS["budget"], width=2, dash="dash"), hovertemplate="M = %{x:.3g}<extra></extra>"))
    fig.update_yaxes(range=[0.0, 1.0])
    return fig


def plot_magnitude_vs_error(curves: dict, *, title=None) -> go.Figure:
    """The weight size ``r · max|uᵢ|`` of the best fit against the error it reaches (log-log).

    ``curves = {label: (errors, magnitudes, widths)}`` along a width grid; the error axis is reversed,
    so moving right means more accurate.
    """
    fig = _fig(title or "More accuracy costs larger output weights", "relative error reached (best fit)",
               "r · max |uᵢ|", xlog=True, ylog=True)
    for i, (label, (errs, mags, widths)) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(
            x=_floor(errs), y=_floor(mags), name=label, mode="lines+markers",
            line=dict(color=series_color(i), width=2.5), marker=dict(size=5),
            customdata=_arr(widths),
            hovertemplate="width %{customdata}<br>error %{x:.4g}<br>r·max|u| %{y:.4g}<extra>" + label
                          + "</extra>"))
    fig.update_xaxes(autorange="reversed")
    return fig


def plot_steep_neuron(norms, relative, absolute, second_moments, *, current_norm=None,
                      title=None) -> go.Figure:
    """A steeper neuron ``[<w*,x> + b]_+``: relative error, absolute error and ``E[y²]`` against ``|w*|``.

    All three on log-log axes; with ``b = 0`` the relative error is flat and the absolute one grows
    like ``|w*|²`` (positive homogeneity). ``current_norm`` marks the chosen ``|w*|``.
    """
    fig = _fig(title or "Steeper neuron: same relative, larger absolute",
               "target norm |w*|", "error", xlog=True, ylog=True)
    norms = _arr(norms)
    series = (("relative error E[(f − y)²] / E[y²]", relative, COLORS["rf"], None),
              ("absolute error E[(f − y)²]", absolute, COLORS["neuron"], None),
              ("E[y²] (the error of predicting 0)", second_moments, COLORS["theory"], "dot"))
    for name, y, color, dash in series:
        fig.add_trace(go.Scatter(
            x=norms, y=_floor(y), name=name, mode="lines+markers",
            line=dict(color=color, width=2.5, dash=dash), customdata=_arr(y),
            hovertemplate="|w*| = %{x:.4g}<br>%{customdata:.4g}<extra>" + name + "</extra>"))
    cx, cy = [], []
    if current_norm is not None:
        hit = np.flatnonzero(np.isclose(norms, float(current_norm)))
        if hit.size:
            cx = [float(norms[hit[0]])] * 2
            cy = [float(_floor(relative)[hit[0]]), float(_floor(absolute)[hit[0]])]
    fig.add_trace(go.Scatter(
        x=cx, y=cy, name="chosen |w*|", mode="markers",
        marker=dict(color="white", size=12, line=dict(color="black", width=2)),
        hovertemplate="|w*| = %{x:.4g}<br>%{y:.4g}<extra></extra>"))
    return fig


def plot_periodic_correlation(angles_deg, correlations: dict, envelopes: dict, *, typical_angle=None,
                              title=None) -> go.Figure:
    """|correlation| of one ReLU feature with ``cos(2π f <w*,x>)`` against its angle to ``w*`` (log y).

    ``correlations = {label: values per angle}`` (exact), ``envelopes = {label: values}`` drawn dashed in
    the matching colour (same order); ``typical_angle`` (degrees) marks where random features lie.
    """
    fig = _fig(title or "Features barely correlate with a periodic target",
               "angle between the feature w and w* (degrees)", "|correlation| with the target", ylog=True)
    x = _arr(angles_deg)
    pairs = zip(correlations.items(), envelopes.items(), strict=True)
    for i, ((label, corr), (elabel, env)) in enumerate(pairs):
        color = series_color(i)
        fig.add_trace(go.Scatter(
            x=x, y=_floor(np.abs(_arr(corr)), 1e-16), name=label, mode="lines",
            line=dict(color=color, width=3),
            customdata=_arr(corr), hovertemplate="angle %{x:.1f}°<br>correlation %{customdata:.3g}<extra>"
                                                 + label + "</extra>"))
        fig.add_trace(go.Scatter(
            x=x, y=_floor(env, 1e-16), name=elabel, mode="lines",
            line=dict(color=color, width=1.5, dash="dash"),
            hovertemplate="angle %{x:.1f}°<br>bound %{y:.3g}<extra>" + elabel + "</extra>"))
    tx = [] if typical_angle is None else [float(typical_angle)] * 2
    fig.add_trace(go.Scatter(
        x=tx, y=[1e-16, 1.0] if tx else [], name="typical random feature", mode="lines",
        line=dict(color="black", width=1.5, dash="dot"), hovertemplate="angle %{x:.1f}°<extra></extra>"))
    lowest = min((float(np.min(_arr(v))) for v in envelopes.values() if len(v)), default=1e-16)
    fig.update_yaxes(range=[max(-16.0, np.log10(max(lowest, 1e-300)) - 4.0), 0.1])
    return fig


def plot_error_vs_norm(norms, errors_by_width: dict, *, title=None) -> go.Figure:
    """RF error against the target norm ``|w*|`` (log x), one line per width (``{width: errors}``)."""
    fig = _fig(title or "RF lose a periodic target as |w*| grows", "target norm |w*|",
               "relative error", xlog=True)
    for i, (width, errs) in enumerate(errors_by_width.items()):
        fig.add_trace(go.Scatter(
            x=_arr(norms), y=_arr(errs), name=f"width r = {width}", mode="lines+markers",
            line=dict(color=series_color(i), width=2.5),
            hovertemplate="|w*| = %{x:.3g}<br>error %{y:.4g}<extra>" + f"r = {width}" + "</extra>"))
    fig.update_yaxes(range=[0.0, 1.05])
    return fig
