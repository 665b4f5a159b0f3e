"""Notebook 04's dashboard: the limitation — RF error vs ``d`` at fixed width, the width needed vs ``d``,
magnitude budgets and a steep neuron, every control a look-up in precomputed exact curves."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import plots
from ..experiments import LIMITATION_EPS, LimitationData, limitation_curves, limitation_plateaus, limitation_view
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["LimitationState", "limitation_dashboard"]


@dataclass(frozen=True)
class LimitationState(State):
    eps: float = 0.15
    width: int = 200
    d: int = 40
    target_norm: float = 1.0
    bias: float = 0.0
    magnitude: float = 10.0
    scaled: bool = True        # the steep neuron's bias grows with its norm: b·|w*| (it keeps its shape)

    CONTROLS = (
        Control("eps", "choice", "accuracy ε", "eps", options=LIMITATION_EPS),
        Control("width", "logint", "width r", "r", low=1, high="pool_size", step=0.02, continuous=True),
        Control("d", "choice", "input dimension d", "d", options="ds", look="slider"),
        Control("target_norm", "choice", "target norm |w*|", "norm", options="norms", look="slider"),
        Control("bias", "choice", "target bias b", "b", options="biases", look="slider"),
        Control("magnitude", "choice", "budget M = r·max|uᵢ|", "M", options="budgets", look="slider"),
        Control("scaled", "check", "bias grows with the norm: [⟨w*,x⟩ + b·|w*|]₊ (the neuron keeps its shape)",
                "scaled", width=520),
    )


def _figures(data, plateaus, ref_widths):
    def figures(c, res, _progress):
        ds = data.ds
        by_width = {w: [data.errors[dd][w - 1] for dd in ds] for w in ref_widths}
        fig1 = plots.plot_error_vs_d_at_widths(
            ds, by_width, current_width=res.width, current_errors=res.current, plateaus=plateaus,
            title=f"RF error vs d at fixed widths (black: r = {res.width})")
        fig2 = plots.plot_width_needed_vs_d(ds, res.needed_by_eps, current_eps=res.eps, guides=res.guides,
                                            pool=data.pool_size, current_d=res.d)
        fig3 = plots.plot_budget_curves(
            data.budgets, {dd: data.budget_errors[dd] for dd in data.budget_ds},
            free_errors={dd: data.budget_free[dd][0] for dd in data.budget_ds}, width=data.budget_width,
            current_budget=res.magnitude)
        offset = "" if res.bias == 0 else f" {'+' if res.bias > 0 else '−'} {abs(res.bias):g}"
        offset += "·|w*|" if res.scaled and res.bias != 0 else ""
        fig4 = plots.plot_steep_neuron(
            data.norms, res.steep_rel, res.steep_abs, res.steep_second, current_norm=res.norm,
            title=f"Steep neuron [⟨w*,x⟩{offset}]₊: d = {res.d}, r = {res.width}")
        return [fig1, fig2, fig3, fig4]
    return figures


def _readout(data, plateau1):
    def readout(c, res, _progress) -> str:
        m, d, w = res.width, res.d, res.needed_here
        slope = "—" if res.slope is None else f"d^{res.slope:.1f}"
        rel, ab, ey2 = res.steep_here
        power = math.log(res.norm) / math.log(d)
        rows = [
            (f"RF error at d = {d}, r = {m} (exact, mean of {len(data.seeds)} pools)", f"{data.errors[d][m - 1]:.4f}",
             f"plateau after degree 1: {plateau1:.4f}"),
            (f"width needed for error ≤ {res.eps:g} at d = {d}", f"beyond {data.pool_size}" if w is None else f"{w}",
             f"fitted growth over d: {slope}"),
            (f"error with budget M = {res.magnitude:g} at r = {data.budget_width}",
             ", ".join(f"d={dd}: {v:.3f}" for dd, v in res.budget_here.items()), ""),
            (f"steep neuron |w*| = {res.norm:g} (= d^{power:.2f}), b = "
             + (f"{res.bias:g}·|w*| = {res.bias * res.norm:g}" if res.scaled else f"{res.bias:g}")
             + ": relative error (pool of seed 0)",
             f"{rel:.4f}", f"absolute {ab:.4g} = relative × E[y²] = {ey2:.4g}"),
        ]
        return readout_table(rows)
    return readout


def limitation_dashboard(*, data: LimitationData | None = None, eps: float = 0.15, width: int = 200,
                         d: int = 40, target_norm: float = 1.0, bias: float = 0.0, magnitude: float = 10.0,
                         scaled: bool = True, static=None, headless: bool = False, lecture: bool = False,
                         **precompute) -> Explorer:
    """The limitation: RF error vs ``d`` at fixed width, width needed vs ``d``, budgets, a steep neuron.

    Controls: accuracy ``eps`` (select), ``width`` (log slider), ``d`` (for the steep neuron and the
    markers), target norm ``|w*|`` and bias ``b`` of the steep neuron (``scaled``: the bias is ``b |w*|``,
    growing with the norm, so the neuron keeps its shape (the paper's hard neuron has norm and bias poly(d));
    otherwise fixed, so that the neuron turns into the bias-free one as ``|w*|`` grows), budget ``M`` on ``r·max|u_i|``.
    Figures: error vs ``d`` at fixed widths; width needed vs ``d`` for several ``eps`` (log-log, with
    ``d²`` and ``d⁴`` guides); error vs budget ``M``; relative and absolute error of
    ``relu(<w*,x> + b)`` vs ``|w*|``. Everything is looked up in ``data`` (computed by
    :func:`rfexplore.experiments.limitation_curves` with ``**precompute`` if not given), so every
    control is instant.
    """
    if data is not None and precompute:
        raise ValueError(f"give either data or precompute settings {sorted(precompute)}, not both")
    data = limitation_curves(**precompute) if data is None else data
    R = data.pool_size
    plateau1, plateau2 = limitation_plateaus()
    plateaus = {f"plateau after degree 1: {plateau1:.3f}": plateau1,
                f"plateau after degree 2: {plateau2:.4f}": plateau2}
    ref_widths = sorted({w for w in (20, 100, 500) if w < R} | {R})

    def compute(c):
        return limitation_view(data, eps=c.eps, width=c.width, d=c.d, target_norm=c.target_norm, bias=c.bias,
                               magnitude=c.magnitude, scaled=c.scaled)

    ds = ", ".join(map(str, data.ds))
    spec = Spec(name="limitation", state=LimitationState, compute=compute, figures=_figures(data, plateaus, ref_widths),
                figure_names=("error-vs-d", "width-needed", "budgets", "steep-neuron"),
                readout=_readout(data, plateau1),
                context={"pool_size": R, "ds": data.ds, "norms": data.norms, "biases": data.biases,
                         "budgets": data.budgets},
                title=("<b>The limitation on the unit neuron (the easy case): random features vs a single ReLU "
                       "neuron</b> — exact population errors, sign-symmetric pairs (this explorer's device; the "
                       f"paper's features are i.i.d.), pools of {R} features for each of d = {ds}; every control "
                       "is a look-up."))
    explorer = Explorer(spec, LimitationState(eps=eps, width=width, d=d, target_norm=target_norm, bias=bias,
                                              magnitude=magnitude, scaled=scaled), static=static, headless=headless,
                         lecture=lecture)
    explorer.data = data
    return explorer


