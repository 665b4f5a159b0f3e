"""The explorable page: one self-contained HTML file (plotly.js, the numbers and a small script inlined).

The figures are the tour's (:mod:`rfexplore.plots` builders, drawn once here for the default
configuration); the script replaces their data with the selected numbers through ``Plotly.react``.
Arrays travel as base64 of little-endian float64, so the page shows the package's numbers exactly.
The output is deterministic: the same grid and the same numbers give the same bytes.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import plotly
import plotly.io as pio
from plotly.offline import get_plotlyjs

from .. import __version__, plots
from .data import FULL_GRID, ExplorableData, ExplorableGrid, explorable_data

__all__ = ["MAX_PAGE_BYTES", "ExplorableBuild", "build_explorable", "render_explorable"]

MAX_PAGE_BYTES = 15 * 1024 * 1024
_SIZE_SLOT = "@" * 12                   # replaced by the size, padded to the same length
_RF_NAME = "random features (output layer trained)"   # plots.plot_training's name for the RF curve


def _b64(a) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode("ascii")


def _floats(a) -> list:
    return [float(x) for x in a]


def _grid_json(grid: ExplorableGrid) -> dict:
    d = grid.defaults
    return {"ds": list(grid.ds), "seeds": list(grid.seeds), "pairs": list(grid.pairs), "pool_size": grid.pool_size,
            "steps": grid.steps, "lrs": _floats(grid.lrs), "lr_labels": [f"{v:g}" for v in grid.lrs],
            "budgets": _floats(grid.budgets), "budget_labels": [f"{v:g}" for v in grid.budgets],
            "train_widths": list(grid.train_widths), "budget_widths": list(grid.budget_widths),
            "defaults": {**d, "M": None if d["M"] is None else float(d["M"]), "lr": float(d["lr"])}}


def _data_json(data: ExplorableData) -> dict:
    """The numbers as nested lists indexed like the grid: ``pools[d][pairs][seed]``,
    ``training[d][pairs][seed][budget (0: none)][width]``, ``staircase[d][pairs]``, ``neurons[d][seed][lr]``."""
    g = data.grid

    def pool(d, p, s):
        n = data.pools[(d, p, s)]
        return {"errors": _b64(n.errors), "magnitudes": _b64(n.magnitudes), "l2_norms": _b64(n.l2_norms),
                "jitter": n.jitter, "second_moment": n.second_moment}

    def curves(d, p, s):
        out = [[data.training[(d, p, s, None, m)] for m in g.train_widths]]
        out += [[data.training[(d, p, s, M, m)] for m in g.budget_widths] for M in g.budgets]
        return [[{"losses": _b64(c.losses), "best_error": c.best_error} for c in row] for row in out]

    def neuron(d, s, lr):
        n = data.neurons[(d, s, lr)]
        return {"losses": _b64(n.losses), "distances": _b64(n.distances), "angles": _b64(n.angles)}

    return {
        "grid": _grid_json(g),
        "pools": [[[pool(d, p, s) for s in g.seeds] for p in g.pairs] for d in g.ds],
        "training": [[[curves(d, p, s) for s in g.seeds] for p in g.pairs] for d in g.ds],
        "staircase": [[{"widths": _floats(data.staircase[(d, p)][0]), "levels": _floats(data.staircase[(d, p)][1])}
                       for p in g.pairs] for d in g.ds],
        "neurons": [[[neuron(d, s, lr) for lr in g.lrs] for s in g.seeds] for d in g.ds],
    }


def _spec(fig, roles: dict) -> dict:
    """A figure as plotly JSON with the indices of the traces the script updates (found by name)."""
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["roles"] = {role: plots.trace_index(fig, name) for role, name in roles.items()}
    return spec


def _figures(data: ExplorableData) -> dict:
    """The tour's four figures for the default configuration."""
    g, c = data.grid, data.grid.defaults
    pool = data.pools[(c["d"], c["pairs"], c["seed"])]
    widths = np.arange(1, g.pool_size + 1)
    r = c["r"]
    width = plots.plot_width_curve(widths, pool.errors, d=c["d"], current_width=r, current_error=pool.errors[r - 1],
                                   staircase=data.staircase[(c["d"], c["pairs"])])
    mag = plots.plot_magnitudes(widths, pool.magnitudes, current_width=r, current_magnitude=pool.magnitudes[r - 1])
    mag.update_traces(mode="lines", selector=dict(name="best fit r·max|uᵢ|"))    # every width, not a grid
    neuron = data.neurons[(c["d"], c["seed"], c["lr"])]
    steps = np.arange(g.steps + 1)
    rf = data.training[(c["d"], c["pairs"], c["seed"], c["M"], max(w for w in g.train_widths if w <= r))]
    train = plots.plot_training(steps, rf.losses, neuron.losses, rf_best=rf.best_error)
    train.update_xaxes(range=[0, g.steps])
    traj = plots.plot_trajectory(steps, neuron.distances, neuron.angles)
    traj.update_xaxes(range=[0, g.steps])
    return {
        "training": _spec(train, {"rf": _RF_NAME,
                                  "neuron": "single neuron (gradient descent)",
                                  "best": "best possible with these features"}),
        "width": _spec(width, {"curve": "RF error (exact, best output weights)",
                               "staircase": "plateaus predicted by the Hermite spectrum",
                               "current": "current width", "budget": "with magnitude budget M"}),
        "magnitude": _spec(mag, {"curve": "best fit r·max|uᵢ|", "budget": "magnitude budget M",
                                 "current": "current width"}),
        "trajectory": _spec(traj, {"distance": "distance |w − w*|", "angle": "angle to w* (degrees)"}),
        "rf_name": _RF_NAME,
    }


def _script_json(obj) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _plotlyjs_version(js: str) -> str:
    m = re.search(r"plotly\.js v([0-9][0-9.]*)", js[:500])
    return m.group(1) if m else f"(plotly.py {plotly.__version__})"


def render_explorable(data: ExplorableData) -> str:
    """The page's HTML for precomputed ``data`` (deterministic)."""
    if not isinstance(data, ExplorableData):
        raise TypeError(f"data must be ExplorableData (from explorable_data), got {type(data).__name__}")
    template = resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
    script = resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8")
    plotlyjs = get_plotlyjs()
    parts = {"@@GRID@@": data.grid.describe(), "@@VERSION@@": __version__, "@@SIZE@@": _SIZE_SLOT,
             "@@PLOTLYJS@@": _plotlyjs_version(plotlyjs), "@@DATA@@": _script_json(_data_json(data)),
             "@@FIGURES@@": _script_json(_figures(data)), "@@PLOTLY@@": plotlyjs, "@@SCRIPT@@": script}
    # one pass over the template only: nothing inserted is searched for markers again
    pieces = re.split(r"(@@[A-Z]+@@)", template)
    html = "".join(parts.get(p, p) for p in pieces)
    size = len(html.encode("utf-8"))
    return html.replace(_SIZE_SLOT, f"{size / 1e6:.1f} MB".ljust(len(_SIZE_SLOT)), 1)


@dataclass(frozen=True)
class ExplorableBuild:
    """A written page: where, how large (bytes), how long it took (seconds, numbers and page)."""

    path: Path
    size: int
    seconds: float
    grid: ExplorableGrid


def build_explorable(path, *, grid: ExplorableGrid = FULL_GRID, progress=None) -> ExplorableBuild:
    """Compute ``grid``'s numbers and write the page to ``path``; refuse a page over :data:`MAX_PAGE_BYTES`."""
    t0 = time.perf_counter()
    html = render_explorable(explorable_data(grid, progress=progress))
    size = len(html.encode("utf-8"))
    if size > MAX_PAGE_BYTES:
        raise ValueError(f"the page would be {size / 1e6:.1f} MB, over the limit of {MAX_PAGE_BYTES / 1e6:.1f} MB: "
                         "make the grid smaller")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return ExplorableBuild(path, size, time.perf_counter() - t0, grid)
