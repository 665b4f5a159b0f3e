"""Notebook 02's dashboard: random features with random biases learning ``h_k(<w*, x>)``, the error
against the width beside the number ``C(d+k-1, k)`` of degree-``k`` directions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import plots, validation
from ..experiments import POLYNOMIAL_D_RANGE, POLYNOMIAL_LABELS, Cache, polynomial_result
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["POLYNOMIAL_TARGETS", "PolynomialState", "polynomial_dashboard"]

# the sum's label, shortened for a figure title that fits a 465 px figure
_TITLE_LABELS = {"sum": "(h₁+…+h₄)(⟨w*,x⟩)/2"}
POLYNOMIAL_TARGETS = tuple((f"{v}   " + (f"degree {k}" if k != "sum" else "sum"), k)
                           for k, v in POLYNOMIAL_LABELS.items())


@dataclass(frozen=True)
class PolynomialState(State):
    k: object = 3
    d: int = 8
    bias_std: float = 1.0
    seed: int = 0
    eps: float = 0.5

    CONTROLS = (
        Control("k", "choice", "target", "k", options=POLYNOMIAL_TARGETS, width=400),
        Control("d", "int", "input dimension d", "d", low=POLYNOMIAL_D_RANGE[0], high=POLYNOMIAL_D_RANGE[1], width=400),
        Control("bias_std", "float", "bias std (0: none)", "bias", low=0.0, high=5.0, step=0.1, fmt=".1f", width=400),
        Control("seed", "seed", "seed", "seed", width=230),
        Control("eps", "float", "target error ε", "eps", low=0.01, high=0.99, step=0.01, fmt=".2f", width=400),
    )


def _figures(c, res, _progress):
    counts = {f"degree-{j} directions C(d+{j - 1}, {j})": n for j, n in res.counts.items()}
    bias = "no biases" if res.bias_std == 0 else f"biases N(0, {res.bias_std:g}²)"
    label = _TITLE_LABELS.get(res.k, res.label)
    err = plots.plot_error_curves({"random features (exact error)": (res.widths, res.errors)}, counts=counts,
                                  eps=res.eps, needed=[res.needed], title=f"{label}: d = {res.d}, {bias}")
    mag = plots.plot_magnitudes(res.grid, res.magnitudes, current_width=res.needed,
                                current_magnitude=res.magnitude_needed,
                                title="Best fit's r·max|uᵢ| (marker: width needed)")
    return [err, mag]


def _readout(c, res, _progress) -> str:
    top = max(res.counts)
    count, R = res.counts[top], len(res.widths)
    rows = [("target", res.label, "E[y²] = 1"),
            (f"degree-{top} directions C(d+{top - 1}, {top})", f"{count}",
             f"d^{top}/{top}! = {res.d ** top / math.factorial(top):.3g}")]
    if res.needed is None:
        rows.append((f"width needed for error ≤ {res.eps:g}", f"not reached with {R} features",
                     f"error at r = {R}: {res.errors[-1]:.3f}"))
    else:
        rows.append((f"width needed for error ≤ {res.eps:g}", f"{res.needed}",
                     f"{res.needed / count:.2f} × C(d+{top - 1}, {top})"))
        rows.append(("r·max|uᵢ| at that width", f"{res.magnitude_needed:.3g}", ""))
    rows.append((f"error with all {R} features", f"{res.errors[-1]:.4f}", f"jitter {res.jitter:.0e}"))
    warning = ""
    if res.bias_std == 0 and any(j % 2 == 1 and j >= 3 for j in res.counts):
        warning = ("No biases: a ReLU without bias has no Hermite component of odd degree ≥ 3, so these "
                   "features cannot see h₃ at all — raise the bias.")
    return readout_table(rows, warning)


def _pool_sizes(pool_size):
    """``d -> pool size``: one size for every ``d``, or ``{d: size}`` with 1000 for the others."""
    if isinstance(pool_size, dict):
        sizes = {int(d): validation.positive_int("pool_size", n) for d, n in pool_size.items()}
        return lambda d: sizes.get(d, 1000)
    n = validation.positive_int("pool_size", pool_size)
    return lambda d: n


def polynomial_dashboard(*, k=3, d: int = 8, bias_std: float = 1.0, seed: int = 0, eps: float = 0.5,
                         pool_size=1000, cache: Cache | None = None, static=None, headless: bool = False,
                         lecture: bool = False) -> Explorer:
    """Random features (with random biases) learning ``h_k(<w*, x>)``: error vs width against ``C(d+k-1, k)``.

    Controls: degree ``k`` (1..4 or the sum), input dimension ``d``, the standard deviation of the
    feature biases (0: bias-free, the trap for odd ``k >= 3``), the seed and the target error ``eps``.
    Figures: the exact error at every width with the number of degree-``k`` directions marked, and
    the output-weight size ``r·max|u_i|`` of the best fit.

    One pool of ``pool_size`` features (an int, or ``{d: size}`` with 1000 for other ``d``) and one
    Cholesky factorization per ``(d, size, bias_std, seed)`` serve every width and every target
    (:func:`rfexplore.experiments.polynomial_pool`, cached), so moving ``k`` or ``eps`` is instant.
    """
    size_for = _pool_sizes(pool_size)

    def compute(c):
        return polynomial_result(c.k, c.d, bias_std=c.bias_std, seed=c.seed, eps=c.eps, pool_size=size_for(c.d),
                                 cache=cache)

    spec = Spec(name="polynomials", state=PolynomialState, compute=compute, figures=_figures,
                figure_names=("errors", "magnitudes"), readout=_readout,
                title=("<b>Random features learn low-degree polynomials</b> — features relu(⟨wᵢ,x⟩ + bᵢ), exact "
                       "population error; moving the target or ε is instant, a new d, bias or seed draws a new pool."))
    return Explorer(spec, PolynomialState(k=k, d=d, bias_std=bias_std, seed=seed, eps=eps), static=static,
                    headless=headless, lecture=lecture)
