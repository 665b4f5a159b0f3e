"""The tour's pool factorization in slices (tour_result with factor_seconds, tour_advance): no picture until it
is done, "k of n" blocks on the way, and the result of one uninterrupted tour_result at the end, bit for bit."""

import numpy as np
import pytest

from rfexplore.experiments import Cache, TourResult, TourWork, tour_advance, tour_result

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

SETTING = dict(d=10, width=300, pool_size=600, bias_std=1.0, target="periodic", seed=2, magnitude=1e-3)


def test_sliced_factorization_ends_at_the_bits_of_one_call():
    one = tour_result(**SETTING, cache=Cache())
    cache = Cache()
    work = tour_result(**SETTING, factor_seconds=1e-9, budget_seconds=1e-9, cache=cache)
    assert isinstance(work, TourWork) and not work.ready and work.pending and work.done == 1
    assert work.progress_note == f"Gram matrix rows: 1 of {work.total} blocks"
    notes = [work.progress_note]
    while isinstance(work, TourWork):
        work = tour_advance(work, max_seconds=1e-9)
        notes.append(getattr(work, "progress_note", ""))
    assert isinstance(work, TourResult) and work.ready
    assert any(n.startswith("Cholesky factor columns: ") for n in notes)
    assert np.array_equal(work.curve.errors, one.curve.errors)
    assert np.array_equal(work.curve.grid_magnitudes, one.curve.grid_magnitudes)
    assert work.pending                               # its budget fit was given 1e-9 s: it runs on (tour_refine)
    # the factorization is cached: the same pool again is a picture at once
    again = tour_result(**{**SETTING, "target": "unit"}, factor_seconds=1e-9, cache=cache)
    assert isinstance(again, TourResult)


def test_a_cached_pool_and_a_bias_free_sign_symmetric_pool_need_no_slices():
    cache = Cache()
    tour_result(**SETTING, cache=cache)
    assert isinstance(tour_result(**SETTING, factor_seconds=1e-9, cache=cache), TourResult)
    work = tour_result(d=10, width=30, pool_size=600, symmetric=True, factor_seconds=1e-9, cache=Cache())
    assert isinstance(work, TourWork) and work.total == 2 and work.stage == "even/odd factorization"
    assert isinstance(tour_advance(work, max_seconds=1e-9), TourResult)


def test_bad_input_is_refused_before_any_work():
    with pytest.raises(ValueError, match="factor_seconds"):
        tour_result(**SETTING, factor_seconds=0.0, cache=Cache())
    with pytest.raises(ValueError, match="target"):
        tour_result(**{**SETTING, "target": "square"}, factor_seconds=0.1, cache=Cache())
    with pytest.raises(TypeError, match="work must be a TourWork"):
        tour_advance(tour_result(**SETTING, cache=Cache()))
    work = tour_result(**SETTING, factor_seconds=1e-9, cache=Cache())
    with pytest.raises(ValueError, match="max_seconds"):
        tour_advance(work, max_seconds=-1.0)
