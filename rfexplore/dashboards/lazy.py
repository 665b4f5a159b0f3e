"""Notebook 03's dashboard: lazy training — a two-layer network beside its random-features and
linearized models, and how far its first layer moves."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import plots, validation
from ..experiments import LAZY_ALPHAS, LAZY_WIDTHS, Cache, lazy_result
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["LazyState", "lazy_dashboard"]



@dataclass(frozen=True)
class LazyState(State):
    width: int = 64
    alpha: float = 10.0
    d: int = 20
    steps: int = 200
    seed: int = 0

    CONTROLS = (
        Control("width", "choice", "width r", "r", options="widths", look="slider", width=420),
        Control("alpha", "choice", "output scale α", "alpha", options="alphas", look="slider", width=420),
        Control("d", "int", "input dimension d", "d", low=1, high=1000, widget=False),
        Control("steps", "int", "gradient steps", "steps", low=1, high=100_000, widget=False),
        Control("seed", "seed", "seed", "seed", widget=False),
    )


def _figures(colors):
    def figures(c, res, _progress):
        run = res.run
        t = np.arange(run.steps_done + 1)
        head = f"r = {res.width}, α = {res.alpha:g}"
        return [
            plots.plot_lazy_training(t, run.losses, rf=run.rf_losses, lin=run.lin_losses, rf_best=res.rf_best,
                                     title=f"Training loss ({head})"),
            plots.plot_lazy_gaps(t, run.lin_gaps, run.rf_gaps, title=f"Distance from the network ({head})"),
            plots.plot_movement_vs_width(res.curves, colors=colors, highlight=f"α = {res.alpha:g}",
                                         current=(res.width, float(run.movements[-1])), guide=res.guide,
                                         title=f"First-layer movement after {res.steps} steps vs width"),
        ]
    return figures


def _readout(c, res, _progress) -> str:
    run, T = res.run, res.steps
    m = float(run.movements[-1])
    step_note = ("1/α²" if res.lr == 1.0 / res.alpha ** 2
                 else f"capped: 1/α² = {1 / res.alpha ** 2:.3g} is too large for the non-linear dynamics")
    a0, a1 = res.alignment
    rows = [
        (f"network error after {T} steps", f"{run.losses[-1]:.3g}", ""),
        (f"linearized model ({res.tangent_features} frozen features)", f"{run.lin_losses[-1]:.3g}",
         f"distance to the network {run.lin_gaps[-1]:.2g}"),
        (f"RF model ({res.rf_features} frozen features)", f"{run.rf_losses[-1]:.3g}",
         f"distance to the network {run.rf_gaps[-1]:.2g}"),
        ("best possible RF error with these features (exact)", f"{res.rf_best:.3g}", ""),
        ("first-layer movement |W − W₀| / |W₀|", f"{m:.3g}",
         f"α·√r·movement = {res.alpha * math.sqrt(res.width) * m:.2f} (about constant when lazy)"),
        ("neurons with uᵢ > 0 at the start: mean cos(wᵢ, w*)", f"{a1:.2f}", f"at the start {a0:.2f}"),
        ("step size", f"{res.lr:.3g}", step_note),
    ]
    return readout_table(rows)


def _sequence(name, value):
    """``value`` as a list of entries, or a ``TypeError`` naming ``name`` (text, mappings and scalars are not)."""
    if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}")
    return list(value)


def lazy_dashboard(*, d: int = 20, width: int = 64, alpha: float = 10.0, steps: int = 200, seed: int = 0,
                   widths=LAZY_WIDTHS, alphas=LAZY_ALPHAS, cache: Cache | None = None, static=None,
                   headless: bool = False, lecture: bool = False) -> Explorer:
    """Lazy training: a two-layer network ``(alpha/sqrt r) sum_i u_i [<w_i, x>]_+`` beside its RF and
    linearized models, trained on the exact population loss of the unit neuron ``[x_1]_+``.

    Controls: the width ``r`` and the output scale ``alpha`` (each a selection among ``widths`` and
    ``alphas``). Figures: error against step for the network, its RF model and its linearized model
    (with the exact best RF error dashed); the distance from the network to each of them; the
    first-layer movement against width, one line per ``alpha`` run so far, with a ``1/sqrt r`` guide.

    Each ``(width, alpha)`` trains once (``steps`` steps, ``lr = lazy_lr(alpha)``, progress shown in the
    status line) and is kept in the cache (:func:`rfexplore.experiments.lazy_run`: runs made before at
    this ``d``, ``steps`` and ``seed`` show on the movement figure from the start). Returning to a setting
    is instant.
    """
    validation.positive_int("d", d), validation.positive_int("steps", steps), validation.seed(seed)
    widths = tuple(validation.positive_int("widths", w) for w in _sequence("widths", widths))
    if not widths or any(w % 2 for w in widths):
        raise ValueError(f"widths must be even positive integers (neurons come in pairs), got {widths!r}")
    alphas = tuple(validation.positive("alphas", a) for a in _sequence("alphas", alphas))
    if not alphas:
        raise ValueError("alphas must hold at least one output scale, got none")
    colors = {f"α = {a:g}": plots.series_color(i) for i, a in enumerate(alphas)}   # one colour per α, always
    holder = {}                                           # the explorer, once built (progress messages)

    def progress(c):
        def callback(t, state):
            ex = holder.get("explorer")
            if ex is not None and (t % 20 == 0 or t == c.steps):
                ex.status.value = (f"<span style='color:#555'>training r = {c.width}, α = {c.alpha:g}: step {t} / "
                                   f"{c.steps}…</span>")
            return False
        return callback

    def compute(c):
        return lazy_result(c.d, c.width, c.alpha, steps=c.steps, seed=c.seed, alphas=alphas, widths=widths,
                           cache=cache, callback=progress(c))

    spec = Spec(name="lazy", state=LazyState, compute=compute, figures=_figures(colors),
                figure_names=("training", "gaps", "movement"), readout=_readout,
                context={"widths": widths, "alphas": alphas},
                title=("<b>From wide networks to random features</b> — f(x) = (α/√r) Σᵢ uᵢ [⟨wᵢ,x⟩]₊ learns "
                       f"[x₁]₊ in d = {d}, exact population loss, {steps} gradient steps; a new (r, α) trains once "
                       "(a few seconds), then it is remembered."))
    explorer = Explorer(spec, LazyState(width=width, alpha=alpha, d=d, steps=steps, seed=seed), static=static,
                        headless=headless, lecture=lecture)
    holder["explorer"] = explorer
    return explorer
