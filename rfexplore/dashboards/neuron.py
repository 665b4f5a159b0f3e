"""Notebook 06's dashboard: gradient descent on a single neuron's own weights, beside random features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import plots
from ..experiments import NEURON_D_RANGE, Cache, neuron_view, steps_to_reach
from ._base import Control, Explorer, Spec, State, readout_table

__all__ = ["NEURON_DS", "NEURON_INITS", "NEURON_RF_WIDTHS", "NEURON_SAMPLES", "NeuronState", "neuron_dashboard"]

NEURON_DS = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
NEURON_SAMPLES = (("population (exact loss)", 0), ("n = d/5 samples", 0.2), ("n = d samples", 1.0),
                  ("n = 2d samples", 2.0), ("n = 3d samples", 3.0), ("n = 4d samples", 4.0),
                  ("n = 10d samples", 10.0))
NEURON_INITS = (("random direction, |w₀| = 1", "random"), ("anti-aligned: w₀ = −w*", "anti-aligned"),
                ("dead: bias −10 (samples only)", "dead"), ("zero: w₀ = 0", "zero"))
NEURON_RF_WIDTHS = (("off", 0), ("r = 100", 100), ("r = 300", 300), ("r = 1000", 1000))


@dataclass(frozen=True)
class NeuronState(State):
    d: int = 100
    lr: float = 0.5
    samples: float = 0
    init: str = "random"
    steps: int = 60
    rf_width: int = 300
    seed: int = 0

    CONTROLS = (
        Control("d", "choice", "dimension d", "d", options="ds", look="slider", width=420),
        Control("lr", "log", "step size lr", "lr", low=0.01, high=3.0, step=0.01, width=420),
        Control("samples", "choice", "data", "data", options=NEURON_SAMPLES, width=420),
        Control("init", "choice", "start w₀", "init", options=NEURON_INITS, width=420),
        Control("steps", "int", "steps", "steps", low=10, high=1000, step=10, width=420),
        Control("rf_width", "choice", "compare RF", "rf", options=NEURON_RF_WIDTHS, width=420),
        Control("seed", "seed", "seed", "seed", width=230),
    )


def _describe(res):
    """The loss figure's title (short enough for a 465 px figure; the start w₀ is on its control)."""
    how = "Population loss" if res.n is None else f"Held-out loss (n = {res.n})"
    return f"{how}: d = {res.d}, lr = {res.lr:g}"


def _figures(c, res, _progress):
    run, rf = res.run, res.rf
    t = np.arange(run.steps_done + 1)
    others = {f"population GD, d = {dd}": (np.arange(r.steps_done + 1), r.losses) for dd, r in res.refs.items()}
    fig1 = plots.plot_neuron_losses(
        t, run.losses, name="this run", train_losses=run.train_losses, others=others,
        rf=None if rf is None else (np.arange(rf.steps_done + 1), rf.losses),
        rf_best=None if rf is None else rf.best_error, title=_describe(res))
    dist = run.distances if run.distances is not None else np.full(len(t), np.nan)
    ang = run.angles if run.angles is not None else np.full(len(t), np.nan)
    fig2 = plots.plot_trajectory(t, dist, ang, title=f"Relative distance to w* and angle (d = {res.d})")
    return [fig1, fig2]


def _readout(c, res, _progress) -> str:
    run, rf = res.run, res.rf
    extra = []
    if run.population_losses is not None and not run.exact:
        extra.append(f"exact population loss {run.population_losses[-1]:.3g}")
    if run.train_losses is not None:
        extra.append(f"training loss {run.train_losses[-1]:.3g}")
    ang = "—" if run.angles is None or not np.isfinite(run.angles[-1]) else f"{np.degrees(run.angles[-1]):.3g}°"
    dist = "—" if run.distances is None else f"{run.distances[-1]:.3g}"

    def hit(r):
        h = steps_to_reach(r.losses, 1e-6)
        return "—" if h is None else h

    rows = [
        (f"relative loss after {run.steps_done} steps ({'held-out' if res.n else 'exact'})", f"{run.losses[-1]:.3g}",
         ", ".join(extra)),
        ("steps to reach relative loss 10⁻⁶", "not reached" if res.hit is None else str(res.hit),
         "population GD: " + ", ".join(f"d = {dd}: {hit(r)}" for dd, r in res.refs.items())),
        ("distance |w − w*| / |w*|", dist, ""),
        ("angle to w*", ang, ""),
    ]
    if rf is not None:
        rows.append((f"random features, r = {rf.width}: error after {rf.steps_done} steps", f"{rf.losses[-1]:.3g}",
                     f"output weights by GD (own step size); best possible {rf.best_error:.3g}"))
    rows.append(("parameters", f"neuron: {res.d}", "" if rf is None else f"random features: {rf.width} output weights"))
    warning = ""
    if run.message:
        warning = (f"stopped: {run.stopped_by}. " if run.stopped_by else "") + run.message
    return readout_table(rows, warning)


def neuron_dashboard(*, d: int = 100, lr: float = 0.5, samples: float = 0, init: str = "random", seed: int = 0,
                     steps: int = 60, rf_width: int = 300, cache: Cache | None = None, static=None,
                     headless: bool = False, lecture: bool = False) -> Explorer:
    """Gradient descent on a single neuron's own weights, beside random features (notebook 06).

    Controls: ``d`` (2..1000, log-spaced choices), step size ``lr``, ``samples`` (the exact population
    loss, or ``n`` = a multiple of ``d`` Gaussian samples, full batch), ``init`` (random, anti-aligned,
    dead, zero), ``seed``, ``steps`` and the width of a random-features model trained on the same step
    axis (``rf_width``; 0: off). Figures: relative loss against step (log y) for these settings (held-out
    loss on samples, with the training loss dotted), population GD at ``d`` = 10, 100, 1000 with the same
    step size (thin), the RF curve and its best possible error; the distance and angle to ``w*``.
    Runs and RF fits are cached (:data:`rfexplore.experiments.CACHE`), so returning to a setting is instant.
    """
    lo, hi = NEURON_D_RANGE
    extra = {int(d)} if isinstance(d, (int, np.integer)) and not isinstance(d, bool) and lo <= d <= hi else set()
    ds = tuple(sorted(set(NEURON_DS) | extra))

    def compute(c):
        return neuron_view(c.d, lr=c.lr, samples=c.samples, init=c.init, seed=c.seed, steps=c.steps,
                           rf_width=c.rf_width, cache=cache)

    spec = Spec(name="neuron", state=NeuronState, compute=compute, figures=_figures,
                figure_names=("losses", "trajectory"),
                readout=_readout, context={"ds": ds}, columns=2,
                title=("<b>Gradient descent learns the neuron</b> — relu(⟨w, x⟩) trained on its own d weights towards "
                       "relu(⟨w*, x⟩), x ~ N(0, I_d); exact population loss or n Gaussian samples"))
    state = NeuronState(d=d, lr=lr, samples=samples, init=init, steps=steps, rf_width=rf_width, seed=seed)
    return Explorer(spec, state,
                    static=static, headless=headless, lecture=lecture)


