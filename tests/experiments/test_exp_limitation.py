"""The limitation's precomputed data (notebook 04): exact nested fits, homogeneity of the steep neuron,
budget curves and magnitudes."""

import numpy as np
import pytest

from rfexplore.experiments import limitation_curves
from rfexplore.features import sample_features
from rfexplore.fit import fit_nested
from rfexplore.targets import ReluTarget

DS = (4, 8, 16)
POOL = 240
NORMS = (1.0, 4.0, 16.0)
BIASES = (-1.0, 0.0, 1.0)
BUDGETS = (0.5, 5.0, 50.0)


@pytest.fixture(scope="module")
def data():
    return limitation_curves(DS, pool_size=POOL, seeds=(0, 1), norms=NORMS, biases=BIASES, budget_ds=(8,),
                             budget_width=40, budgets=BUDGETS)


# ------------------------------------------------------------------ the precomputed data


def test_errors_are_the_mean_of_exact_nested_fits(data):
    d = 8
    direct = [fit_nested(sample_features(d, POOL, symmetric=True, seed=s)).relative_errors() for s in (0, 1)]
    np.testing.assert_allclose(data.errors[d], np.mean(direct, axis=0), rtol=0, atol=1e-12)
    assert data.errors[d].shape == (POOL,)


def test_steep_neuron_is_homogeneous(data):
    # [<w*,x> + b]_+ = |w*| [<w*/|w*|, x> + b/|w*|]_+  =>  same relative error as the unit neuron with bias b/|w*|
    pool = sample_features(8, POOL, symmetric=True, seed=0)
    for b in BIASES:
        for n in NORMS:
            unit = fit_nested(pool, ReluTarget(norm=1.0, bias=b / n)).relative_errors()
            np.testing.assert_allclose(data.steep[(8, b, n)], unit, rtol=0, atol=1e-9)
            assert data.second_moments[(b, n)] == pytest.approx(n * n * ReluTarget(bias=b / n).second_moment(1),
                                                                rel=1e-12)
    # b = 0: relative error independent of |w*|, E[y^2] = |w*|^2 / 2
    for n in NORMS:
        np.testing.assert_allclose(data.steep[(8, 0.0, n)], data.steep[(8, 0.0, 1.0)], rtol=0, atol=1e-10)
        assert data.second_moments[(0.0, n)] == pytest.approx(n * n / 2, rel=1e-12)


def test_budget_curves_are_monotone_and_respect_the_box(data):
    errs = data.budget_errors[8]
    free_err, free_mag = data.budget_free[8]
    assert np.all(np.diff(errs) <= 1e-9)            # budgets are increasing: the error can only fall
    assert np.all(errs >= free_err - 1e-9)          # no budget beats the unconstrained optimum
    nested = fit_nested(sample_features(8, POOL, symmetric=True, seed=0))
    for M, e in zip(BUDGETS, errs, strict=True):
        fit = nested.fit(40, magnitude=M)
        assert fit.magnitude <= M * (1 + 1e-9)       # r * max|u_i| <= M
        assert e == pytest.approx(fit.relative_error, abs=1e-6)
        if M >= free_mag:
            assert e == pytest.approx(free_err, abs=1e-12)


def test_magnitudes_on_the_grid_match_direct_fits(data):
    nested = fit_nested(sample_features(16, POOL, symmetric=True, seed=0))
    for m, mag, err in zip(data.grid, data.magnitudes[16], data.grid_errors[16], strict=True):
        fit = nested.fit(int(m))
        assert mag == pytest.approx(fit.magnitude, rel=1e-6)
        assert err == pytest.approx(fit.relative_error, abs=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(ds=(4, 4)), "distinct"),
    (dict(budget_ds=(5,)), "budget_ds"),
    (dict(budget_width=500), "budget_width"),
    (dict(seeds=()), "seeds"),
    (dict(pool_size=0), "pool_size"),
])
def test_limitation_curves_rejects_bad_settings(kwargs, message):
    settings = dict(ds=(4, 8), pool_size=60, seeds=(0,), norms=(1.0,), biases=(0.0,), budget_ds=(8,),
                    budget_width=20, budgets=(1.0,))
    settings.update(kwargs)
    with pytest.raises(ValueError, match=message):
        limitation_curves(settings.pop("ds"), **settings)
