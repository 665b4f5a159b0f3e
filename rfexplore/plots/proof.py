"""The paper's argument, drawn (notebook 07): the zig-zag's RF error against width beside one of its offset
neurons and the chain's bound, the zig-zag as a sum of offset ReLUs with one component picked out, every
component's error, and each feature's correlation with the zig-zag under its bound.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor, _log_range, _positive_or_nan

__all__ = ["plot_chain_vs_width", "plot_decomposition", "plot_component_errors", "plot_feature_correlations"]

_CHOSEN = dict(color="white", size=13, line=dict(color="black", width=2))     # the chosen one, as elsewhere


def plot_chain_vs_width(widths, psi_errors, component_errors, largest_errors, bounds, *, current_width=None,
                        component_label="chosen component", title=None) -> go.Figure:
    """Best RF errors (``L2``, log-log) against width: the zig-zag ``e_ψ``, one component neuron ``e_j``, the
    largest component error ``max_j e_j`` ("worst component"), and the chain's bound ``(e_ψ − tail) / Σ|a_j|``
    on that maximum (drawn where positive). ``current_width=(r, e_psi, e_j)`` marks ``e_ψ`` and ``e_j`` at the
    width ``r`` (their exact values: ``r`` need not be one of ``widths``).
    """
    fig = _fig(title or "RF errors (L2) vs width", "width r", "L2 error √E[(f − y)²]", xlog=True, ylog=True)
    x = _arr(widths)
    series = (("zig-zag ψ", psi_errors, dict(color=COLORS["rf"], width=3)),
              (component_label, component_errors, dict(color=COLORS["neuron"], width=3)),
              ("worst component", largest_errors, dict(color=COLORS["accent"], width=2, dash="dash")),
              ("chain bound", bounds, dict(color=COLORS["theory"], width=2, dash="dot")))
    for name, y, line in series:
        y = _arr(y)
        fig.add_trace(go.Scatter(
            x=x, y=_positive_or_nan(y), name=name, mode="lines", line=line, customdata=y,
            hovertemplate="width %{x}<br>%{customdata:.4g}<extra>" + name + "</extra>"))
    cx, cy = [], []
    if current_width is not None:
        r, e_psi, e_j = current_width
        cx, cy = [float(r)] * 2, [float(e_psi), float(e_j)]
    fig.add_trace(go.Scatter(
        x=cx, y=_floor(cy).tolist() if cy else [], name="current width", mode="markers", marker=_CHOSEN,
        customdata=cy, hovertemplate="width %{x}<br>error %{customdata:.4g}<extra></extra>"))
    rng = _log_range(_positive_or_nan(bounds), psi_errors, component_errors, largest_errors)
    if rng is not None:
        fig.update_yaxes(range=rng)
    if x.size:
        fig.update_xaxes(range=[0.0, float(np.log10(x.max())) + 0.05])
    return fig


def plot_decomposition(z, tri, decomposed, chosen, *, T, period, density_z=None, density=None,
                       chosen_label="chosen component", title=None) -> go.Figure:
    """``tri(z)`` and the sum of its offset ReLUs against ``z = <w*, x>``, one component ``a_j [±(z − b_j)]₊``
    picked out, the range ``|z| <= T`` where the sum is exact shaded, and (optional) the density of ``z``
    scaled to the wave's height. All inputs are values at the points ``z`` (straight lines between them)."""
    fig = _fig(title or "tri(z) = Σ aⱼ [±(z − bⱼ)]₊ on |z| ≤ T", "z = ⟨w*, x⟩", "value")
    z = _arr(z)
    p = float(period)
    fig.add_vrect(x0=-float(T), x1=float(T), fillcolor="#888888", opacity=0.12, line_width=0)
    dz, dv = ([], []) if density is None else (_arr(density_z), _arr(density))
    fig.add_trace(go.Scatter(
        x=dz, y=dv, name="density of z (scaled)", mode="lines", fill="tozeroy",
        line=dict(color=COLORS["light"], width=1), hovertemplate="z = %{x:.3g}<extra>density of z</extra>"))
    fig.add_trace(go.Scatter(
        x=z, y=_arr(tri), name="tri(z)", mode="lines", line=dict(color=COLORS["rf"], width=5),
        hovertemplate="z = %{x:.4g}<br>tri %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=z, y=_arr(decomposed), name="sum of the components", mode="lines",
        line=dict(color="black", width=2, dash="dash"),
        hovertemplate="z = %{x:.4g}<br>sum %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=z, y=_arr(chosen), name=chosen_label, mode="lines", line=dict(color=COLORS["neuron"], width=3),
        hovertemplate="z = %{x:.4g}<br>%{y:.4g}<extra>" + chosen_label + "</extra>"))
    fig.update_yaxes(range=[-0.55 * p, 0.55 * p])
    if z.size:
        fig.update_xaxes(range=[float(z.min()), float(z.max())])
    return fig


def plot_component_errors(kinks, errors, relative, mirrored, *, chosen=None, bound=None, title=None) -> go.Figure:
    """Every component's best RF error at one width against its kink ``b_j`` (``L2``, log y; relative to
    ``E[n_j²]`` on the right axis): circles ``[⟨w*,x⟩ − b]₊``, diamonds the mirrored ``[−⟨w*,x⟩ − b]₊``
    (``mirrored`` a boolean per component), ``chosen`` the index marked, ``bound`` the chain's bound."""
    fig = _fig(title or "Each component's RF error", "kink bⱼ of the component (on the z axis)", "L2 error",
               ylog=True)
    x, e, rel, m = _arr(kinks), _arr(errors), _arr(relative), np.asarray(mirrored, dtype=bool)
    for name, keep, symbol in (("[⟨w*,x⟩ − b]₊", ~m, "circle"), ("mirror [−⟨w*,x⟩ − b]₊", m, "diamond")):
        fig.add_trace(go.Scatter(
            x=x[keep], y=_floor(e[keep]), name=name, mode="markers", customdata=e[keep],
            marker=dict(color=COLORS["neuron"], size=9, symbol=symbol),
            hovertemplate="kink %{x:.4g}<br>L2 error %{customdata:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=rel, name="relative (right axis)", mode="markers", yaxis="y2",
        marker=dict(color=COLORS["accent"], size=7, symbol="x-thin-open", line=dict(width=2)),
        hovertemplate="kink %{x:.4g}<br>relative error %{y:.4g}<extra></extra>"))
    bx = [float(x.min()), float(x.max())] if bound is not None and bound > 0 and x.size else []
    fig.add_trace(go.Scatter(
        x=bx, y=[float(bound)] * len(bx), name="chain bound", mode="lines",
        line=dict(color=COLORS["theory"], width=2, dash="dot"),
        hovertemplate="bound on the largest: %{y:.4g}<extra></extra>"))
    cx = [] if chosen is None else [float(x[chosen])]
    fig.add_trace(go.Scatter(
        x=cx, y=[float(_floor(e[chosen:chosen + 1])[0])] if cx else [], name="chosen component", mode="markers",
        marker=_CHOSEN, hovertemplate="kink %{x:.4g}<br>chosen<extra></extra>"))
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", range=[0.0, 1.05], title_text="relative error",
                                  showgrid=False, tickmode="linear", tick0=0.0, dtick=0.25))
    rng = _log_range(e, [bound] if bound is not None and bound > 0 else [])
    if rng is not None:
        fig.update_layout(yaxis_range=rng)
    return fig


def plot_feature_correlations(angles, correlations, bound_angles, bound, *, title=None) -> go.Figure:
    """``|corr|`` of each feature of the pool with the zig-zag against its angle to ``w*`` (degrees, log y), and
    the bound ``≈ exp(−2π² |w*|² sin²θ / p²)`` on the correlation of *every* function of ``<w, x>``."""
    fig = _fig(title or "Feature correlations with ψ", "angle θ between wᵢ and w* (degrees)", "|correlation|",
               ylog=True)
    corr = np.abs(_arr(correlations))
    fig.add_trace(go.Scatter(
        x=_arr(angles), y=_floor(corr), name="features of the pool", mode="markers", customdata=corr,
        marker=dict(color=COLORS["rf"], size=5, opacity=0.7),
        hovertemplate="angle %{x:.1f}°<br>|corr| %{customdata:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=_arr(bound_angles), y=_floor(bound), name="bound for any f(⟨w,x⟩)", mode="lines",
        line=dict(color=COLORS["theory"], width=2, dash="dash"),
        hovertemplate="angle %{x:.1f}°<br>bound %{y:.3g}<extra></extra>"))
    fig.update_xaxes(range=[0.0, 180.0], dtick=30)
    fig.update_yaxes(range=[-16.0, 0.1])
    return fig
