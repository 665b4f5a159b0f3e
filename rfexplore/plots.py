"""Plotly figure builders: plain data in, ``go.Figure`` out.

Builders never show a figure and never compute mathematics: callers pass curves computed by
``rfexplore.fit`` / ``rfexplore.train``. Traces carry stable ``name``s so that dashboards can find
and update them in place. Colours are the Okabe–Ito palette (safe for colour-blind readers).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "COLORS",
    "plot_training",
    "plot_width_curve",
    "plot_magnitudes",
    "plot_trajectory",
    "plot_error_vs_d",
    "trace_index",
]

# Okabe & Ito (2008), colour-universal design
COLORS = {
    "rf": "#D55E00",          # vermillion: random features
    "neuron": "#0072B2",      # blue: the trained neuron
    "theory": "#555555",      # grey: closed-form predictions
    "budget": "#CC79A7",      # reddish purple: magnitude budget
    "network": "#009E73",     # bluish green: two-layer network
    "accent": "#E69F00",      # orange
    "light": "#56B4E9",       # sky blue
}

# A small white template: plotly's own "plotly_white" carries defaults for every trace type and
# costs ~50 ms of deep copies per figure, which every dashboard update would pay.
_GRID = dict(gridcolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2, automargin=True)
_TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", xaxis=_GRID, yaxis=_GRID, font=dict(color="#2a3f5f"),
    colorway=list(COLORS.values()), hoverlabel=dict(align="left")))

_LAYOUT = dict(
    template=_TEMPLATE,
    font=dict(size=13),
    margin=dict(l=70, r=20, t=100, b=55),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0),
    hovermode="closest",
)


def _fig(title, xtitle, ytitle, *, xlog=False, ylog=False, height=380):
    title = dict(text=title, x=0.0, xanchor="left", y=0.985, yanchor="top")
    fig = go.Figure(layout=dict(title=title, height=height, **_LAYOUT))
    fig.update_xaxes(title_text=xtitle, type="log" if xlog else "linear", showline=True, mirror=True,
                     linecolor="#888")
    fig.update_yaxes(title_text=ytitle, type="log" if ylog else "linear", showline=True, mirror=True,
                     linecolor="#888", exponentformat="power")
    return fig


def trace_index(fig, name: str) -> int:
    """Index of the trace called ``name`` (dashboards update traces by name)."""
    for i, tr in enumerate(fig.data):
        if tr.name == name:
            return i
    raise KeyError(f"no trace named {name!r}; traces are {[t.name for t in fig.data]}")


def _arr(x):
    return np.asarray(x, dtype=float)


def _floor(y, floor=1e-16):
    """Log axes cannot show 0: plot exact zeros at ``floor`` (the hover text keeps the true value)."""
    y = _arr(y)
    return np.where(y > floor, y, floor)


def plot_training(steps, rf_losses, neuron_losses, *, rf_best=None, title=None) -> go.Figure:
    """Relative error against training step for random features and a trained neuron (log y).

    ``rf_best`` draws the best error any number of steps can reach with these features.
    """
    fig = _fig(title or "Training: random features stall, the neuron learns",
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


def plot_error_vs_d(ds, errors_by_width: dict, *, title=None) -> go.Figure:
    """RF error against input dimension ``d``, one line per fixed width (``{width: errors}``)."""
    fig = _fig(title or "At a fixed width, random features get worse as d grows", "input dimension d",
               "relative error", xlog=True, ylog=True)
    palette = [COLORS["rf"], COLORS["accent"], COLORS["network"], COLORS["light"], COLORS["budget"]]
    for i, (width, errs) in enumerate(errors_by_width.items()):
        fig.add_trace(go.Scatter(
            x=_arr(ds), y=_floor(errs), name=f"width r = {width}", mode="lines+markers",
            line=dict(color=palette[i % len(palette)], width=2.5),
            hovertemplate="d = %{x}<br>error %{y:.4g}<extra>" + f"r = {width}" + "</extra>"))
    return fig


# ------------------------------------------------------------------- low-degree polynomials (notebook 02)

# one colour per polynomial degree k = 1, 2, 3, 4, 5
DEGREE_COLORS = (COLORS["light"], COLORS["network"], COLORS["rf"], COLORS["neuron"], COLORS["accent"])


def _degree_color(k) -> str:
    return DEGREE_COLORS[(int(k) - 1) % len(DEGREE_COLORS)]


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
    palette = [COLORS["rf"], COLORS["neuron"], COLORS["network"], COLORS["accent"], COLORS["light"]]
    xmax = 1.0
    for i, (name, (widths, errors)) in enumerate(curves.items()):
        widths, errors = _arr(widths), _arr(errors)
        xmax = max(xmax, float(widths.max()) if widths.size else 1.0)
        fig.add_trace(go.Scatter(
            x=widths, y=errors, name=name, mode="lines", line=dict(color=palette[i % len(palette)], width=3),
            hovertemplate="width %{x}<br>error %{y:.4g}<extra>" + name + "</extra>"))
    for i, (name, width) in enumerate((counts or {}).items()):
        color = palette[i % len(palette)] if len(counts) <= len(curves) else COLORS["theory"]
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
    fig = _fig(title or f"Width needed for error {eps:g} tracks the number of degree-k directions",
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


__all__ += ["DEGREE_COLORS", "plot_error_curves", "plot_width_needed", "plot_magnitude_vs_d"]


# ------------------------------------------------------------- Hermite spectrum, staircase (notebook 05)


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
    fig = _fig(title or f"The staircase: exact RF error vs width (d = {d})",
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


__all__ += ["plot_energy_per_degree", "plot_staircase"]


# --------------------------------------------------------------------------- features, kernel (notebook 01)

_SERIES = ("rf", "neuron", "network", "accent", "light", "budget")


def _series_color(i: int) -> str:
    return COLORS[_SERIES[i % len(_SERIES)]]


def _legend_room(fig):
    """Room above the plot for a legend that wraps onto two or three rows in a narrow dashboard column."""
    fig.update_layout(height=420, margin=dict(t=110))
    return fig


def plot_features_1d(x, features, *, weights=None, biases=None, title=None) -> go.Figure:
    """A few random ReLU features ``relu(w x + b)`` on an interval: ``features`` has shape ``(len(x), k)``.

    ``weights``/``biases`` (length ``k``) go into the hover text, with the kink at ``x = -b / w``.
    """
    fig = _fig(title or "Random ReLU features relu(w·x + b) in one dimension", "input x", "feature value")
    x, F = _arr(x), np.atleast_2d(_arr(features).T).T
    for i in range(F.shape[1]):
        hover = f"feature {i + 1}"
        if weights is not None:
            w = float(np.ravel(weights)[i])
            b = 0.0 if biases is None else float(np.ravel(biases)[i])
            kink = f"{-b / w:.3g}" if w != 0 else "none"
            hover += f": w = {w:.3g}, b = {b:.3g}, kink at x = {kink}"
        fig.add_trace(go.Scatter(
            x=x, y=F[:, i], name=f"feature {i + 1}", mode="lines",
            line=dict(color=_series_color(i), width=2.5),
            hovertemplate=hover + "<br>x = %{x:.3g}<br>value %{y:.4g}<extra></extra>"))
    fig.update_layout(showlegend=False)
    return fig


def plot_features_2d(grid, values, weights, *, title=None) -> go.Figure:
    """Heat maps of bias-free features ``relu(<w, x>)`` over the plane, one panel per feature.

    ``grid`` is the 1-D coordinate of both axes, ``values[j]`` the ``(len(grid), len(grid))`` values of
    feature ``j`` (rows: second coordinate), ``weights`` the ``(k, 2)`` vectors ``w``, drawn as arrows;
    the dashed line ``<w, x> = 0`` is where the feature switches on.
    """
    from plotly.subplots import make_subplots

    W = np.atleast_2d(_arr(weights))
    k, g = len(W), _arr(grid)
    fig = make_subplots(rows=1, cols=k, horizontal_spacing=0.08,
                        subplot_titles=[f"w = ({w[0]:.2f}, {w[1]:.2f})" for w in W])
    zmax = max(float(np.max(v)) for v in values)
    for j, (w, z) in enumerate(zip(W, values, strict=True)):
        fig.add_trace(go.Heatmap(
            x=g, y=g, z=_arr(z), name=f"feature {j + 1}", colorscale="Cividis", zmin=0.0, zmax=zmax,
            showscale=j == k - 1, colorbar=dict(title="relu(<w,x>)"),
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>relu(<w,x>) = %{z:.3f}<extra></extra>"),
            row=1, col=j + 1)
        # the line <w, x> = 0 through the origin, perpendicular to w, clipped to the square
        p = np.array([-w[1], w[0]]) / (np.linalg.norm(w) or 1.0) * g.max() * 1.5
        fig.add_trace(go.Scatter(
            x=[-p[0], p[0]], y=[-p[1], p[1]], name=f"switch-on line {j + 1}", mode="lines",
            line=dict(color="white", width=2, dash="dash"), hoverinfo="skip", showlegend=False),
            row=1, col=j + 1)
        fig.add_trace(go.Scatter(
            x=[0.0, w[0]], y=[0.0, w[1]], name=f"w {j + 1}", mode="lines+markers", showlegend=False,
            line=dict(color=COLORS["rf"], width=3), marker=dict(symbol=["circle", "arrow"], size=[6, 14],
                                                                angleref="previous", color=COLORS["rf"]),
            hovertemplate=f"w = ({w[0]:.3f}, {w[1]:.3f})<extra></extra>"), row=1, col=j + 1)
        fig.update_xaxes(range=[g.min(), g.max()], title_text="x₁", row=1, col=j + 1)
        fig.update_yaxes(range=[g.min(), g.max()], scaleanchor=f"x{j + 1 if j else ''}", row=1, col=j + 1)
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    fig.update_layout(template="plotly_white", font=dict(size=13), height=360, showlegend=False,
                      margin=dict(l=60, r=20, t=80, b=50),
                      title=dict(text=title or "Bias-free ReLU features relu(<w, x>) on the plane: zero on "
                                 "one side of a line, a ramp along w on the other", x=0.0, xanchor="left"))
    return fig


def plot_fit_1d(x, target, fits: dict, *, samples=None, title=None, yrange=None) -> go.Figure:
    """A target function of one input and fitted random-features models (``{name: values on x}``).

    ``samples = (xs, ys)`` draws the training points. ``yrange`` fixes the vertical axis, so that
    a wild fit does not rescale the picture.
    """
    fig = _fig(title or "Random features fit a function of one input", "input x", "output")
    x = _arr(x)
    fig.add_trace(go.Scatter(
        x=x, y=_arr(target), name="target", mode="lines", line=dict(color="black", width=3),
        hovertemplate="x = %{x:.3g}<br>target %{y:.4g}<extra></extra>"))
    for i, (name, y) in enumerate(fits.items()):
        fig.add_trace(go.Scatter(
            x=x, y=_arr(y), name=name, mode="lines", line=dict(color=_series_color(i), width=2.5,
                                                               dash="solid" if i == 0 else "dash"),
            hovertemplate="x = %{x:.3g}<br>" + name + " %{y:.4g}<extra></extra>"))
    xs, ys = ([], []) if samples is None else (_arr(samples[0]), _arr(samples[1]))
    fig.add_trace(go.Scatter(
        x=xs, y=ys, name="training samples", mode="markers",
        marker=dict(color="white", size=7, line=dict(color="black", width=1.2)),
        hovertemplate="sample x = %{x:.3g}<br>y = %{y:.4g}<extra></extra>"))
    if yrange is not None:
        fig.update_yaxes(range=list(yrange))
    fig.update_xaxes(range=[float(x.min()), float(x.max())] if x.size else None)
    return _legend_room(fig)


def plot_fit_errors(widths, errors, *, current_width=None, current_error=None, sample_test=None,
                    sample_train=None, n=None, title=None) -> go.Figure:
    """Exact population error against width (log-log), with the sample fit at the current width.

    ``sample_test``/``sample_train``: relative errors of least squares on ``n`` samples at
    ``current_width``, on fresh test inputs and on the training inputs.
    """
    fig = _fig(title or "Error against width: exact, and from samples", "width r (number of random features)",
               "relative error  E[(f − y)²] / E[y²]", xlog=True, ylog=True)
    widths, errors = _arr(widths), _arr(errors)
    fig.add_trace(go.Scatter(
        x=widths, y=_floor(errors), name="exact error, best output weights", mode="lines",
        line=dict(color=COLORS["rf"], width=3), customdata=errors,
        hovertemplate="width %{x}<br>exact error %{customdata:.4g}<extra></extra>"))
    cx = [] if current_width is None else [float(current_width)]
    for name, val, sym, col in (("current width", current_error, "circle", COLORS["rf"]),
                                ("sample fit: test error", sample_test, "diamond", COLORS["neuron"]),
                                ("sample fit: training error", sample_train, "triangle-down",
                                 COLORS["accent"])):
        ys = [] if val is None or not cx else [float(val)]
        fig.add_trace(go.Scatter(
            x=cx if ys else [], y=list(_floor(ys)) if ys else [], name=name, mode="markers", customdata=ys,
            marker=dict(color=col, size=13, symbol=sym, line=dict(color="black", width=1.2)),
            hovertemplate="width %{x}<br>" + name + " %{customdata:.4g}<extra></extra>"))
    if n is not None and title is None:
        fig.update_layout(title_text=f"Error vs width: exact, and from n = {n} samples")
    return _legend_room(fig)


def plot_kernel_slice(x, empirical, limit, *, x0, width, title=None) -> go.Figure:
    """The kernel ``k(x, x0)`` as a function of ``x``: ``width`` random features against the limit."""
    fig = _fig(title or f"Kernel k(x, x₀ = {x0:g}): {width} random features vs infinitely many",
               "input x", f"k(x, {x0:g})")
    x = _arr(x)
    fig.add_trace(go.Scatter(
        x=x, y=_arr(limit), name="limit (infinitely many features)", mode="lines",
        line=dict(color="black", width=3), hovertemplate="x = %{x:.3g}<br>limit %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=_arr(empirical), name="average over r random features", mode="lines",
        line=dict(color=COLORS["rf"], width=2.5),
        hovertemplate="x = %{x:.3g}<br>with r features %{y:.4g}<extra></extra>"))
    fig.add_vline(x=float(x0), line=dict(color=COLORS["theory"], width=1, dash="dot"))
    return _legend_room(fig)


def plot_kernel_errors(widths, errors, *, runs=None, reference=None, current_width=None, current_error=None,
                       title=None) -> go.Figure:
    """Distance of the empirical kernel from its limit against width (log-log).

    ``runs`` (shape ``(k, len(widths))``) draws individual seeds thinly; ``reference`` is a guide line
    (e.g. ``c / sqrt(r)``) evaluated at ``widths``.
    """
    fig = _fig(title or "The kernel of r random features converges like 1/√r",
               "width r (number of random features)", "kernel error (root-mean-square over pairs)",
               xlog=True, ylog=True)
    widths = _arr(widths)
    rx, ry = [], []
    if runs is not None:
        for run in np.atleast_2d(_arr(runs)):
            rx += list(widths) + [None]
            ry += list(_floor(run)) + [None]
    fig.add_trace(go.Scatter(
        x=rx, y=ry, name="individual seeds", mode="lines", line=dict(color=COLORS["light"], width=1),
        opacity=0.7, hovertemplate="width %{x}<br>error %{y:.4g}<extra>one seed</extra>"))
    fig.add_trace(go.Scatter(
        x=widths, y=_floor(errors), name="kernel error", mode="lines",
        line=dict(color=COLORS["rf"], width=3),
        hovertemplate="width %{x}<br>kernel error %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=widths if reference is not None else [], y=_arr(reference) if reference is not None else [],
        name="slope −1/2:  c / √r", mode="lines", line=dict(color=COLORS["theory"], width=1.5, dash="dash"),
        hovertemplate="width %{x}<br>c/√r = %{y:.4g}<extra></extra>"))
    cx = [] if current_width is None or current_error is None else [float(current_width)]
    fig.add_trace(go.Scatter(
        x=cx, y=[float(current_error)] if cx else [], name="current width", mode="markers",
        marker=dict(color=COLORS["rf"], size=13, line=dict(color="black", width=1.5)),
        hovertemplate="width %{x}<br>kernel error %{y:.4g}<extra></extra>"))
    return _legend_room(fig)


def plot_sample_errors(ns, train, test, exact, *, width, guide=None, title=None) -> go.Figure:
    """Least squares on ``n`` samples against the exact population fit, as ``n`` grows (log-log).

    ``guide = (lower, upper)`` draws a rule of thumb, e.g. ``exact * (1 -+ r / n)``.
    """
    fig = _fig(title or f"Fitting {width} features from n samples approaches the exact fit",
               "number of training samples n", "relative error", xlog=True, ylog=True)
    ns = _arr(ns)
    fig.add_trace(go.Scatter(
        x=[float(ns.min()), float(ns.max())] if ns.size else [], y=[float(exact)] * 2 if ns.size else [],
        name="exact population error", mode="lines", line=dict(color="black", width=2.5),
        hovertemplate="exact %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=ns, y=_floor(test), name="test error (fresh samples)", mode="lines+markers",
        line=dict(color=COLORS["neuron"], width=2.5), marker=dict(size=8, symbol="diamond"),
        hovertemplate="n = %{x}<br>test error %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=ns, y=_floor(train), name="training error", mode="lines+markers",
        line=dict(color=COLORS["accent"], width=2.5), marker=dict(size=8, symbol="triangle-down"),
        hovertemplate="n = %{x}<br>training error %{y:.4g}<extra></extra>"))
    gx, gy = [], []
    if guide is not None:
        for g in guide:
            gx += list(ns) + [None]
            gy += [float(v) if v > 0 else None for v in _arr(g)] + [None]   # log axis: gaps, not zeros
    fig.add_trace(go.Scatter(
        x=gx, y=gy, name="rule of thumb: exact × (1 ± r/n)", mode="lines",
        line=dict(color=COLORS["theory"], width=1.5, dash="dot"),
        hovertemplate="n = %{x}<br>%{y:.4g}<extra>rule of thumb</extra>"))
    return _legend_room(fig)


__all__ += ["plot_features_1d", "plot_features_2d", "plot_fit_1d", "plot_fit_errors", "plot_kernel_slice",
            "plot_kernel_errors", "plot_sample_errors"]


# ------------------------------------------------------------------- the limitation (notebook 04)

_LIMIT_PALETTE = (COLORS["rf"], COLORS["accent"], COLORS["network"], COLORS["light"], COLORS["budget"],
                  COLORS["neuron"])


def _nan_none(values):
    """``None`` (not reached) -> NaN, so a line simply stops there."""
    return np.array([np.nan if v is None else float(v) for v in values])


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


def plot_width_needed_vs_d(ds, needed_by_eps: dict, *, current_eps=None, guides: dict | None = None,
                           pool=None, current_d=None, title=None) -> go.Figure:
    """Width needed to reach error ``eps`` against ``d`` (log-log), one line per ``eps``.

    ``needed_by_eps = {eps: widths per d}`` (``None``: not reached within the pool, the line stops);
    the line for ``current_eps`` is drawn thick. ``guides = {label: (ds, widths)}`` are dotted
    reference powers (e.g. ``∝ d²``, ``∝ d⁴``); ``pool`` draws the largest width computed.
    """
    fig = _fig(title or "Width needed for accuracy ε: the power of d grows as ε shrinks",
               "input dimension d", "width needed (first r with error ≤ ε)", xlog=True, ylog=True)
    ds = _arr(ds)
    for i, (eps, needed) in enumerate(needed_by_eps.items()):
        chosen = current_eps is not None and float(eps) == float(current_eps)
        fig.add_trace(go.Scatter(
            x=ds, y=_nan_none(needed), name=f"error ≤ {eps:g}", mode="lines+markers",
            line=dict(color=_LIMIT_PALETTE[i % len(_LIMIT_PALETTE)], width=4 if chosen else 1.5),
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


def plot_budget_curves(budgets, errors_by_d: dict, *, free_errors: dict | None = None, width=None,
                       current_budget=None, title=None) -> go.Figure:
    """Best RF error under the budget ``r · max|uᵢ| <= M`` against ``M`` (log x), one line per ``d``.

    ``errors_by_d = {d: errors per budget}``; ``free_errors = {d: error with no budget}`` is drawn
    dashed in the same colour; ``current_budget`` a vertical line.
    """
    w = "" if width is None else f" (width r = {int(width)})"
    fig = _fig(title or f"A budget on the output weights puts a floor under the error{w}",
               "budget M on r · max |uᵢ|", "relative error", xlog=True)
    budgets = _arr(budgets)
    span = [float(budgets.min()), float(budgets.max())] if budgets.size else []
    for i, (d, errs) in enumerate(errors_by_d.items()):
        color = _LIMIT_PALETTE[i % len(_LIMIT_PALETTE)]
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
            line=dict(color=_LIMIT_PALETTE[i % len(_LIMIT_PALETTE)], width=2.5), marker=dict(size=5),
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
    fig = _fig(title or "A steeper neuron: same relative error, far larger absolute error",
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
    fig = _fig(title or "A periodic target is almost orthogonal to every random feature",
               "angle between the feature w and w* (degrees)", "|correlation| with the target", ylog=True)
    x = _arr(angles_deg)
    pairs = zip(correlations.items(), envelopes.items(), strict=True)
    for i, ((label, corr), (elabel, env)) in enumerate(pairs):
        color = _LIMIT_PALETTE[i % len(_LIMIT_PALETTE)]
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
    fig = _fig(title or "Random features lose a periodic target as |w*| grows", "target norm |w*|",
               "relative error", xlog=True)
    for i, (width, errs) in enumerate(errors_by_width.items()):
        fig.add_trace(go.Scatter(
            x=_arr(norms), y=_arr(errs), name=f"width r = {width}", mode="lines+markers",
            line=dict(color=_LIMIT_PALETTE[i % len(_LIMIT_PALETTE)], width=2.5),
            hovertemplate="|w*| = %{x:.3g}<br>error %{y:.4g}<extra>" + f"r = {width}" + "</extra>"))
    fig.update_yaxes(range=[0.0, 1.05])
    return fig


__all__ += ["plot_error_vs_d_at_widths", "plot_width_needed_vs_d", "plot_budget_curves",
            "plot_magnitude_vs_error", "plot_steep_neuron", "plot_periodic_correlation", "plot_error_vs_norm"]


# ------------------------------------------------------------------- gradient descent learns (notebook 06)

_RUN_PALETTE = (COLORS["light"], COLORS["network"], COLORS["accent"], COLORS["budget"], COLORS["theory"],
                COLORS["rf"])


def _legend_room(fig, plot_height=330):
    """Make room above the plot for a long horizontal legend (about 110 characters per row)."""
    shown = [t.name for t in fig.data if t.x is not None and len(t.x)]
    rows = int(np.ceil(sum(len(n) + 8 for n in shown) / 110))
    top = max(fig.layout.margin.t or 0, 60 + 21 * rows)
    fig.update_layout(height=plot_height + top, margin=dict(t=top))
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
            line=dict(color=_RUN_PALETTE[i % len(_RUN_PALETTE)], width=1.8),
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


def plot_parameters_needed(ds, neuron, predicted: dict, *, measured: dict | None = None, title=None) -> go.Figure:
    """Parameters needed for relative error ``eps`` against ``d`` (log-log): the neuron's ``d`` weights
    against the random-features width.

    ``neuron``: the neuron's parameter count per ``d`` (its ``d`` weights, for every ``eps``);
    ``predicted = {eps: widths per d}`` the staircase prediction (dashed; ``None`` entries are gaps);
    ``measured = {eps: (ds, widths)}`` widths read off exact error curves (markers, same colour).
    """
    fig = _fig(title or "Parameters needed for error ε: d for the neuron, d^L for random features",
               "input dimension d", "parameters (neuron: weights; RF: width r)", xlog=True, ylog=True)
    ds = _arr(ds)
    fig.add_trace(go.Scatter(
        x=ds, y=_arr(neuron), name="single neuron: d weights (every ε)", mode="lines+markers",
        line=dict(color=COLORS["neuron"], width=3.5), marker=dict(size=7),
        hovertemplate="d = %{x}<br>%{y:.0f} weights<extra>neuron</extra>"))
    for i, (eps, widths) in enumerate(predicted.items()):
        color = _LIMIT_PALETTE[i % len(_LIMIT_PALETTE)]
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


__all__ += ["plot_neuron_losses", "plot_parameters_needed"]


# ------------------------------------------------------------------- lazy training (notebook 03)

LAZY_TRACES = {
    "network": "two-layer network (both layers trained)",
    "lin": "linearized model (tangent features frozen)",
    "rf": "RF model (first layer frozen)",
    "rf_best": "best possible RF with these features",
}
_LAZY_PALETTE = (COLORS["budget"], COLORS["accent"], COLORS["light"], COLORS["neuron"], COLORS["network"],
                 COLORS["rf"])


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


def plot_lazy_training(steps, network, *, rf=None, lin=None, rf_best=None, title=None) -> go.Figure:
    """Relative error against the training step (log y): the two-layer network beside its RF model
    (first layer frozen at ``W_0``) and its linearized model (tangent features frozen), all three
    trained with the same steps; ``rf_best`` draws the exact best error of the RF model (dashed).

    ``network``, ``rf``, ``lin``: histories of the same length as ``steps`` (``None``: the trace is
    drawn empty). Traces are named by :data:`LAZY_TRACES`.
    """
    fig = _fig(title or "Training: the network beside its two fixed-feature models", "training step",
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
    fig = _fig(title or "Distance from the network to each fixed-feature model", "training step",
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
    fig = _fig(title or "The first layer moves less as the network widens", "width r (number of neurons)",
               "first-layer movement  |W − W₀| / |W₀|", xlog=True, ylog=True)
    colors = colors or {}
    ally = []
    for i, (label, (w, m)) in enumerate(curves.items()):
        chosen = label == highlight
        ally.append(_arr(m))
        fig.add_trace(go.Scatter(
            x=_arr(w), y=_arr(m), name=label, mode="lines+markers",
            line=dict(color=colors.get(label, _LAZY_PALETTE[i % len(_LAZY_PALETTE)]), width=4 if chosen else 1.5),
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


__all__ += ["LAZY_TRACES", "plot_lazy_training", "plot_lazy_gaps", "plot_movement_vs_width"]
