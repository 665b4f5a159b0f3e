"""Notebook 01's dashboard: random ReLU features ``relu(w x + b)`` of one input — the fit, exact and
from samples, and the kernel of ``r`` features against its infinite-width limit."""

from __future__ import annotations

from dataclasses import dataclass

from .. import plots, validation
from ..experiments import FEATURE_N_RANGE, FEATURE_TARGETS, Cache, features_result
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["FeaturesState", "features_dashboard"]


@dataclass(frozen=True)
class FeaturesState(State):
    width: int = 20
    n: int = 200
    target: str = "wave"
    seed: int = 0

    CONTROLS = (
        Control("width", "logint", "width r", "r", low=1, high="pool_size", step=0.01, width=400),
        Control("n", "logint", "samples n", "n", low=FEATURE_N_RANGE[0], high=FEATURE_N_RANGE[1], step=0.01,
                width=400),
        Control("target", "choice", "target", "target", options=FEATURE_TARGETS, width=400),
        Control("seed", "seed", "seed", "seed", width=230),
    )


def _figures(c, res, _progress):
    lo, hi = float(res.y_target.min()), float(res.y_target.max())
    pad = 0.4 * (hi - lo)
    fit_fig = plots.plot_fit_1d(
        res.x, res.y_target,
        {"best fit with r features (exact)": res.y_exact, "least squares on the n samples": res.y_sample},
        samples=(res.xs, res.ys), yrange=(lo - pad, hi + pad),
        title=f"{res.width} random features fit {res.label.split('  ')[1]}")
    err_fig = plots.plot_fit_errors(
        res.widths, res.errors, current_width=res.width, current_error=res.exact_error,
        sample_test=res.test_error, sample_train=res.train_error, n=res.n)
    slice_fig = plots.plot_kernel_slice(res.x, res.kernel_empirical, res.kernel_limit, x0=res.kernel_x0,
                                        width=res.width)
    ker_fig = plots.plot_kernel_errors(
        res.widths, res.kernel_errors, reference=res.kernel_reference, current_width=res.width,
        current_error=float(res.kernel_errors[res.width - 1]))
    return [fit_fig, err_fig, slice_fig, ker_fig]


def _readout(c, res, _progress) -> str:
    m = res.width
    rows = [("exact population error, best fit", f"{res.exact_error:.3g}", f"r·max|uᵢ| = {res.magnitude:.3g}"),
            (f"least squares on n = {res.n} samples: test error", f"{res.test_error:.3g}",
             f"training error {res.train_error:.3g}"),
            ("kernel error (rms over pairs)", f"{res.kernel_errors[m - 1]:.3g}",
             f"expected σ/√r = {res.kernel_reference[m - 1]:.3g}")]
    warning = ""
    if m >= res.n:
        warning = ("At least as many features as samples: least squares can pass through every sample, "
                   "and the test error says how little that means.")
    return readout_table(rows, warning)


def features_dashboard(*, width: int = 20, n: int = 200, target: str = "wave", seed: int = 0,
                       pool_size: int = 500, bias_std: float = 1.0, n_test: int = 10000,
                       cache: Cache | None = None, static=None, headless: bool = False) -> Explorer:
    """Random ReLU features ``relu(w x + b)`` of one input: the fit, exact and from samples, and the kernel.

    Features have ``w ~ N(0, 1)`` and ``b ~ N(0, bias_std^2)``; inputs ``x ~ N(0, 1)``. Controls: the
    width ``r`` (log scale), the number ``n`` of training samples (log scale), the target and the seed.
    Figures: the target with the best fit by ``r`` features (exact, population) and the least-squares
    fit on ``n`` samples; the exact error at every width with the sample fit's test and training
    errors; the kernel ``k(x, 1)`` of ``r`` features against its infinite-width limit; the kernel's
    distance from the limit at every width, against ``sigma / sqrt(r)``.

    One pool of ``pool_size`` features per seed (with one Cholesky factorization per target) serves
    every width; the training samples use seed ``seed + 1``, independent of the features. The expected
    kernel error ``sigma / sqrt(r)`` takes ``sigma`` from a separate pool of 100 000 features.
    """
    R = validation.positive_int("pool_size", pool_size)

    def compute(c):
        return features_result(c.width, c.n, c.target, c.seed, pool_size=R, bias_std=bias_std, n_test=n_test,
                               cache=cache)

    spec = Spec(name="random-features", state=FeaturesState, compute=compute, figures=_figures,
                figure_names=("fit", "errors", "kernel-slice", "kernel-errors"), readout=_readout,
                context={"pool_size": R},
                title=("<b>Random features of one input</b> — N(x) = Σᵢ uᵢ relu(wᵢx + bᵢ) with wᵢ, bᵢ ~ N(0, 1) "
                       "frozen; inputs x ~ N(0, 1)"))
    return Explorer(spec, FeaturesState(width=width, n=n, target=target, seed=seed), static=static,
                    headless=headless)
