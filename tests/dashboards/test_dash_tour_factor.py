"""The tour never holds the page while a new pool is factored (feature biases, i.i.d. features): the change
answers after one short slice, the previous picture stays (dimmed, labelled "computing… k of n blocks") until
the new one is complete, and the new one has the bits of one uninterrupted computation. Stop drops the work
and says so; a newer state drops the older work. Structure, not timers: speed is measured in
benchmarks/bench_dashboard.py."""

import asyncio

import numpy as np
import pytest

from rfexplore.dashboards import TourConfig, TourDashboard
from rfexplore.experiments import CACHE

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

SLICE = 1e-6          # every slice ends after one block
POOL = 600            # 3 Gram row blocks and 3 factor column blocks: 7 blocks with the cross-moments


@pytest.fixture(autouse=True)
def fresh_cache():
    CACHE.clear()                    # every pool is factored afresh (the cache would recall it)
    yield
    CACHE.clear()


def _dash(**config):
    return TourDashboard(TourConfig(d=10, width=120, **config), pool_size=POOL, static=False,
                         factor_seconds=SLICE, budget_seconds=SLICE)


def _errors(dash):
    return np.asarray(dash.slots["width"].fig.data[0].y)


def _marked(dash) -> bool:
    return (dash.w_computing.layout.display is None and "computing…" in dash.w_computing.value
            and "rfx-stale" in dash._grid._dom_classes and "rfx-stale" in dash.readout._dom_classes)


def _headless(**config):
    return TourDashboard(TourConfig(d=10, width=120, **config), pool_size=POOL, headless=True)


def test_ticking_biases_keeps_the_old_picture_marked_until_the_new_one_is_complete():
    dash = _dash()
    before, readout = _errors(dash).copy(), dash.readout.value
    assert not _marked(dash) and dash.w_stop.layout.display == "none"
    assert dash.set_config(biases=True)
    assert dash.pending and _marked(dash) and dash.w_stop.layout.display is None
    assert "Gram matrix rows: 1 of 7 blocks" in dash.w_computing.value
    # the picture and its numbers are the old settings; the controls show the new ones
    assert dash.config.biases is False and dash.target.biases is True and dash.controls["biases"].value is True
    assert np.array_equal(_errors(dash), before) and dash.readout.value == readout
    assert dash.finish(max_slices=3) is False
    assert "Cholesky factor columns: 4 of 7 blocks" in dash.w_computing.value and dash.config.biases is False
    dash.finish()
    assert not dash.pending and not _marked(dash) and dash.config.biases is True
    assert dash.w_stop.layout.display == "none" and "biases N(0, 1)" in dash.readout.value
    CACHE.clear()
    one = _headless(biases=True)                   # one uninterrupted computation (headless: no slices)
    assert np.array_equal(_errors(dash), _errors(one)) and dash.numbers() == one.numbers()


def test_stop_drops_the_work_and_says_the_picture_is_the_old_settings():
    dash = _dash()
    before = _errors(dash).copy()
    dash.set_config(symmetric=False)
    dash.finish(max_slices=2)
    dash.stop()
    assert not dash.pending and dash.w_stop.layout.display == "none"
    assert dash.config.symmetric is True and dash.target.symmetric is True      # controls back to the picture's
    assert dash.controls["symmetric"].value is True
    note = dash.w_computing.value
    assert dash.w_computing.layout.display is None and "Stopped at Gram matrix rows: 3 of 7 blocks" in note
    assert "the new settings were not computed" in note and "rfx-stale" not in dash._grid._dom_classes
    assert np.array_equal(_errors(dash), before) and dash.finish()             # nothing left to run
    assert not any(k[0] == "tour_pool" and k[3] is False for k in CACHE.keys())
    dash.set_config(width=130)                                                  # the next picture clears the note
    assert dash.w_computing.layout.display == "none"


def test_a_new_state_while_computing_drops_the_old_work():
    dash = _dash()
    dash.set_config(biases=True)
    dash.finish(max_slices=2)
    assert dash.set_config(symmetric=False)            # changes add up: biases and i.i.d. are computed together
    assert dash.target.biases is True and dash.target.symmetric is False and dash.config.biases is False
    assert "Gram matrix rows: 1 of 7 blocks" in dash.w_computing.value      # a new pool's work, from its start
    dash.finish()
    assert dash.config.biases is True and dash.config.symmetric is False
    pools = [k for k in CACHE.keys() if k[0] == "tour_pool"]
    assert all(k[3] is False for k in pools if len(k) > 5)                # the biased pairs were never finished
    # back to the picture's state while computing: the work is dropped, nothing is marked
    dash.set_config(seed=5)
    assert dash.pending and _marked(dash)
    dash.set_config(seed=0)
    assert not dash.pending and not _marked(dash) and dash.config.seed == 0 and dash.controls["seed"].value == 0


def _training_off(dash) -> bool:
    return dash.play.disabled and dash.w_step.disabled and dash.w_reset.disabled


def test_play_is_off_while_a_new_picture_computes_and_trains_nothing_of_the_old_one():
    dash = _dash()
    assert not _training_off(dash)
    dash.set_config(biases=True)
    assert _training_off(dash)                         # greyed out in the page ...
    dash.play.value = 5                                # ... and a step that reaches the kernel anyway trains nothing
    assert dash.play.value == 0 and dash.step == 0 and dash.progress.history is None
    assert "Training is off while the new picture is computing" in dash.status.value
    dash.finish()
    assert not _training_off(dash) and dash.config.biases is True
    dash.advance()                                     # the new picture trains
    assert dash.step == dash.steps // 20 and dash.progress.history is not None
    dash.set_config(symmetric=False)
    assert _training_off(dash)
    dash.stop()                                        # stopped: the old picture is back, and can train
    assert not _training_off(dash) and dash.config.symmetric is True


def test_ctrl_c_in_a_slice_drops_the_work_like_stop(monkeypatch):
    from rfexplore.fit import NestedSolve

    dash = _dash()
    before = dash.numbers()
    dash.set_config(biases=True)

    def ctrl_c(self, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(NestedSolve, "advance", ctrl_c)
    dash._tick(dash._generation)                               # the event loop's next slice, interrupted
    assert not dash.pending and dash.config.biases is False and dash.controls["biases"].value is False
    assert dash.numbers() == before and "interrupted: the new settings were not computed" in dash.status.value
    assert "Stopped at" in dash.w_computing.value and "rfx-stale" not in dash._grid._dom_classes


def test_headless_computes_at_once_and_finish_runs_given_slices_to_the_end():
    head = _headless()
    assert head.factor_seconds is None and head.budget_seconds is None
    assert head.set_config(biases=True) and not head.pending and head.config.biases is True
    CACHE.clear()
    sliced = TourDashboard(TourConfig(d=10, width=120), pool_size=POOL, headless=True, factor_seconds=SLICE)
    sliced.set_config(biases=True)
    assert sliced.pending and sliced.config.biases is False
    assert sliced.finish() and sliced.config.biases is True
    assert sliced.numbers() == head.numbers()


def test_a_first_state_that_needs_a_factorization_is_a_picture_at_once():
    dash = _dash(biases=True, symmetric=False)
    assert dash.config.biases is True and not _marked(dash) and dash.result.ready


def test_on_the_event_loop_the_slices_run_between_the_pages_messages():
    async def main():
        dash = _dash()
        dash.set_config(biases=True)
        seen = set()
        for _ in range(2000):
            if not dash.pending:
                break
            seen.add(dash.w_computing.value)
            await asyncio.sleep(0.005)
        return dash, seen

    dash, seen = asyncio.run(main())
    assert not dash.pending and dash.config.biases is True and not _marked(dash)
    assert len(seen) >= 2                       # the label moved on while the loop answered in between


def test_factor_seconds_is_checked():
    with pytest.raises(ValueError, match="factor_seconds must be"):
        TourDashboard(pool_size=64, headless=True, factor_seconds=0.0)
