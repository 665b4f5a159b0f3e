"""Lazy training (notebook 03): the two-layer network's error beside its RF model and its
linearized model, its distance from each, and how far its first layer moves as the width grows.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, _legend_room, _log_range, _positive_or_nan, series_color

__all__ = ["LAZY_TRACES", "plot_lazy_training", "plot_lazy_gaps", "plot_movement_vs_width"]


LAZY_TRACES = {
    "network": "two-layer network (both layers trained)",
    "lin": "linearized model (tangent features frozen)",
    "rf": "RF model (first layer frozen)",
    "rf_best": "best possible RF with these features",
}


def plot_lazy_training(steps, network, *, rf=None, lin=None, rf_best=None, title=None) -> go.Figure:
    """Relative error against the training step (log y): the two-layer network beside its RF model
    (first layer frozen at ``W_0``) and its linearized model (tangent features frozen), all three
    trained with the same steps; ``rf_best`` draws the exact best error of the RF model (dashed).

    ``network``, ``rf``, ``lin``: histories of the same length as ``steps`` (``None``: the trace is
    drawn empty). Traces are named by :data:`LAZY_TRACES`.
    """
    fig = _fig(title or "Training: the network and its two fixed models", "training step",
               "relative error  E[(f − y)²] / E[y²]", ylog=True)
    steps = _arr(steps)
    styles = (("network", network, COLORS["network"], "solid", 5),
              ("lin", lin, COLORS["light"], "dash", 2.5),
              ("rf", rf, COLORS["rf"], "solid", 2.5))
    for key, ys, color, dash, width in styles:
        y = [] if ys is None else _arr(ys)
        fig.add_trace(go.Scatter(
            x=steps if len(y) else [], y=_floor(y) if len(y) else [], name=LAZY_TRACES[key], mode="lines",
            line=dict(color=color, width=width, dash=dash), customdata=y,
            hovertemplate="step %{x}<br>error %{customdata:.4g}<extra>" + LAZY_TRACES[key] + "</extra>"))
    best = [] if rf_best is None else [float(rf_best)] * 2
    fig.add_trace(go.Scatter(
        x=[0.0, float(steps.max()) if steps.size else 1.0] if best else [], y=best,
        name=LAZY_TRACES["rf_best"], mode="lines", line=dict(color=COLORS["rf"], width=1.5, dash="dot"),
        hovertemplate="best possible RF error %{y:.4g}<extra></extra>"))
    rng = _log_range(network, rf, lin, best, top=1.3)
    if rng is not None:
        fig.update_yaxes(range=rng)
    return _legend_room(fig)


def plot_lazy_gaps(steps, lin_gaps, rf_gaps, *, title=None) -> go.Figure:
    """How far the network's function is from each fixed-feature model, against the step (log y).

    ``lin_gaps``, ``rf_gaps``: ``E[(f - f_model)^2] / E[y^2]`` per step. All three models start at
    ``f = 0``, so the gaps start at exactly 0: those points are left out on the log axis.
    """
    fig = _fig(title or "Distance from the network to each fixed model", "training step",
               "E[(f − f_model)²] / E[y²]", ylog=True)
    steps = _arr(steps)
    for name, ys, color, dash in (("network − linearized model", lin_gaps, COLORS["light"], "dash"),
                                  ("network − RF model", rf_gaps, COLORS["rf"], "solid")):
        y = [] if ys is None else _arr(ys)
        fig.add_trace(go.Scatter(
            x=steps if len(y) else [], y=_positive_or_nan(y) if len(y) else [], name=name, mode="lines",
            line=dict(color=color, width=3, dash=dash), customdata=y,
            hovertemplate="step %{x}<br>%{customdata:.3g}<extra>" + name + "</extra>"))
    rng = _log_range(_positive_or_nan(lin_gaps if lin_gaps is not None else []),
                     _positive_or_nan(rf_gaps if rf_gaps is not None else []))
    if rng is not None:
        fig.update_yaxes(range=rng)
    return _legend_room(fig)


def plot_movement_vs_width(curves: dict, *, colors: dict | None = None, highlight=None, current=None,
                           guide=None, title=None) -> go.Figure:
    """Relative first-layer movement ``|W_t - W_0| / |W_0|`` against the width (log-log).

    ``curves = {label: (widths, movements)}``, one line per output scale (the ``highlight`` label thick);
    ``colors = {label: colour}``; ``current = (width, movement)`` marks the chosen run; ``guide = (widths,
    values)`` is the ``∝ 1/√r`` reference (dotted).
    """
    fig = _fig(title or "The first layer moves less as the width grows", "width r (number of neurons)",
               "first-layer movement  |W − W₀| / |W₀|", xlog=True, ylog=True)
    colors = colors or {}
    ally = []
    for i, (label, (w, m)) in enumerate(curves.items()):
        chosen = label == highlight
        ally.append(_arr(m))
        fig.add_trace(go.Scatter(
            x=_arr(w), y=_arr(m), name=label, mode="lines+markers",
            line=dict(color=colors.get(label, series_color(i)), width=4 if chosen else 1.5),
            marker=dict(size=10 if chosen else 6), opacity=1.0 if chosen else 0.65,
            hovertemplate="width %{x}<br>movement %{y:.3g}<extra>" + label + "</extra>"))
    gx, gy = ([], []) if guide is None else (_arr(guide[0]), _arr(guide[1]))
    fig.add_trace(go.Scatter(
        x=gx, y=gy, name="∝ 1/√r (guide)", mode="lines", line=dict(color=COLORS["theory"], width=1.5, dash="dot"),
        hovertemplate="width %{x:.0f}<br>guide %{y:.3g}<extra>∝ 1/√r</extra>"))
    cx, cy = ([], []) if current is None else ([float(current[0])], [float(current[1])])
    fig.add_trace(go.Scatter(
        x=cx, y=cy, name="chosen run", mode="markers",
        marker=dict(color="black", size=14, symbol="circle-open", line=dict(width=2.5)),
        hovertemplate="width %{x}<br>movement %{y:.3g}<extra>chosen run</extra>"))
    rng = _log_range(*ally, cy, gy)
    if rng is not None:
        fig.update_yaxes(range=[rng[0] - 0.1, rng[1] + 0.1])
    return _legend_room(fig)
