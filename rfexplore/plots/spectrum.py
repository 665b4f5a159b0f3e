"""Why the width curve plateaus (notebook 05): the ReLU's energy per Hermite / spherical-harmonic
degree, and the exact RF error against width with the predicted staircase.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import COLORS, _arr, _fig, _floor

__all__ = ["plot_energy_per_degree", "plot_staircase"]


def plot_energy_per_degree(degrees, energies, *, sphere_energies=None, d=None, title=None) -> go.Figure:
    """Share of the ReLU's energy ``E[relu²]`` in each degree (bars, log y).

    ``energies[k] = a_k² / E[relu(z)²]`` from the Hermite coefficients (the ``d → ∞`` limit);
    ``sphere_energies`` (optional) the same shares for spherical harmonics in dimension ``d``.
    Degrees with no energy (odd ``k ≥ 3``) have no bar; the hover text gives every exact value.
    """
    fig = _fig(title or "Where the ReLU's energy sits: share per degree", "degree k",
               "share of E[relu²]", ylog=True, height=340)
    # plain lists (not numpy's base64 blocks); no bar (None, not NaN: JSON has no NaN) for zero energy
    degrees, energies = _arr(degrees).tolist(), _arr(energies).tolist()
    fig.add_trace(go.Bar(
        x=degrees, y=[e if e > 1e-15 else None for e in energies], name="Hermite (d → ∞)",
        marker_color=COLORS["theory"], customdata=energies,
        hovertemplate="degree %{x}<br>a_k² / E[relu²] = %{customdata:.4g}<extra>Hermite (d → ∞)</extra>"))
    sph = [] if sphere_energies is None else _arr(sphere_energies).tolist()
    label = "spherical harmonics" + ("" if d is None else f", d = {d}")
    fig.add_trace(go.Bar(
        x=degrees if sph else [], y=[e if e > 1e-15 else None for e in sph],
        name="spherical harmonics, dimension d", marker_color=COLORS["rf"], customdata=sph,
        hovertemplate="degree %{x}<br>share %{customdata:.4g}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[-4.3, 0.05])
    return fig


def plot_staircase(widths, errors, *, d, staircase, limit_levels=None, title=None) -> go.Figure:
    """Exact RF error against width (log-log) with the predicted staircase.

    ``staircase = (step_widths, levels, degrees)`` from :func:`rfexplore.gaussian.rf_staircase`: after
    about ``step_widths[j]`` features the error can fall to ``levels[j]`` (degrees ``<= degrees[j]``
    captured). ``limit_levels`` (optional, same length) are the ``d → ∞`` Hermite levels, drawn at the
    same steps. Steps beyond the largest width are left out.
    """
    fig = _fig(title or f"Staircase: exact RF error vs width (d = {d})",
               "width r (number of random features)", "relative error", xlog=True, ylog=True)
    widths, errors = _arr(widths), _arr(errors)
    xmax = float(widths.max()) if widths.size else 1.0
    fig.add_trace(go.Scatter(
        x=widths.tolist(), y=_floor(errors).tolist(), name="RF error (exact, best output weights)", mode="lines",
        line=dict(color=COLORS["rf"], width=3), customdata=errors.tolist(),
        hovertemplate="width %{x}<br>error %{customdata:.4g}<extra></extra>"))
    sw, levels, degs = (_arr(a) for a in staircase)
    keep = sw <= xmax
    sx = list(sw[keep]) + ([xmax] if keep.any() else [])
    lines = (("plateaus, dimension d", levels, dict(color=COLORS["theory"], width=2)),
             ("plateaus, d → ∞", limit_levels,
              dict(color=COLORS["neuron"], width=1.5, dash="dot")))
    for name, lv, style in lines:
        ly = [] if lv is None or not keep.any() else list(_arr(lv)[keep]) + [float(_arr(lv)[keep][-1])]
        fig.add_trace(go.Scatter(
            x=sx if ly else [], y=ly, name=name, mode="lines", line=dict(shape="hv", **style),
            hovertemplate="width ≥ %{x}<br>level %{y:.4g}<extra>" + name + "</extra>"))
    fig.add_trace(go.Scatter(
        x=sw[keep].tolist(), y=levels[keep].tolist(), name="steps", mode="markers+text",
        marker=dict(color=COLORS["theory"], size=8, symbol="line-ns-open", line=dict(width=2)),
        text=[f"l≤{int(k)}" for k in degs[keep]], textposition="top right", customdata=degs[keep].tolist(),
        hovertemplate="degree ≤ %{customdata} spanned at about r = %{x}<br>level %{y:.4g}<extra></extra>"))
    lo = min([float(errors.min()) if errors.size else 1.0] + list(levels[keep]))
    fig.update_yaxes(range=[np.log10(max(lo, 1e-6)) - 0.3, 0.05])
    fig.update_xaxes(range=[0.0, np.log10(xmax) + 0.08])
    fig.update_layout(margin=dict(t=90))                      # room for a two-line legend
    return fig
