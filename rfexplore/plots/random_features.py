"""Random features of one input and their kernel (notebook 01): a few features, bias-free
features on the plane, fits of a 1-D target, exact and sample-fit errors against width, the kernel
against its infinite-width limit, and sample fits approaching the exact fit as ``n`` grows.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._style import _FONT_SIZE, _TEMPLATE, COLORS, _arr, _fig, _floor, _legend_room, _title, series_color

__all__ = [
    "plot_features_1d", "plot_features_2d", "plot_fit_1d", "plot_fit_errors", "plot_kernel_slice",
    "plot_kernel_errors", "plot_sample_errors",
]


def plot_features_1d(x, features, *, weights=None, biases=None, title=None) -> go.Figure:
    """A few random ReLU features ``relu(w x + b)`` on an interval: ``features`` has shape ``(len(x), k)``.

    ``weights``/``biases`` (length ``k``) go into the hover text, with the kink at ``x = -b / w``.
    """
    fig = _fig(title or "Random ReLU features relu(w·x + b), one input", "input x", "feature value")
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
            line=dict(color=series_color(i), width=2.5),
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
    head = _title(title or "Bias-free features relu(⟨w, x⟩) on the plane")
    if title is None:                                     # a smaller second line (plotly's subtitle)
        head["subtitle"] = dict(text="zero on one side of a line, a ramp along w on the other")
    fig.update_layout(template=_TEMPLATE, font=dict(size=_FONT_SIZE), height=360, showlegend=False,
                      margin=dict(l=60, r=20, t=80, b=50), title=head)
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
            x=x, y=_arr(y), name=name, mode="lines", line=dict(color=series_color(i), width=2.5,
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
        fig.update_layout(title_text=f"Error vs width: exact, from n = {n} samples")
    return _legend_room(fig)


def plot_kernel_slice(x, empirical, limit, *, x0, width, title=None) -> go.Figure:
    """The kernel ``k(x, x0)`` as a function of ``x``: ``width`` random features against the limit."""
    fig = _fig(title or f"k(x, x₀ = {x0:g}): {width} random features vs limit",
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
    fig = _fig(title or "The kernel of r features converges like 1/√r",
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
    fig = _fig(title or f"From n samples to the exact fit (r = {width})",
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
