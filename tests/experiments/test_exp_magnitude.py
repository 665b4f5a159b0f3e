"""The budget a fixed error needs (bisection on the box-constrained fit), against a scan of budgets."""

import numpy as np
import pytest

from rfexplore import ReluTarget, fit_nested, sample_features
from rfexplore.experiments import budget_needed


@pytest.fixture(scope="module")
def nested():
    return fit_nested(sample_features(8, 60, symmetric=True, seed=3), ReluTarget(norm=1.0, bias=-1.25))


def test_the_budget_found_is_the_threshold(nested):
    free = nested.fit(60).relative_error
    eps = free + 0.1
    res = budget_needed(nested, 60, eps, rtol=1e-4)
    assert res.error <= eps and res.free_error == pytest.approx(free)
    below = nested.fit(60, magnitude=res.magnitude / (1 + 3e-4), warm_start=False).relative_error
    assert below > eps                                   # just under the threshold the error is above eps
    lo, hi = res.bracket
    assert lo < res.magnitude == hi and hi / lo <= 1 + 1e-4 + 1e-12
    # a scan of budgets agrees: the first grid budget reaching eps lies at or above the threshold
    grid = np.geomspace(1e-3, nested.fit(60).magnitude, 60)
    errs = np.array([nested.fit(60, magnitude=m, warm_start=False).relative_error for m in grid])
    assert np.all(np.diff(errs) <= 1e-9)                 # non-increasing in the budget: bisection is valid
    first = grid[np.argmax(errs <= eps)]
    assert res.magnitude <= first * (1 + 1e-9) and first / res.magnitude < grid[1] / grid[0] + 1e-9


def test_an_unreachable_error_has_no_budget(nested):
    res = budget_needed(nested, 10, 1e-6)
    assert res.magnitude is None and res.error is None and res.free_error > 1e-6


def test_bad_settings_are_refused(nested):
    with pytest.raises(TypeError, match="nested must be a NestedFit"):
        budget_needed(object(), 10, 0.5)
    with pytest.raises(ValueError, match="width must be an integer from 1 to 60, got 61"):
        budget_needed(nested, 61, 0.5)
    with pytest.raises(ValueError, match="eps must be"):
        budget_needed(nested, 10, -0.5)
    with pytest.raises(ValueError, match="low must be below high"):
        budget_needed(nested, 60, 0.99, low=1e6)
