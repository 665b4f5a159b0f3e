"""The tour's budget fit never holds the page: a budget move answers after one short slice, showing the
best iterate so far marked "not yet converged" (figure and readout), and the fit runs on in slices (on the
kernel's event loop, or at once with finish()) to the same bits as one uninterrupted fit. Structure, not
timers: speed is measured in benchmarks/bench_fit.py and bench_dashboard.py."""

import asyncio

import numpy as np
import pytest

from rfexplore import plots
from rfexplore.dashboards import TourConfig, TourDashboard
from rfexplore.experiments import Cache, tour_point

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

SLICE = 1e-6        # every slice ends after one solver step or one factorization


def _budget(dash):
    fig = dash.slots["width"].fig
    return fig.data[plots.trace_index(fig, "with magnitude budget M")], fig.layout.annotations


def _assert_unfinished(dash):
    n = dash.numbers()
    trace, notes = _budget(dash)
    assert dash.pending and dash.result.pending and n["budget_converged"] is False
    assert trace.marker.symbol == "diamond-open" and list(trace.y) == [n["rf_error_with_budget"]]
    assert [a.text for a in notes if a.visible][0].startswith("budget fit still running: not yet converged")
    assert "not yet converged (still running" in dash.readout.value


async def _until_done(dash, *, polls=2000, interval=0.01):
    """Let the event loop run the dashboard's slices until no work is pending (or `polls` run out)."""
    for _ in range(polls):
        if not dash.pending:
            break
        await asyncio.sleep(interval)
    return dash


def _assert_final(dash):
    n = dash.numbers()
    trace, notes = _budget(dash)
    fit = dash.result.point.constrained
    assert not dash.pending and n["budget_converged"] is True and fit.kkt_residual <= 1e-10
    assert trace.marker.symbol == "diamond" and list(trace.y) == [n["rf_error_with_budget"]]
    assert not any(a.visible for a in notes) and "not yet converged" not in dash.readout.value


def test_a_budget_move_at_width_4096_answers_unfinished_then_finishes_at_the_one_shot_bits():
    dash = TourDashboard(TourConfig(width=4096), pool_size=4096, headless=True, budget_seconds=SLICE)
    assert not dash.pending
    assert dash.set_config(magnitude=30.0)
    _assert_unfinished(dash)
    first = dash.numbers()["rf_error_with_budget"]
    assert dash.finish(max_slices=1) is False                       # one more slice: still running
    _assert_unfinished(dash)
    assert dash.finish()
    _assert_final(dash)
    one = tour_point(dash.result.curve, 4096, 30.0, cache=Cache()).constrained      # one call, to the end
    fit = dash.result.point.constrained
    assert np.array_equal(fit.weights, one.weights) and fit.relative_error == one.relative_error
    assert first >= fit.relative_error                              # the iterates shown were feasible


def test_a_move_while_the_fit_runs_drops_the_old_work():
    dash = TourDashboard(TourConfig(width=1000, magnitude=20.0), pool_size=1024, headless=True,
                         budget_seconds=SLICE)
    _assert_unfinished(dash)
    assert dash.set_config(width=900)
    _assert_unfinished(dash)
    assert dash.finish()
    _assert_final(dash)
    one = tour_point(dash.result.curve, 900, 20.0, cache=Cache()).constrained
    assert dash.numbers()["rf_error_with_budget"] == one.relative_error


def test_headless_by_default_solves_to_the_end():
    dash = TourDashboard(TourConfig(width=500, magnitude=5.0), pool_size=512, headless=True)
    assert dash.budget_seconds is None
    _assert_final(dash)


def test_on_screen_the_slices_run_on_the_event_loop_and_stop_stops_them():
    async def main():
        dash = TourDashboard(TourConfig(width=300, magnitude=3.0, seed=4), pool_size=300, static=False,
                             budget_seconds=SLICE)
        assert dash.budget_seconds == SLICE
        _assert_unfinished(dash)
        for _ in range(5):                                          # a few slices from the loop
            await asyncio.sleep(0.05)
        dash.stop()
        seen = dash.numbers()
        await asyncio.sleep(0.2)
        assert dash.numbers() == seen                               # stopped: nothing runs
        assert dash.set_config(magnitude=2.0)                       # a new state starts its own slices
        return await _until_done(dash)

    dash = asyncio.run(main())
    _assert_final(dash)
    one = tour_point(dash.result.curve, 300, 2.0, cache=Cache()).constrained
    assert dash.numbers()["rf_error_with_budget"] == one.relative_error


def test_budget_seconds_is_checked():
    with pytest.raises(ValueError, match="budget_seconds must be"):
        TourDashboard(pool_size=64, headless=True, budget_seconds=0.0)


def test_the_stop_button_is_shown_only_while_work_runs_and_stops_it():
    async def main():
        # seed 5: the test above leaves seed 4's fit at M = 3 finished in the experiments' cache, and a
        # finished fit has nothing to stop (the test passed only when other tests had evicted it)
        dash = TourDashboard(TourConfig(width=300, magnitude=3.0, seed=5), pool_size=300, static=False,
                             budget_seconds=SLICE)
        _assert_unfinished(dash)
        assert dash.w_stop.layout.display != "none" and dash.w_stop.description == "Stop computing"
        await asyncio.sleep(0.05)
        dash.w_stop.click()                                          # what Space on the focused button does
        seen = dash.numbers()
        await asyncio.sleep(0.2)
        assert dash.numbers() == seen                                # stopped: no slice ran since
        _assert_unfinished(dash)                                     # still marked "not yet converged"
        assert dash.w_stop.layout.display == "none" and "Stopped: the result shown is not final" in dash.status.value
        assert dash.set_config(magnitude=2.5)                        # a later move starts its own work
        assert dash.pending and dash.w_stop.layout.display != "none" and dash.status.value == ""
        return await _until_done(dash)

    dash = asyncio.run(main())
    _assert_final(dash)
    assert dash.w_stop.layout.display == "none"
    one = tour_point(dash.result.curve, 300, 2.5, cache=Cache()).constrained
    assert dash.numbers()["rf_error_with_budget"] == one.relative_error


def test_without_unfinished_work_there_is_no_stop_button():
    dash = TourDashboard(TourConfig(width=200), pool_size=256, headless=True)
    assert not dash.pending and dash.w_stop.layout.display == "none"
    assert dash.w_stop in _descendants(dash.widget)                 # on the page, beside the status line


def _descendants(w):
    out = [w]
    for child in getattr(w, "children", ()):
        out += _descendants(child)
    return out
