"""Training curves of the single neuron (notebooks 00 and 06): its relative loss against the step
beside random features trained on the same axis, and its weight vector's path towards ``w*``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, _legend_room, series_color

__all__ = ["plot_training", "plot_trajectory", "plot_neuron_losses"]


def plot_training(steps, rf_losses, neuron_losses, *, rf_best=None, title=None) -> go.Figure:
    """Relative error against training step for random features and a trained neuron (log y).

    ``rf_best`` draws the best error any number of steps can reach with these features.
    """
    fig = _fig(title or "Training: random features stall, neuron learns",
               "training step", "relative error  E[(f - y)²] / E[y²]", ylog=True)
    steps = _arr(steps)
    fig.add_trace(go.Scatter(
        x=steps, y=_floor(rf_losses), name="random features (output layer trained)", mode="lines",
        line=dict(color=COLORS["rf"], width=3), customdata=_arr(rf_losses),
        hovertemplate="step %{x}<br>RF error %{customdata:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=steps, y=_floor(neuron_losses), name="single neuron (gradient descent)", mode="lines",
        line=dict(color=COLORS["neuron"], width=3), customdata=_arr(neuron_losses),
        hovertemplate="step %{x}<br>neuron error %{customdata:.4g}<extra></extra>"))
    best = [] if rf_best is None else [float(rf_best)]
    fig.add_trace(go.Scatter(
        x=[0, max(float(steps.max()) if steps.size else 1.0, 1.0)] if best else [], y=best * 2,
        name="best possible with these features", mode="lines",
        line=dict(color=COLORS["rf"], width=1.5, dash="dash"),
        hovertemplate="RF best possible %{y:.4g}<extra></extra>"))
    fig.update_yaxes(range=[-10.5, 0.3])
    return fig


def plot_trajectory(steps, distances, angles, *, title=None) -> go.Figure:
    """The neuron's weights during training: distance ``|w - w*|`` and angle to ``w*`` (degrees)."""
    fig = _fig(title or "The neuron's weight vector approaches w*", "training step", "", height=300)
    steps = _arr(steps)
    fig.add_trace(go.Scatter(
        x=steps, y=_arr(distances), name="distance |w − w*|", mode="lines",
        line=dict(color=COLORS["neuron"], width=2.5),
        hovertemplate="step %{x}<br>|w − w*| = %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=steps, y=np.degrees(_arr(angles)), name="angle to w* (degrees)", mode="lines", yaxis="y2",
        line=dict(color=COLORS["accent"], width=2.5, dash="dash"),
        hovertemplate="step %{x}<br>angle %{y:.3g}°<extra></extra>"))
    fig.update_layout(yaxis=dict(title_text="distance |w − w*|", rangemode="tozero"),
                      yaxis2=dict(title_text="angle (degrees)", overlaying="y", side="right",
                                  rangemode="tozero", showgrid=False))
    fig.update_layout(margin=dict(r=60))
    return fig


def plot_neuron_losses(steps, losses, *, name="this run", train_losses=None, others: dict | None = None,
                       rf=None, rf_best=None, eps=1e-6, title=None) -> go.Figure:
    """Relative loss of a trained neuron against the step (log y), beside other runs and random features.

    ``losses`` (held-out or exact population loss) is drawn thick under ``name``; ``train_losses``
    (training loss on the samples, optional) dotted in the same colour; ``others = {label: (steps,
    losses)}`` thin (the same settings at other ``d``, other sample sizes, ...); ``rf = (steps,
    losses)`` random features trained on the same step axis, dashed, with ``rf_best`` (the best error
    their output weights can reach) as a flat line; ``eps`` a dotted target level. Exact zeros are
    drawn at 1e-16 (the hover keeps the true value).
    """
    fig = _fig(title or "Relative loss during gradient descent", "gradient step",
               "relative loss  E[(f − y)²] / E[y²]", ylog=True)
    top = [1.0]
    for i, (label, (sx, sy)) in enumerate((others or {}).items()):
        sy = _arr(sy)
        top.append(float(np.nanmax(sy)) if sy.size and np.isfinite(sy).any() else 1.0)
        fig.add_trace(go.Scatter(
            x=_arr(sx), y=_floor(sy), name=label, mode="lines", customdata=sy,
            line=dict(color=series_color(i, skip=("rf", "neuron")), width=1.8),
            hovertemplate="step %{x}<br>loss %{customdata:.4g}<extra>" + label + "</extra>"))
    rx, ry = (_arr(rf[0]), _arr(rf[1])) if rf is not None else ([], [])
    fig.add_trace(go.Scatter(
        x=rx, y=_floor(ry) if len(ry) else [], name="random features (output weights by GD)", mode="lines",
        line=dict(color=COLORS["rf"], width=2.5, dash="dash"), customdata=ry,
        hovertemplate="step %{x}<br>RF error %{customdata:.4g}<extra></extra>"))
    steps = _arr(steps)
    span = [0.0, max(float(steps.max()) if steps.size else 1.0, float(rx.max()) if len(rx) else 1.0, 1.0)]
    fig.add_trace(go.Scatter(
        x=span if rf_best is not None else [], y=[float(rf_best)] * 2 if rf_best is not None else [],
        name="RF: best possible with these features", mode="lines",
        line=dict(color=COLORS["rf"], width=1.5, dash="dot"),
        hovertemplate="best RF error %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=span if eps is not None else [], y=[float(eps)] * 2 if eps is not None else [],
        name=f"target {eps:.0e}" if eps is not None else "target", mode="lines",
        line=dict(color="black", width=1, dash="dot"), hovertemplate="target %{y:.1e}<extra></extra>"))
    tl = _arr([] if train_losses is None else train_losses)
    fig.add_trace(go.Scatter(
        x=steps[: len(tl)], y=_floor(tl) if tl.size else [], name="training loss (this run)", mode="lines",
        line=dict(color=COLORS["neuron"], width=1.8, dash="dot"), customdata=tl,
        hovertemplate="step %{x}<br>training loss %{customdata:.4g}<extra></extra>"))
    losses = _arr(losses)
    fig.add_trace(go.Scatter(
        x=steps, y=_floor(losses), name=name, mode="lines+markers" if steps.size <= 60 else "lines",
        line=dict(color=COLORS["neuron"], width=3.5), marker=dict(size=5), customdata=losses,
        hovertemplate="step %{x}<br>loss %{customdata:.4g}<extra>" + name + "</extra>"))
    for a in (losses, tl, ry):
        a = _arr(a)
        if a.size and np.isfinite(a).any():
            top.append(float(np.nanmax(np.where(np.isfinite(a), a, np.nan))))
    fig.update_yaxes(range=[-16.5, np.log10(min(max(top), 1e12)) + 0.3])
    return _legend_room(fig)
