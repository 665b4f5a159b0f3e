"""The headline dashboard (notebook 00 and the app page): vary ``d``, the width and the weight-magnitude
budget, watch the RF error plateau while a single neuron learns by gradient descent.

A target selector picks what is learned (:func:`rfexplore.experiments.tour_target`): the unit neuron
(the easy case, a polynomial staircase), an offset neuron from the zig-zag's ReLU decomposition (hard
for RF; gradient descent learns its bias too) or the zig-zag itself (the periodic function of the
paper's proof; RF only)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

import numpy as np

from .. import plots, validation
from ..experiments import TOUR_OFFSETS, tour_advance, tour_refine, tour_result, tour_training
from ._base import Control, Explorer, Play, Progress, Spec, State, readout_table
from ._figures import apply_patch
from ._page import split_link

__all__ = ["TourConfig", "TourDashboard", "tour"]

RF_TRACE, NEURON_TRACE = "random features (output layer trained)", "single neuron (gradient descent)"
BUDGET_TRACE = "with magnitude budget M"
BUDGET_SLICE = 0.1       # seconds: a budget fit runs this long before the page answers, then in slices as long
FACTOR_SLICE = 0.1       # seconds: a new pool's Gram matrix and factor (feature biases, i.i.d. features) likewise
FEATURE_BIAS_STD = 1.0                  # "feature biases" ticked: b_i ~ N(0, 1)
TARGET_OPTIONS = (
    ("unit neuron [⟨w*,x⟩]₊ — the easy case: a polynomial staircase (Ghorbani et al. 2019)", "unit"),
    ("offset neuron [⟨w*,x⟩ − c|w*|]₊ — a zig-zag component, hard at these sizes", "offset"),
    ("zig-zag tri(⟨w*,x⟩), period 1 — the periodic function of the paper's proof", "periodic"),
)
# what each target shows, one sentence (the readout's first row)
SHOWS = {
    "unit": "the easy case: RF need a width polynomial in d at each fixed accuracy (a staircase, Ghorbani et al. "
            "2019); gradient descent learns the neuron",
    "offset": "a component of the zig-zag, hard at these sizes (this explorer): at a fixed width its RF error "
              "stays high and grows with d, with or without feature biases; gradient descent on a "
              "neuron with a bias learns it from some starts and switches off from others (notebook 07)",
    "periodic": "the proof's periodic function: nearly uncorrelated with every feature, its RF error goes to 1 as d "
                "grows (with feature biases; without them an odd target fails by parity); not one neuron, so only "
                "RF train",
}


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
    target: str = "unit"                # one of TOUR_TARGETS (see rfexplore.experiments.tour_target)
    offset: float = 1.25                # the offset neuron's kink, in standard deviations of <w*, x>
    biases: bool = False                # features relu(<w_i, x> + b_i), b_i ~ N(0, 1) (the paper's model)

    D_RANGE = (2, 200)
    STEPS_RANGE = (1, 5000)
    CONTROLS = (
        Control("target", "choice", "target", "target", options=TARGET_OPTIONS, width=640),
        Control("offset", "choice", "offset c (kink at c·|w*|)", "offset", options=TOUR_OFFSETS, look="slider",
                when=("target", "offset")),
        Control("d", "int", "input dimension d", "d", low=D_RANGE[0], high=D_RANGE[1]),
        Control("width", "logint", "width r", "r", low=1, high="pool_size", step=0.01, continuous=True),
        Control("magnitude", "log", "budget M = r·max|uᵢ|", "M", low=0.1, high=1e4, step=0.05, fmt=".3g",
                off="limit weight magnitude", rest=10.0),
        Control("target_norm", "log", "target norm |w*|", "norm", low=0.1, high=1e3, step=0.05),
        Control("lr", "log", "learning rate", "lr", low=0.01, high=10.0, step=0.05),
        Control("steps", "int", "training steps", "steps", low=STEPS_RANGE[0], high=STEPS_RANGE[1], widget=False),
        Control("seed", "seed", "seed", "seed", width=230),
        Control("symmetric", "check", "sign-symmetric pairs (w, −w); the paper's features are i.i.d.", "pairs",
                inline=True, width=420),
        Control("biases", "check", "feature biases bᵢ ~ N(0, 1) (the paper's model has biases)", "biases", width=430),
    )

    def validated(self, pool_size: int) -> TourConfig:
        """Return this configuration checked for a pool of ``pool_size`` features (``ValueError``/``TypeError``
        naming the parameter, the rule and the value otherwise)."""
        return self.checked({"pool_size": pool_size})


# ---------------------------------------------------------------- compute: calls into experiments


def _compute(pool_size, budget_seconds, factor_seconds=None):
    def compute(c: TourConfig):
        return tour_result(c.d, c.width, pool_size=pool_size, magnitude=c.magnitude, target_norm=c.target_norm,
                           lr=c.lr, seed=c.seed, symmetric=c.symmetric, target=c.target, offset=c.offset,
                           bias_std=FEATURE_BIAS_STD if c.biases else 0.0, budget_seconds=budget_seconds,
                           factor_seconds=factor_seconds)
    return compute


def _refine(budget_seconds, factor_seconds=None):
    """One more slice of a pool's factorization (a ``TourWork``: no picture yet) or of an unfinished budget fit
    (``None`` once it is final)."""
    def refine(c: TourConfig, res):
        if not res.ready:
            return tour_advance(res, max_seconds=factor_seconds)
        if not res.pending:
            return None
        return replace(res, point=tour_refine(res.curve, res.point, max_seconds=budget_seconds))
    return refine


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
        if s is None:                   # the zig-zag: no single neuron to train
            return dict(n_steps=[], rf_steps=[0], rf=[1.0], neuron=[], dist=[], ang=[])
        return dict(n_steps=[0], rf_steps=[0], rf=[1.0], neuron=[float(s.losses[0])],
                    dist=[float(s.distances[0])], ang=[float(s.angles[0])])
    tr = min(t, len(h.rf_losses) - 1)
    if h.neuron_losses is None:
        return dict(n_steps=[], rf_steps=np.arange(tr + 1), rf=h.rf_losses[: tr + 1], neuron=[], dist=[], ang=[])
    tn = min(t, len(h.neuron_losses) - 1)
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


def _budget_marks(res) -> dict:
    """The budget's marker on the width figure: filled once the fit is final; while it is still running, open
    and with a note on the figure that the number shown is not yet converged."""
    p = res.point
    fit = p.constrained
    mark = {BUDGET_TRACE: dict(x=[p.width] if fit else [], y=[fit.relative_error] if fit else [],
                               marker={"symbol": "diamond-open" if p.pending else "diamond"})}
    # one note, hidden when the number is final (a patch updates annotations in place, it cannot remove one)
    text = ""
    if fit is not None and not fit.converged:
        text = (f"budget fit {'still running' if p.pending else 'stopped'}: not yet converged "
                f"(KKT residual {fit.kkt_residual:.0e})")
    mark["layout"] = {"annotations": [dict(text=text, visible=bool(text), xref="paper", yref="paper", x=0.01,
                                           y=0.02, xanchor="left", yanchor="bottom", showarrow=False,
                                           font={"color": "#b35900", "size": 12})]}
    return mark


def _marks(c: TourConfig, res, progress):
    """A width or budget move (same pool and target): the markers, and the training at its start."""
    p, w = res.point, c.width
    bx = [1.0, float(res.curve.pool_size)] if c.magnitude is not None else []
    width = {"current width": dict(x=[w], y=[res.curve.errors[w - 1]]), **_budget_marks(res)}
    magnitude = {"current width": dict(x=[w], y=[p.best.magnitude]),
                 "magnitude budget M": dict(x=bx, y=[c.magnitude] * len(bx))}
    training, _, _, trajectory = _frame(c, res, progress)
    return [training, width, magnitude, trajectory]


def _pointers(c: TourConfig, res):
    """What the page draws from the controls at the input, before the kernel answers (issue 13): the width
    marker on the exact width curve (every width's error is in the figure already) and the budget's line at the
    slider's M. The markers that need a fit at the new setting (its magnitude, the budget's error) follow from
    the kernel."""
    curve = res.curve
    widths = _widths(curve.pool_size)
    width = {"current width": {"source": "width", "x": ["value"], "y": [("at", widths, curve.errors)]}}
    magnitude = None
    if c.magnitude is not None:
        magnitude = {"magnitude budget M": {"source": "magnitude", "x": [1.0, float(curve.pool_size)],
                                            "y": ["value", "value"]}}
    return [None, width, magnitude, None]


_WIDTHS: dict = {}


def _widths(n: int) -> np.ndarray:
    """1..n, one array per n (a pointer's arrays are compared by identity)."""
    if n not in _WIDTHS:
        _WIDTHS[n] = np.arange(1, n + 1)
    return _WIDTHS[n]


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
    apply_patch(figs[1], _budget_marks(res))
    return figs


# ---------------------------------------------------------------- numbers and readout


def _numbers(c: TourConfig, res, progress) -> dict:
    p, h = res.point, progress.history
    out = {"d": c.d, "width": c.width, "rf_error": float(res.curve.errors[c.width - 1]), "plateau": res.plateau,
           "magnitude": p.best.magnitude,
           "rf_error_with_budget": None if p.constrained is None else p.constrained.relative_error,
           "budget_converged": None if p.constrained is None else p.constrained.converged,
           "step": progress.step, "jitter": res.curve.nested.jitter, "target": c.target}
    if progress.step > 0 and h is not None:
        if h.neuron_losses is not None:
            out["neuron_error"] = float(h.neuron_losses[min(progress.step, len(h.neuron_losses) - 1)])
        if h.biases is not None:
            out["neuron_bias"] = float(h.biases[min(progress.step, len(h.biases) - 1)])
        out["rf_training_error"] = float(h.rf_losses[min(progress.step, len(h.rf_losses) - 1)])
        out["training_complete"], out["steps_trained"] = h.complete, h.steps_done
    return out


def _readout(c: TourConfig, res, progress) -> str:
    n = _numbers(c, res, progress)
    rel, ey2 = n["rf_error"], res.curve.nested.kss
    features = ("pairs" if c.symmetric else "i.i.d.") + (", biases N(0, 1)" if c.biases else ", bias-free")
    rows = [
        ("this target shows", SHOWS[c.target], f"features: {features}"),
        ("RF error at this width (exact)", f"{rel:.4f}", f"absolute {rel * ey2:.3g}"),
    ]
    if n["plateau"] is not None:
        rows.append(("plateau predicted for this d and width", f"{n['plateau']:.4f}",
                     "ReLU energy left in higher degrees"))
    rows.append(("size of the best fit r·max|uᵢ| (this explorer's measure)", f"{n['magnitude']:.3g}",
                 f"|u|₂ = {res.point.best.l2_norm:.3g}"))
    if n["rf_error_with_budget"] is not None:
        fit = res.point.constrained
        note = "" if fit.converged else (f"not yet converged ({'still running' if res.pending else 'stopped'}; "
                                         f"at most {fit.gap:.1e} above the best)")
        rows.append((f"RF error with budget M = {c.magnitude:.3g}", f"{n['rf_error_with_budget']:.4f}", note))
    if c.target == "periodic":
        rows.append(("neuron error (gradient descent)", "—", "the zig-zag is not one neuron: only RF train"))
        if "rf_training_error" in n:
            rows.append(("RF error during training", f"{n['rf_training_error']:.4f}", ""))
    elif "neuron_error" in n:
        bias = ""
        if "neuron_bias" in n:
            bias = f"its bias b = {n['neuron_bias']:+.3g} (target {-c.offset * c.target_norm:+.3g})"
        rows.append(("neuron error (gradient descent)", f"{n['neuron_error']:.2e}", bias))
        rows.append(("RF error during training", f"{n['rf_training_error']:.4f}", ""))
    else:
        rows.append(("neuron error (gradient descent)", "press ▶ Play",
                     "the neuron learns a bias too" if c.target == "offset" else ""))
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
    budget_seconds : float or None, optional
        How long a budget fit may run before the dashboard answers (default ``BUDGET_SLICE`` on
        screen; ``None``, to the end, when headless). An unfinished fit is shown as its best
        iterate so far, marked not yet converged on the width figure and in the readout, and runs
        on in slices as long between the page's events (or at once with :meth:`finish`); the
        finished number is the same bits whatever the slices were.
    factor_seconds : float or None, optional
        Likewise for a new pool's Gram matrix and Cholesky factor (feature biases or i.i.d. features:
        ~1-3 s at 4096 features; default ``FACTOR_SLICE`` on screen, ``None`` when headless): until it is
        done the previous picture stays, dimmed and labelled "computing… k of n blocks", and the new
        picture has the bits of one uninterrupted computation.
    """

    def __init__(self, config: TourConfig | None = None, *, pool_size: int = 4096, static: bool | None = None,
                 headless: bool = False, budget_seconds: float | None | str = "auto",
                 factor_seconds: float | None | str = "auto", lecture: bool = False):
        self.pool_size = validation.positive_int("pool_size", pool_size)
        budget_seconds = _slice("budget_seconds", budget_seconds, None if headless else BUDGET_SLICE)
        factor_seconds = _slice("factor_seconds", factor_seconds, None if headless else FACTOR_SLICE)
        self.budget_seconds, self.factor_seconds = budget_seconds, factor_seconds
        spec = Spec(
            name="tour", state=TourConfig, compute=_compute(self.pool_size, budget_seconds, factor_seconds),
            figures=_figures,
            figure_names=("training", "width", "magnitude", "trajectory"), readout=_readout,
            context={"pool_size": self.pool_size}, heading="<b>Knobs</b>", marks=_marks,
            redraw_on=("d", "seed", "symmetric", "target_norm", "target", "offset", "biases"),
            play=Play(steps="steps", train=_train, frame=_frame, heading="<b>Training</b> (both models, same steps)"),
            numbers=_numbers, export=_export, csv=_csv, refine=_refine(budget_seconds, factor_seconds),
            pointers=_pointers)
        super().__init__(spec, TourConfig() if config is None else config, static=static, headless=headless,
                         lecture=lecture)


def _slice(name, value, auto):
    """A slice length: ``"auto"`` (``auto``), ``None`` (no slicing) or positive seconds."""
    if isinstance(value, str) and value == "auto":
        return auto
    return None if value is None else validation.positive(name, value)


def tour(query: str | None = None, **kwargs) -> TourDashboard:
    """The headline dashboard, optionally restored from a query string or lesson link (``"d=50&r=500"``,
    ``"d=50&r=500&hide=d,seed&lecture=1"``: the controls named by ``hide`` hidden, lecture mode on)."""
    if not query:
        return TourDashboard(None, **kwargs)
    link = split_link(query, TourConfig.controls({"pool_size": 1}))
    kwargs.setdefault("lecture", link.lecture)
    dash = TourDashboard(TourConfig.from_query(link.state) if link.state else None, **kwargs)
    dash.hide(*link.hide)
    return dash
