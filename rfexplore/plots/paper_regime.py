"""The paper's regime (notebook 03): the network ``sum_i u_i relu(<w_i,x> + b_i)`` trained with a small
first-layer rate beside the RF model over its initial features, and how the distance between them grows
with the rate.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, _legend_room, _log_range, series_color

__all__ = ["plot_paper_regime", "plot_rate_sweep"]


def plot_paper_regime(networks: dict, rf, *, rf_best=None, title=None) -> go.Figure:
    """Relative error against the training step (log-log, from step 1): networks beside the RF model.

    ``networks = {label: errors}``, one history per first-layer rate (entry ``t`` after ``t`` steps); ``rf``:
    the RF model's history over the initial features (it may run longer than the networks); ``rf_best``: the
    exact best RF error over those features (dotted). Step 0 (error 1 for every model) is left out of the log axis.
    """
    fig = _fig(title or "Paper's regime: the network beside RF",
               "training step", "relative error  E[(N − y)²] / E[y²]", xlog=True, ylog=True)
    rf = _arr(rf)
    fig.add_trace(go.Scatter(x=list(range(1, len(rf))), y=_floor(rf[1:]), name="RF model (first layer frozen)",
                             mode="lines", line=dict(color=COLORS["rf"], width=6), customdata=rf[1:],
                             hovertemplate="step %{x}<br>error %{customdata:.4g}<extra>RF model</extra>"))
    ys = [rf]
    for i, (label, errors) in enumerate(networks.items()):
        y = _arr(errors)
        ys.append(y)
        fig.add_trace(go.Scatter(x=list(range(1, len(y))), y=_floor(y[1:]), name=label, mode="lines",
                                 line=dict(color=series_color(i, skip=("rf",)), width=2.5, dash="dash" if i % 2 else
                                           "solid"), customdata=y[1:],
                                 hovertemplate="step %{x}<br>error %{customdata:.4g}<extra>" + label + "</extra>"))
    best = [] if rf_best is None else [float(rf_best)] * 2
    fig.add_trace(go.Scatter(x=[1.0, float(max(len(y) for y in ys) - 1)] if best else [], y=best,
                             name="best RF fit over the initial features", mode="lines",
                             line=dict(color=COLORS["rf"], width=1.5, dash="dot"),
                             hovertemplate="best RF error %{y:.4g}<extra></extra>"))
    rng = _log_range(*[y[1:] for y in ys], best, top=1.1)
    if rng is not None:
        fig.update_yaxes(range=rng)
    return _legend_room(fig)


def plot_rate_sweep(rates, movements, gaps, *, title=None) -> go.Figure:
    """First-layer movement and the largest network-RF distance against the first-layer rate (log-log).

    ``rates``: positive first-layer rates; ``movements``: final ``|(W,b) - (W_0,b_0)| / |(W_0,b_0)|``; ``gaps``:
    the largest ``E[(N - N_rf)^2] / E[y^2]`` over the run, one per rate.
    """
    fig = _fig(title or "Smaller first-layer rate: closer to RF",
               "first-layer rate (its step / the output layer's)", "movement  ·  distance to RF", xlog=True,
               ylog=True)
    rates = _arr(rates)
    for name, ys, color, symbol in (("first-layer movement |(W,b) − (W₀,b₀)| / |(W₀,b₀)|", movements,
                                     COLORS["network"], "circle"),
                                    ("largest distance E[(N − N_RF)²] / E[y²]", gaps, COLORS["rf"], "square")):
        y = _arr(ys)
        fig.add_trace(go.Scatter(x=rates, y=_floor(y), name=name, mode="lines+markers",
                                 line=dict(color=color, width=2.5), marker=dict(symbol=symbol, size=9),
                                 customdata=y, hovertemplate="rate %{x:g}<br>%{customdata:.3g}<extra></extra>"))
    rng = _log_range(movements, gaps)
    if rng is not None:
        fig.update_yaxes(range=rng)
    return _legend_room(fig)
