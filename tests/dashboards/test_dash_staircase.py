"""Notebook 05's dashboard and figure builders, driven from Python without a browser."""

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.dashboards import staircase_dashboard
from rfexplore.dashboards._figure_view import FigureView
from rfexplore.experiments import Cache
from rfexplore.experiments import staircase as staircase_mod
from rfexplore.gaussian import relu_hermite_coefficients, relu_sphere_residuals, rf_staircase

CURVE = "RF error (exact, best output weights)"
PLATEAUS = "plateaus, dimension d"
LIMIT = "plateaus, d → ∞"


def _y(fig, name):
    return np.asarray(fig.data[plots.trace_index(fig, name)].y, dtype=float)


def _x(fig, name):
    return fig.data[plots.trace_index(fig, name)].x


CACHE = Cache()


@pytest.fixture(scope="module")
def explorer():
    return staircase_dashboard(d=6, pool=400, symmetric=True, seed=0, cache=CACHE, static=False)


# ------------------------------------------------------------------- the dashboard


def test_first_picture_is_complete(explorer):
    energy, stairs = explorer.figures
    assert type(stairs) is go.Figure and all(isinstance(s.view, FigureView) for s in explorer.slots.values())
    herm = _y(energy, "Hermite (d → ∞)")
    a2 = 2 * relu_hermite_coefficients(12) ** 2
    np.testing.assert_allclose(herm[[0, 1, 2, 4]], a2[[0, 1, 2, 4]], rtol=1e-12)
    assert np.isnan(herm[3]) and np.isnan(herm[5])            # odd degrees >= 3: no energy, no bar
    curve = _y(stairs, CURVE)
    x = np.asarray(stairs.data[0].x).astype(int)
    assert x[0] == 1 and x[-1] == 400
    np.testing.assert_allclose(curve, CACHE.get(("staircase_curve", 6, True, 0))[x - 1])
    # d = 6, pairs: steps at 2, 2d = 12, 2 (1 + N(6,2)) = 42, 2 (1 + 20 + 105) = 252 (< 400)
    assert list(stairs.data[plots.trace_index(stairs, PLATEAUS)].x) == [2, 12, 42, 252, 400]
    levels = relu_sphere_residuals(6, [0, 1, 2, 4])
    np.testing.assert_allclose(_y(stairs, PLATEAUS), list(levels) + [levels[-1]])
    np.testing.assert_allclose(_y(stairs, LIMIT)[:3], [0.6817, 0.1817, 0.0225], atol=6e-5)
    assert "d = 6" in explorer.readout.value and "0.1542" in explorer.readout.value


def test_changing_d_updates_figures_and_readout(explorer):
    before = _y(explorer.figures[1], CURVE)
    assert explorer.set(d=8)
    after = _y(explorer.figures[1], CURVE)
    assert not np.allclose(before[:50], after[:50])
    w, lv, _ = rf_staircase(8, symmetric=True)
    assert list(_x(explorer.figures[1], PLATEAUS))[:3] == list(w[:3])
    assert "d = 8" in explorer.readout.value and f"{lv[1]:.4f}" in explorer.readout.value
    assert "d = 8" in explorer.figures[1].layout.title.text
    sphere = _y(explorer.figures[0], "spherical harmonics, dimension d")
    assert sphere[1] == pytest.approx(0.5)


def test_widget_change_pairs_and_cache_reuse(explorer, monkeypatch):
    explorer.set(d=6, symmetric=True, pool=400)
    explorer.controls["symmetric"].value = False              # as if the box were unticked
    assert explorer.values["symmetric"] is False
    assert "i.i.d." in explorer.figures[1].layout.title.text
    w, _, _ = rf_staircase(6)
    assert list(_x(explorer.figures[1], PLATEAUS))[:3] == list(w[:3])
    monkeypatch.setattr(staircase_mod, "fit_nested", lambda *a, **k: pytest.fail("should come from the cache"))
    assert explorer.set(symmetric=True)                       # back to a cached setting
    assert explorer.set(pool=200)                             # shrinking the pool: a slice
    assert np.asarray(explorer.figures[1].data[0].x)[-1] == 200


def test_bad_values_show_a_message_and_keep_the_last_picture(explorer):
    explorer.set(d=6, pool=400, symmetric=True, seed=0)
    good = _y(explorer.figures[1], CURVE).copy()
    assert not explorer.set(d=40)
    assert "d must be an integer from 2 to 30" in explorer.status.value
    assert explorer.controls["d"].value == 6 and explorer.values["d"] == 6
    np.testing.assert_array_equal(_y(explorer.figures[1], CURVE), good)
    assert not explorer.set(pool=20)
    assert "pool must be" in explorer.status.value
    assert explorer.set(seed=1)
    assert explorer.status.value == ""
    assert not np.allclose(_y(explorer.figures[1], CURVE), good)


def test_static_fallback_builds():
    ex = staircase_dashboard(d=4, pool=200, static=True)
    assert ex.static and isinstance(ex.figures[1], go.Figure)
    assert ex.set(d=5)
    assert "d = 5" in ex.figures[1].layout.title.text


# ------------------------------------------------------------------- figure builders


def test_plot_staircase_drops_steps_beyond_the_widths():
    widths = np.arange(1, 101)
    errors = np.linspace(0.6, 0.01, 100)
    limit = [0.68, 0.18, 0.02, 0.009, 0.005]
    fig = plots.plot_staircase(widths, errors, d=10, staircase=rf_staircase(10), limit_levels=limit)
    assert [t.name for t in fig.data] == [CURVE, PLATEAUS, LIMIT, "steps"]
    assert list(fig.data[1].x) == [1, 11, 65, 100]
    assert list(fig.data[2].y) == [0.68, 0.18, 0.02, 0.02]
    assert list(fig.data[3].text) == ["l≤0", "l≤1", "l≤2"]
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type == "log"
    empty = plots.plot_staircase(widths, errors, d=10, staircase=rf_staircase(10))
    assert len(empty.data[2].x) == 0                          # no Hermite levels given


def test_plot_energy_per_degree_hover_keeps_exact_zeros():
    e = 2 * relu_hermite_coefficients(6) ** 2
    fig = plots.plot_energy_per_degree(np.arange(7), e)
    assert list(fig.data[0].customdata)[3] == 0.0
    assert len(fig.data[1].x) == 0                            # no sphere bars unless given
    assert "degree" in fig.layout.xaxis.title.text
