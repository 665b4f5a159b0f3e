"""Notebook 05's dashboard: why random features plateau — the ReLU's energy per degree and the exact
error-vs-width staircase."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import plots
from ..experiments import STAIRCASE_D_RANGE, STAIRCASE_KMAX, STAIRCASE_POOL_RANGE, Cache, staircase_result
from ._base import Control, Explorer, Spec, State, data_table

__all__ = ["StaircaseState", "staircase_dashboard"]


@dataclass(frozen=True)
class StaircaseState(State):
    d: int = 10
    pool: int = 1500
    symmetric: bool = True
    seed: int = 0

    CONTROLS = (
        Control("d", "int", "d", "d", low=STAIRCASE_D_RANGE[0], high=STAIRCASE_D_RANGE[1]),
        Control("pool", "int", "max width", "pool", low=STAIRCASE_POOL_RANGE[0], high=STAIRCASE_POOL_RANGE[1],
                step=100),
        Control("symmetric", "check", "sign-symmetric pairs (w, −w)", "pairs"),
        Control("seed", "seed", "seed", "seed", width=230),
    )


def _figures(c, res, _progress):
    kind = "pairs (w, −w)" if res.symmetric else "i.i.d. features"
    return [plots.plot_energy_per_degree(np.arange(STAIRCASE_KMAX + 1), res.hermite, sphere_energies=res.sphere,
                                         d=res.d),
            plots.plot_staircase(res.grid, res.errors[res.grid - 1], d=res.d, staircase=res.staircase,
                                 limit_levels=res.limit, title=f"Exact RF error vs width: d = {res.d}, {kind}")]


def _readout(c, res, _progress) -> str:
    def fmt(v):
        return "—" if v is None else f"{v:.3g}"

    head = ("degree ≤ l", "new directions N(d,l)", "step at r ≈", "level (d)", "level (d→∞)", "RF error at step",
            "first r reaching level")
    rows = [(r.degree, r.directions, r.step, f"{r.level:.4f}", f"{r.limit:.4f}", fmt(r.error_at_step),
             f"beyond {res.pool}" if r.reached_at is None else r.reached_at)
            for r in res.rows if r.step <= 4 * res.pool]
    return data_table(head, rows, f"<b>d = {res.d}</b>, exact error at r = {res.pool}: {res.errors[-1]:.3g}")


def staircase_dashboard(*, d: int = 10, pool: int = 1500, symmetric: bool = True, seed: int = 0,
                        cache: Cache | None = None, static=None, headless: bool = False,
                         lecture: bool = False) -> Explorer:
    """Why random features plateau: the ReLU's energy per degree and the exact error-vs-width staircase.

    Controls: ``d`` (2..30), ``pool`` (largest width, 100..4000), ``symmetric`` (sign-symmetric pairs),
    ``seed``. Figures: share of ``E[relu²]`` per degree (Hermite limit and spherical harmonics in
    dimension ``d``); exact RF error for every width with the predicted plateaus. Curves come from
    :func:`rfexplore.experiments.staircase_curve` (cached): returning to a setting, or shrinking the
    pool, is instant.
    """
    def compute(c):
        return staircase_result(c.d, c.pool, symmetric=c.symmetric, seed=c.seed, cache=cache)

    spec = Spec(name="staircase", state=StaircaseState, compute=compute, figures=_figures,
                figure_names=("energy", "staircase"), readout=_readout,
                title="<b>Why the plateaus: the Hermite spectrum and the staircase</b>")
    return Explorer(spec, StaircaseState(d=d, pool=pool, symmetric=symmetric, seed=seed), static=static,
                    headless=headless, lecture=lecture)
