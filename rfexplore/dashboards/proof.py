"""Notebook 07's dashboard: the paper's argument, computed — the zig-zag against random features beside one of
its offset ReLU neurons, the decomposition, every component's error and the chain's bound, the features'
correlations."""

from __future__ import annotations

from dataclasses import dataclass

from .. import plots, validation
from ..experiments import (
    PROOF_BIAS_STDS,
    PROOF_D_RANGE,
    PROOF_MAX_COMPONENT,
    PROOF_NORMS,
    PROOF_PERIODS,
    PROOF_POOL_RANGE,
    PROOF_SIGMAS,
    Cache,
    log_widths,
    proof_result,
)
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["ProofState", "proof_dashboard"]

_BIASES = tuple((f"{b:g}" + (" (bias-free)" if b == 0 else ""), b) for b in PROOF_BIAS_STDS)


@dataclass(frozen=True)
class ProofState(State):
    d: int = 10
    width: int = 500
    period: float = 1.0
    norm: float = 1.0
    component: int = 4
    mirrored: bool = False
    bias_std: float = 1.0
    seed: int = 0

    CONTROLS = (
        Control("d", "int", "input dimension d", "d", low=PROOF_D_RANGE[0], high=PROOF_D_RANGE[1]),
        Control("width", "logint", "width r", "r", low=1, high="pool_size", step=0.02, continuous=True),
        Control("period", "choice", "period p of ψ", "p", options=PROOF_PERIODS, look="slider"),
        Control("norm", "choice", "norm |w*|", "norm", options=PROOF_NORMS, look="slider"),
        Control("component", "int", "component k (kink bₖ)", "k", low=0, high=PROOF_MAX_COMPONENT),
        Control("mirrored", "check", "its mirror [−⟨w*,x⟩ − bₖ]₊", "mirror"),
        Control("bias_std", "choice", "feature biases: std", "bias", options=_BIASES),
        Control("seed", "seed", "seed", "seed", width=230),
    )


def _neuron(res) -> str:
    """The chosen component as a formula: ``[⟨w*,x⟩ − 1.75]₊`` or ``[−⟨w*,x⟩ − 1.75]₊``."""
    sign = "" if res.chosen_sign > 0 else "−"
    off = f" − {res.chosen_offset:g}" if res.chosen_offset else ""
    return f"[{sign}⟨w*,x⟩{off}]₊"


def _figures(c, res, _progress):
    cv = res.curves
    grid = log_widths(cv.pool_size)
    j, m = res.index, res.width
    name = _neuron(res)
    fig1 = plots.plot_chain_vs_width(
        grid, cv.psi_errors[grid - 1], cv.component_errors[j, grid - 1], cv.largest_errors[grid - 1],
        cv.bounds[grid - 1], current_width=(m, res.psi_error, res.chosen_error), component_label=name,
        title=f"RF errors (L2) vs width: d = {cv.d}")
    fig2 = plots.plot_decomposition(
        res.z, res.tri, res.decomposed, res.chosen_curve, T=cv.T, period=cv.period, density_z=res.density_z,
        density=res.density, chosen_label=f"{res.chosen_coefficient:+g}·{name}",
        title=f"tri(z) as offset ReLUs: p = {cv.period:g}, |w*| = {cv.norm:g}")
    dec = cv.decomposition
    fig3 = plots.plot_component_errors(
        dec.offsets, res.component_errors, res.component_relative_errors, dec.signs < 0, chosen=j, bound=res.bound,
        title=f"Every component's RF error at r = {m}")
    fig4 = plots.plot_feature_correlations(cv.angles, cv.correlations, cv.bound_angles, cv.bound,
                                           title=f"Feature correlations with ψ: d = {cv.d}")
    return [fig1, fig2, fig3, fig4]


def _readout(c, res, _progress) -> str:
    cv, dec = res.curves, res.curves.decomposition
    hardest = (f"{'−' if dec.signs[res.hardest] < 0 else ''}⟨w*,x⟩"
               + (f" − {abs(dec.offsets[res.hardest]):g}" if dec.offsets[res.hardest] else ""))
    rows = [
        (f"zig-zag ψ: best RF error e_ψ (L2), r = {res.width}", f"{res.psi_error:.4g}",
         f"relative {res.psi_relative_error:.4f}; ‖ψ‖ = {cv.psi_second ** 0.5:.4g}"),
        (f"tail: ψ minus its {dec.size} components, |z| > T = {cv.T:g}", f"{res.tail_l2:.1e}",
         f"Σ|aⱼ| = {res.total_coefficient:g}"),
        ("chain: max_j e_j ≥ (e_ψ − tail) / Σ|aⱼ|", f"{res.bound:.3g}",
         f"{'holds' if res.holds else 'FAILS'}: computed max_j e_j = {res.hardest_error:.3g}, for [{hardest}]₊"),
        (f"chosen component k = {res.component}: {_neuron(res)}", f"{res.chosen_error:.3g}",
         f"L2 error; relative to E[n²] {res.chosen_relative_error:.3f}; norm |w*| = {cv.norm:g}, "
         f"offset {res.chosen_offset:g} (bias {'−' if res.chosen_offset else ''}{res.chosen_offset:g}), "
         f"aⱼ = {res.chosen_coefficient:g}"),
    ]
    return readout_table(rows)


def _numbers(c, res, _progress) -> dict:
    """The readout as numbers: ``L2`` errors are absolute (``*_l2``), ``*_relative_error`` relative to ``E[y²]``."""
    return {"psi_l2": res.psi_error, "psi_relative_error": res.psi_relative_error, "tail_l2": res.tail_l2,
            "total_coefficient": res.total_coefficient, "components": int(res.component_errors.size),
            "bound": res.bound, "holds": res.holds, "largest_component_l2": res.hardest_error,
            "largest_component": res.hardest, "chosen": res.index, "chosen_sign": res.chosen_sign,
            "chosen_offset": res.chosen_offset, "chosen_coefficient": res.chosen_coefficient,
            "chosen_l2": res.chosen_error, "chosen_relative_error": res.chosen_relative_error,
            "chosen_norm": res.curves.norm}


def _export(c, res, _progress) -> dict:
    cv = res.curves
    return {"widths": list(range(1, cv.pool_size + 1)), "psi_errors": cv.psi_errors.tolist(),
            "chosen_errors": cv.component_errors[res.index].tolist(), "bounds": cv.bounds.tolist(),
            "kinks": cv.decomposition.offsets.tolist(), "coefficients": cv.decomposition.coefficients.tolist(),
            "component_errors": res.component_errors.tolist()}


def proof_dashboard(*, d: int = 10, width: int = 500, period: float = 1.0, norm: float = 1.0, component: int = 4,
                    mirrored: bool = False, bias_std: float = 1.0, seed: int = 0, pool_size: int = 500,
                    cache: Cache | None = None, static=None, headless: bool = False,
                    lecture: bool = False) -> Explorer:
    """Why one neuron is hard (notebook 07): the zig-zag ``ψ = tri(<w*, x>)`` and its offset ReLU components on
    one pool of i.i.d. features, with the chain ``max_j e_j >= (e_ψ − tail) / Σ|a_j|`` as numbers.

    Controls: ``d`` (2..40), ``width`` (log slider, 1..``pool_size``), the wave's ``period`` and ``norm``
    ``|w*|`` (``|w*| / period`` at most 2), ``component`` ``k`` (the neuron ``[<w*,x> − b_k]_+``, ``b_0 = 0`` and
    ``b_k`` the ``k``-th kink of ``tri`` in ``(0, T)``; ``mirrored``: ``[−<w*,x> − b_k]_+``), the features'
    ``bias_std`` (0: bias-free) and ``seed``. The decomposition is exact on ``|<w*,x>| <= T = 5 |w*|``.
    Figures: the ``L2`` RF errors of ``ψ``, of the chosen component and of the worst one against width, with the
    chain's bound; ``tri`` and the sum of its components, the chosen one picked out; every component's error at
    this width; each feature's correlation with ``ψ`` under its bound. Numbers from
    :func:`rfexplore.experiments.proof_result` (cached: a new width or component is a look-up).
    """
    pool_size = validation.integer("pool_size", pool_size, low=PROOF_POOL_RANGE[0], high=PROOF_POOL_RANGE[1])

    def compute(c):
        return proof_result(c.d, width=c.width, period=c.period, norm=c.norm, component=c.component,
                            mirrored=c.mirrored, pool_size=pool_size, bias_std=c.bias_std, seed=c.seed, cache=cache)

    spec = Spec(name="proof", state=ProofState, compute=compute, figures=_figures,
                figure_names=("chain-vs-width", "decomposition", "components", "correlations"),
                readout=_readout, numbers=_numbers, export=_export, context={"pool_size": pool_size},
                title=("<b>Why one neuron is hard: the paper's argument, computed</b> — exact population errors of "
                       f"one pool of {pool_size} i.i.d. features (the paper's model, with biases) for the zig-zag "
                       f"ψ = tri(⟨w*,x⟩) and its offset ReLU neurons, exact on |⟨w*,x⟩| ≤ {PROOF_SIGMAS:g}|w*|. "
                       "The argument is the paper's proof idea; the numbers are this explorer's computation."))
    return Explorer(spec, ProofState(d=d, width=width, period=period, norm=norm, component=component,
                                     mirrored=mirrored, bias_std=bias_std, seed=seed),
                    static=static, headless=headless, lecture=lecture)

