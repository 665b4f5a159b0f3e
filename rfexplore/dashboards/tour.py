"""The headline dashboard (notebook 00 and the app page): vary ``d``, the width and the weight-magnitude
budget, watch the RF error plateau while a single neuron learns by gradient descent."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from .. import plots, validation
from ..experiments import tour_result, tour_training
from ._base import Control, Explorer, Play, Progress, Spec, State, readout_table
from ._figures import apply_patch

__all__ = ["TourConfig", "TourDashboard", "tour"]

RF_TRACE, NEURON_TRACE = "random features (output layer trained)", "single neuron (gradient descent)"


@dataclass(frozen=True)
class TourConfig(State):
    """Everything that determines the headline dashboard's picture (exportable, restorable)."""

    d: int = 40
    width: int = 300
    magnitude: float | None = None      # budget M on r * max|u_i|; None: no limit
    target_norm: float = 1.0
    lr: float = 0.1                     # the neuron falls steadily on a log scale over ~150 steps
    steps: int = 200
    seed: int = 0
    symmetric: bool = True

    D_RANGE = (2, 200)
    STEPS_RANGE = (1, 5000)
    CONTROLS = (
        Control("d", "int", "input dimension d", "d", low=D_RANGE[0], high=D_RANGE[1]),
        Control("width", "logint", "width r", "r", low=1, high="pool_size", step=0.01, continuous=True),
        Control("magnitude", "log", "budget M = r·max|uᵢ|", "M", low=0.1, high=1e4, step=0.05, fmt=".3g",
                off="limit weight magnitude", rest=10.0),
        Control("target_norm", "log", "target norm |w*|", "norm", low=0.1, high=1e3, step=0.05),
        Control("lr", "log", "learning rate", "lr", low=0.01, high=10.0, step=0.05),
        Control("steps", "int", "training steps", "steps", low=STEPS_RANGE[0], high=STEPS_RANGE[1], widget=False),
        Control("seed", "seed", "seed", "seed", width=230),
        Control("symmetric", "check", "sign-symmetric pairs (w, −w)", "pairs", inline=True, width=220),
    )

    def validated(self, pool_size: int) -> TourConfig:
        """Return this configuration checked for a pool of ``pool_size`` features (``ValueError``/``TypeError``
        naming the parameter, the rule and the value otherwise)."""
        return self.checked({"pool_size": pool_size})


# ---------------------------------------------------------------- compute: calls into experiments


def _compute(pool_size):
    def compute(c: TourConfig):
        return tour_result(c.d, c.width, pool_size=pool_size, magnitude=c.magnitude, target_norm=c.target_norm,
                           lr=c.lr, seed=c.seed, symmetric=c.symmetric)
    return compute


def _train(c: TourConfig, res):
    return tour_training(res.curve, c.width, magnitude=c.magnitude, lr=c.lr, steps=c.steps)


def _rf_limit(res) -> float:
    p = res.point
    return p.best.relative_error if p.constrained is None else p.constrained.relative_error


def _history(res, progress) -> dict:
    """The training curves up to the step shown (each run as far as it got); before Play both models at
    their start (RF from u = 0, error exactly 1; the neuron at w_0), so no figure is ever empty."""
    h, t = progress.history, progress.step
    if t == 0 or h is None:
        s = res.start
        return dict(n_steps=[0], rf_steps=[0], rf=[1.0], neuron=[float(s.losses[0])],
                    dist=[float(s.distances[0])], ang=[float(s.angles[0])])
    tn, tr = min(t, len(h.neuron_losses) - 1), min(t, len(h.rf_losses) - 1)
    return dict(n_steps=np.arange(tn + 1), rf_steps=np.arange(tr + 1), rf=h.rf_losses[: tr + 1],
                neuron=h.neuron_losses[: tn + 1], dist=h.distances[: tn + 1], ang=h.angles[: tn + 1])


# ---------------------------------------------------------------- figures


def _frame(c: TourConfig, res, progress):
    """The training figures at the step shown (the other two are left as they are)."""
    data, lim, axis = _history(res, progress), _rf_limit(res), {"xaxis": {"range": [0, c.steps]}}
    training = {RF_TRACE: dict(x=data["rf_steps"], y=plots._floor(data["rf"]), customdata=data["rf"]),
                NEURON_TRACE: dict(x=data["n_steps"], y=plots._floor(data["neuron"]), customdata=data["neuron"]),
                "best possible with these features": dict(x=[0, c.steps], y=[lim, lim]), "layout": axis}
    # the neuron's learning rate named on its axis: the picture before Play shows which run Play will draw
    neuron_axis = {"xaxis": {"range": [0, c.steps], "title": {"text": f"training step (learning rate {c.lr:.3g})"}}}
    trajectory = {"distance |w − w*|": dict(x=data["n_steps"], y=data["dist"]),
                  "angle to w* (degrees)": dict(x=data["n_steps"], y=np.degrees(np.asarray(data["ang"]))),
                  "layout": neuron_axis}
    return [training, None, None, trajectory]


def _marks(c: TourConfig, res, progress):
    """A width or budget move (same pool and target): the markers, and the training at its start."""
    p, w = res.point, c.width
    bx = [1.0, float(res.curve.pool_size)] if c.magnitude is not None else []
    width = {"current width": dict(x=[w], y=[res.curve.errors[w - 1]]),
             "with magnitude budget M": dict(x=[w] if p.constrained else [],
                                             y=[p.constrained.relative_error] if p.constrained else [])}
    magnitude = {"current width": dict(x=[w], y=[p.best.magnitude]),
                 "magnitude budget M": dict(x=bx, y=[c.magnitude] * len(bx))}
    training, _, _, trajectory = _frame(c, res, progress)
    return [training, width, magnitude, trajectory]


def _figures(c: TourConfig, res, progress):
    curve, p, data = res.curve, res.point, _history(res, Progress())
    # Every figure is built with its data: a FigureWidget's synced state is its state when it is created
    # (edits made later travel as messages that a page built later, Voila, never sees).
    figs = [plots.plot_training(data["n_steps"], data["rf"], data["neuron"], rf_best=_rf_limit(res)),
            plots.plot_width_curve(np.arange(1, curve.pool_size + 1), curve.errors, d=c.d, current_width=c.width,
                                   current_error=curve.errors[c.width - 1], staircase=curve.staircase,
                                   constrained_error=None if p.constrained is None else p.constrained.relative_error),
            plots.plot_magnitudes(curve.grid, curve.grid_magnitudes, budget=c.magnitude, current_width=c.width,
                                  current_magnitude=p.best.magnitude),
            plots.plot_trajectory(data["n_steps"], data["dist"], data["ang"])]
    for fig, patch in zip(figs, _frame(c, res, progress), strict=True):
        if patch:
            apply_patch(fig, patch)
    return figs


# ---------------------------------------------------------------- numbers and readout


def _numbers(c: TourConfig, res, progress) -> dict:
    p, h = res.point, progress.history
    out = {"d": c.d, "width": c.width, "rf_error": float(res.curve.errors[c.width - 1]), "plateau": res.plateau,
           "magnitude": p.best.magnitude,
           "rf_error_with_budget": None if p.constrained is None else p.constrained.relative_error,
           "step": progress.step, "jitter": res.curve.nested.jitter}
    if progress.step > 0 and h is not None:
        out["neuron_error"] = float(h.neuron_losses[min(progress.step, len(h.neuron_losses) - 1)])
        out["rf_training_error"] = float(h.rf_losses[min(progress.step, len(h.rf_losses) - 1)])
        out["training_complete"], out["steps_trained"] = h.complete, h.steps_done
    return out


def _readout(c: TourConfig, res, progress) -> str:
    n = _numbers(c, res, progress)
    rel, ey2 = n["rf_error"], res.curve.nested.kss
    rows = [
        ("RF error at this width (exact)", f"{rel:.4f}", f"absolute {rel * ey2:.3g}"),
        ("plateau predicted for this d and width", f"{n['plateau']:.4f}", "ReLU energy left in higher degrees"),
        ("size of the best fit r·max|uᵢ|", f"{n['magnitude']:.3g}", f"|u|₂ = {res.point.best.l2_norm:.3g}"),
    ]
    if n["rf_error_with_budget"] is not None:
        rows.append((f"RF error with budget M = {c.magnitude:.3g}", f"{n['rf_error_with_budget']:.4f}", ""))
    if "neuron_error" in n:
        rows.append(("neuron error (gradient descent)", f"{n['neuron_error']:.2e}", ""))
        rows.append(("RF error during training", f"{n['rf_training_error']:.4f}", ""))
    else:
        rows.append(("neuron error (gradient descent)", "press ▶ Play", ""))
    rows.append(("training step", f"{n['step']} / {c.steps}", ""))
    warning = ""
    if n.get("training_complete") is False:
        warning = (f"Training incomplete ({progress.history.message}): the curves show the {n['steps_trained']} "
                   "steps trained. Reset, then Play, to train again.")
    return readout_table(rows, warning)


# ---------------------------------------------------------------- exports


def _export(c: TourConfig, res, progress) -> dict:
    curve, h = res.curve, progress.history
    data = _history(res, progress)
    return {"width_curve": {"width": list(range(1, curve.pool_size + 1)), "relative_error": curve.errors.tolist()},
            "magnitudes": {"width": curve.grid.tolist(), "r_max_u": curve.grid_magnitudes.tolist()},
            "staircase": {"width": curve.staircase[0].tolist(), "level": curve.staircase[1].tolist()},
            "training": {k: np.asarray(v).tolist() for k, v in data.items()},
            "training_complete": None if h is None else h.complete}


def _csv(c: TourConfig, res) -> str:
    """The exact error-vs-width curve with magnitudes on the grid, as CSV."""
    curve = res.curve
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["width", "relative_error", "r_max_u"])
    mags = dict(zip(curve.grid.tolist(), curve.grid_magnitudes.tolist(), strict=True))
    for m, e in enumerate(curve.errors, start=1):
        w.writerow([m, f"{e:.10g}", "" if m not in mags else f"{mags[m]:.10g}"])
    return buf.getvalue()


# ---------------------------------------------------------------- the dashboard


class TourDashboard(Explorer):
    """Vary d, width and the weight-magnitude budget; watch RF error plateau while a neuron learns.

    Parameters
    ----------
    config : TourConfig, optional
    pool_size : int
        Largest width on offer; one pool of this many random features (and one Cholesky
        factorization) gives the exact RF error at every width, so the width slider is instant.
    static : bool, optional
        Force static figures (``True``) or FigureWidgets (``False``); default from :func:`figure_backend`.
    headless : bool
        Keep the figures as plain ``go.Figure`` objects and never draw them: for computing with the
        dashboard's settings off screen (the tour's guided experiments, scripts, tests). Drawing
        figures that nobody sees floods the kernel's output channel, where Voila can then miss the
        end of a cell and hang.
    """

    def __init__(self, config: TourConfig | None = None, *, pool_size: int = 4096, static: bool | None = None,
                 headless: bool = False):
        self.pool_size = validation.positive_int("pool_size", pool_size)
        spec = Spec(
            name="tour", state=TourConfig, compute=_compute(self.pool_size), figures=_figures,
            figure_names=("training", "width", "magnitude", "trajectory"), readout=_readout,
            context={"pool_size": self.pool_size}, heading="<b>Knobs</b>", marks=_marks,
            redraw_on=("d", "seed", "symmetric", "target_norm"),
            play=Play(steps="steps", train=_train, frame=_frame, heading="<b>Training</b> (both models, same steps)"),
            numbers=_numbers, export=_export, csv=_csv)
        super().__init__(spec, TourConfig() if config is None else config, static=static, headless=headless)


def tour(query: str | None = None, **kwargs) -> TourDashboard:
    """The headline dashboard, optionally restored from a query string (``"d=50&r=500"``)."""
    config = TourConfig.from_query(query) if query else None
    return TourDashboard(config, **kwargs)
