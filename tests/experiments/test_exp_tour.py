"""The tour's budget fit in slices (rfexplore.experiments.tour_point / tour_refine): an unfinished fit is
marked, is feasible, runs on, and ends at the bits of one uninterrupted fit, whatever came before."""

import numpy as np
import pytest

from rfexplore.experiments import Cache, tour_curve, tour_point, tour_refine, tour_result

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


@pytest.fixture(scope="module")
def curve():
    return tour_curve(12, pool_size=400, seed=1, cache=Cache())


def _refined(curve, point, cache, **limits):
    points = [point]
    while points[-1].pending:
        points.append(tour_refine(curve, points[-1], cache=cache, **limits))
        assert len(points) < 10000
    return points


def test_a_short_slice_comes_back_unfinished_and_ends_at_the_one_shot_bits(curve):
    M = 0.3 * curve.nested.fit(400).magnitude
    one = tour_point(curve, 400, M, cache=Cache())                     # to the end
    assert not one.pending and one.constrained.converged and one.constrained.kkt_residual <= 1e-10
    cache = Cache()
    first = tour_point(curve, 400, M, max_seconds=1e-9, cache=cache)   # one step or one factorization
    assert first.pending and not first.constrained.converged and first.constrained.gap > 0
    assert np.abs(first.constrained.weights).max() <= M / 400 * (1 + 1e-12)
    points = _refined(curve, first, cache, max_seconds=1e-9)
    assert all(p.pending for p in points[:-1]) and not points[-1].pending
    last = points[-1].constrained
    assert last.converged and np.array_equal(last.weights, one.constrained.weights)
    assert last.relative_error == one.constrained.relative_error
    assert tour_refine(curve, points[-1]) is points[-1]                 # final: nothing to do
    # finished fits are cached: the same configuration again is final at once, same bits
    again = tour_point(curve, 400, M, max_seconds=1e-9, cache=cache)
    assert not again.pending and again.constrained.relative_error == last.relative_error


def test_the_budget_fit_does_not_depend_on_what_the_curve_solved_before(curve):
    M = 0.25 * curve.nested.fit(300).magnitude
    before = tour_point(curve, 300, M, cache=Cache()).constrained
    for w, b in ((350, M), (300, 2 * M), (200, M / 2)):
        curve.nested.fit(w, magnitude=b)                                # warm fits fill the curve's caches
        tour_point(curve, w, b, max_seconds=1e-9, cache=Cache())        # and unfinished tour fits
    after = tour_point(curve, 300, M, cache=Cache()).constrained
    assert np.array_equal(after.weights, before.weights) and after.relative_error == before.relative_error


def test_no_budget_and_a_budget_that_does_not_bind_are_final(curve):
    assert not tour_point(curve, 100, None, max_seconds=1e-9).pending
    free = curve.nested.fit(100)
    p = tour_point(curve, 100, 2 * free.magnitude, max_seconds=1e-9, cache=Cache())
    assert not p.pending and p.constrained.relative_error == free.relative_error


def test_budget_seconds_is_checked():
    with pytest.raises(ValueError, match="budget_seconds must be"):
        tour_result(5, 10, pool_size=20, magnitude=1.0, budget_seconds=-1.0, cache=Cache())
