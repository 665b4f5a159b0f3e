"""The budget a fixed error needs (the safeguarded Newton search and plain bisection on the box-constrained
fit), against a scan of budgets, against each other and against independent cold-started fits."""

import math

import numpy as np
import pytest

from rfexplore import ReluTarget, fit_nested, sample_features
from rfexplore.experiments import budget_needed
from rfexplore.experiments.magnitude import _root_bounds
from rfexplore.fit import NestedFit

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def nested():
    return fit_nested(sample_features(8, 60, symmetric=True, seed=3), ReluTarget(norm=1.0, bias=-1.25))


def cold(nested, width, m):
    """An independent fit under budget ``m``: cold-started, its own solver cache."""
    return nested.fit(width, magnitude=m, warm_start=False)


@pytest.mark.parametrize("method", ["newton", "bisect"])
def test_the_budget_found_is_the_threshold(nested, method):
    free = nested.fit(60).relative_error
    eps = free + 0.1
    res = budget_needed(nested, 60, eps, rtol=1e-4, method=method)
    assert res.error <= eps and res.free_error == pytest.approx(free)
    below = cold(nested, 60, res.magnitude / (1 + 3e-4)).relative_error
    assert below > eps                                   # just under the threshold the error is above eps
    lo, hi = res.bracket
    assert lo < res.magnitude == hi and hi / lo <= 1 + 1e-4 + 1e-12
    # a scan of budgets agrees: the first grid budget reaching eps lies at or above the threshold
    grid = np.geomspace(1e-3, nested.fit(60).magnitude, 60)
    errs = np.array([cold(nested, 60, m).relative_error for m in grid])
    assert np.all(np.diff(errs) <= 1e-9)                 # non-increasing in the budget: bisection is valid
    first = grid[np.argmax(errs <= eps)]
    assert res.magnitude <= first * (1 + 1e-9) and first / res.magnitude < grid[1] / grid[0] + 1e-9


def test_the_error_is_convex_in_the_budget(nested):
    """The Newton search's lower bound (a tangent) rests on convexity of e(M): second differences on an
    even grid are non-negative, to the fits' precision (KKT residual 1e-10; the gaps are far below 1e-9)."""
    grid = np.linspace(0.02, 1.2 * budget_needed(nested, 60, nested.fit(60).relative_error + 0.05).magnitude, 40)
    fits = [cold(nested, 60, m) for m in grid]
    errs = np.array([f.relative_error for f in fits])
    assert max(f.gap for f in fits if f.gap is not None) < 1e-9
    assert np.all(errs[:-2] - 2 * errs[1:-1] + errs[2:] >= -1e-9)
    assert errs[0] - errs[-1] > 0.1                      # the grid spans a real fall of the error


def test_every_fit_bounds_the_threshold_from_both_sides(nested):
    """Oracle for the bounds the Newton search probes with: from a fit under any budget ``m`` (either side
    of the threshold), the tangent's root is at most the threshold and the scaled fit's root at least it.
    The threshold itself from bisection to 1e-9."""
    eps = nested.fit(60).relative_error + 0.1
    ref = budget_needed(nested, 60, eps, rtol=1e-9, method="bisect")
    lo_ref, hi_ref = ref.bracket
    k, kss = nested.k[:60].numpy(), float(nested.kss)
    def bounds(m):
        f = cold(nested, 60, m)
        return _root_bounds(m, f.relative_error, float(k @ f.weights) / kss, eps)

    for m in np.geomspace(0.05, 3 * hi_ref, 25):
        lower, upper = bounds(m)
        assert lower <= hi_ref * (1 + 1e-9) and upper >= lo_ref * (1 - 1e-9)
    # the bracket [lower, upper] shrinks quadratically with the distance of the fit from the threshold (why a
    # Newton step from the left converges in a few probes): halving the distance quarters it (3x or more)
    for side in (-1, 1):
        (l1, u1), (l2, u2) = bounds(hi_ref * (1 + side * 0.04)), bounds(hi_ref * (1 + side * 0.02))
        assert l2 <= hi_ref <= u2 * (1 + 1e-9) and (u1 - l1) > 3 * (u2 - l2) > 0


CASES = [(d, seed, bias, width) for d in (5, 20) for seed in (0, 1) for bias in (0.0, -1.25) for width in (60, 59)]


@pytest.mark.parametrize("d, seed, bias, width", CASES)
def test_newton_agrees_with_bisection(d, seed, bias, width):
    """The two methods on sign-symmetric pools (odd widths: a lone feature), unit and offset neurons: the
    same bracket contract, checked by independent cold fits at both ends, overlapping brackets (so the
    thresholds agree to rtol), and errors equal to the cold fits' to the fits' tolerance."""
    nested = fit_nested(sample_features(d, 60, symmetric=True, seed=seed), ReluTarget(norm=1.0, bias=bias))
    free = nested.fit(width).relative_error
    eps = free + 0.5 * (1 - free)
    rtol = 5e-3
    out = {m: budget_needed(nested, width, eps, rtol=rtol, method=m) for m in ("newton", "bisect")}
    for res in out.values():
        lo, top = res.bracket
        assert res.magnitude == top and math.log(top / lo) <= math.log1p(rtol) * (1 + 1e-12)
        at_top, at_lo = cold(nested, width, top), cold(nested, width, lo)
        assert at_top.relative_error <= eps < at_lo.relative_error
        # the returned error is the fit's: within the certified gap (plus rounding) of a cold fit's
        assert abs(res.error - at_top.relative_error) <= at_top.gap + 1e-12
    (lo_n, top_n), (lo_b, top_b) = out["newton"].bracket, out["bisect"].bracket
    assert max(lo_n, lo_b) < min(top_n, top_b)           # both hold the threshold
    assert abs(math.log(top_n / top_b)) <= math.log1p(rtol)


def test_newton_agrees_with_bisection_on_a_dense_pool():
    """A pool without sign symmetry (the dense QP, :func:`rfexplore.boxqp.solve_dense_qp`)."""
    nested = fit_nested(sample_features(6, 40, seed=2), ReluTarget(norm=1.0, bias=-0.5))
    free = nested.fit(40).relative_error
    eps = free + 0.3 * (1 - free)
    new, ref = (budget_needed(nested, 40, eps, rtol=1e-3, method=m) for m in ("newton", "bisect"))
    assert max(new.bracket[0], ref.bracket[0]) < min(new.bracket[1], ref.bracket[1])
    assert cold(nested, 40, new.magnitude).relative_error <= eps < cold(nested, 40, new.bracket[0]).relative_error


@pytest.mark.parametrize("bounds", [
    lambda m, e, b, eps: (0.0, math.inf),                # no information: bisection
    lambda m, e, b, eps: (1e3 * m, 1e-6 * m),            # bounds on the wrong sides
    lambda m, e, b, eps: (0.5 * m, 0.5 * m),             # the same wrong guess from every fit
    lambda m, e, b, eps: (m * (1 + 1e-15), math.inf),    # Newton steps that make no progress
])
def test_the_bracket_holds_whatever_the_bounds_say(nested, monkeypatch, bounds):
    """The bounds only choose the probes: with bounds that say nothing or are wrong, the search still ends
    with a fitted bracket of the same contract (falling back to bisection)."""
    import rfexplore.experiments.magnitude as magnitude
    monkeypatch.setattr(magnitude, "_root_bounds", bounds)
    eps = nested.fit(60).relative_error + 0.1
    res = budget_needed(nested, 60, eps, rtol=1e-3)
    lo, top = res.bracket
    assert res.magnitude == top and math.log(top / lo) <= math.log1p(1e-3) * (1 + 1e-12)
    assert cold(nested, 60, top).relative_error <= eps < cold(nested, 60, lo).relative_error
    ref = budget_needed(nested, 60, eps, rtol=1e-3, method="bisect")
    assert max(lo, ref.bracket[0]) < min(top, ref.bracket[1])


def fit_counts(nested, width, eps, rtol):
    calls = {"newton": 0, "bisect": 0}
    orig = NestedFit.fit
    for method in calls:
        def counting(self, m, method=method, **kw):
            calls[method] += kw.get("magnitude") is not None
            return orig(self, m, **kw)
        NestedFit.fit = counting
        try:
            budget_needed(nested, width, eps, rtol=rtol, method=method)
        finally:
            NestedFit.fit = orig
    return calls


def test_newton_needs_fewer_fits(nested):
    """What the search is for (its time is measured in benchmarks/bench_budget.py): fewer budget fits."""
    eps = nested.fit(60).relative_error + 0.1
    calls = fit_counts(nested, 60, eps, 5e-3)
    assert calls["newton"] <= 7 and calls["bisect"] >= 12


def test_the_search_does_not_depend_on_earlier_fits():
    """The Newton search warm-starts from its own fits with its own solver cache: the same bits whether or
    not the object made other budget fits before."""
    def make():
        return fit_nested(sample_features(8, 60, symmetric=True, seed=4), ReluTarget(norm=1.0, bias=-1.25))
    a, b = make(), make()
    for m in (0.3, 2.0, 0.7):
        b.fit(60, magnitude=m)                           # warm-started slider moves on b only
    eps = a.fit(60).relative_error + 0.2
    ra, rb = budget_needed(a, 60, eps), budget_needed(b, 60, eps)
    assert ra == rb


@pytest.mark.parametrize("method", ["newton", "bisect"])
def test_a_low_budget_that_already_reaches_eps(nested, method):
    eps = nested.fit(60).relative_error + 0.1
    ref = budget_needed(nested, 60, eps, method=method)
    res = budget_needed(nested, 60, eps, low=2 * ref.magnitude, method=method)
    assert res.magnitude == 2 * ref.magnitude and res.bracket == (0.0, res.magnitude) and res.error <= eps


def test_an_unreachable_error_has_no_budget(nested):
    res = budget_needed(nested, 10, 1e-6)
    assert res.magnitude is None and res.error is None and res.free_error > 1e-6


@pytest.mark.parametrize("method", ["newton", "bisect"])
def test_bad_settings_are_refused(nested, method):
    with pytest.raises(TypeError, match="nested must be a NestedFit"):
        budget_needed(object(), 10, 0.5, method=method)
    with pytest.raises(ValueError, match="width must be an integer from 1 to 60, got 61"):
        budget_needed(nested, 61, 0.5, method=method)
    with pytest.raises(ValueError, match="eps must be"):
        budget_needed(nested, 10, -0.5, method=method)
    with pytest.raises(ValueError, match="low must be below high"):
        budget_needed(nested, 60, 0.99, low=1e6, method=method)
    eps = nested.fit(60).relative_error + 0.1
    need = budget_needed(nested, 60, eps, method=method).magnitude
    with pytest.raises(ValueError, match=r"high must be a budget whose fit reaches eps = 0\.\d+, got \d"):
        budget_needed(nested, 60, eps, high=0.5 * need, method=method)        # below the threshold


def test_an_unknown_method_is_refused(nested):
    with pytest.raises(ValueError, match="method must be one of 'newton', 'bisect', got 'secant'"):
        budget_needed(nested, 60, 0.9, method="secant")
