"""The staircase's computations (notebooks 05 and 06): the exact curve and its cache, and the width the
staircase predicts for an accuracy (``staircase_width``, which replaced the notebooks' own ``predicted``)."""

import numpy as np
import pytest

from rfexplore import fit_nested, sample_features
from rfexplore.experiments import Cache, staircase_curve, staircase_width
from rfexplore.experiments import staircase as staircase_mod
from rfexplore.gaussian import harmonic_dimension, rf_staircase

# ------------------------------------------------------------------- the curve and its cache


def test_curve_is_the_nested_exact_fit_and_is_cached(monkeypatch):
    cache = Cache()
    e = staircase_curve(5, 300, symmetric=False, seed=2, cache=cache)
    ref = fit_nested(sample_features(5, 300, seed=2)).relative_errors()
    np.testing.assert_allclose(e, ref, rtol=0, atol=1e-13)
    def refactorize(*args, **kwargs):
        raise RuntimeError("factorized again")

    monkeypatch.setattr(staircase_mod, "fit_nested", refactorize)
    # a smaller pool is a slice of the cached curve; a larger one is factorized again
    np.testing.assert_array_equal(staircase_curve(5, 120, symmetric=False, seed=2, cache=cache), ref[:120])
    with pytest.raises(RuntimeError, match="factorized again"):
        staircase_curve(5, 400, symmetric=False, seed=2, cache=cache)


@pytest.mark.parametrize("kw, match", [(dict(d=1), "d must be"), (dict(d=31), "d must be"),
                                       (dict(pool=50), "pool must be"), (dict(pool=4100), "pool must be"),
                                       (dict(seed=-1), "seed"), (dict(symmetric="yes"), "symmetric")])
def test_curve_arguments_are_validated(kw, match):
    args = dict(d=5, pool=200, symmetric=True, seed=0) | kw
    with pytest.raises((ValueError, TypeError), match=match):
        staircase_curve(args.pop("d"), args.pop("pool"), **args)


def _predicted(d, eps, max_degree):
    """The notebooks' own copy before staircase_width (05: max_degree 60; 06: 100, 400 and 40)."""
    widths, lv, degs = rf_staircase(d, max_degree=max_degree)
    j = int(np.flatnonzero(lv <= eps)[0])
    return int(degs[j]), int(widths[j])


@pytest.mark.parametrize("d, eps, max_degree", [(5, 0.1, 60), (10, 0.003, 60), (100, 0.001, 60), (10, 1e-4, 100),
                                                (1000, 1e-4, 100), (100, 1e-6, 400), (500, 1e-3, 40)])
def test_staircase_width_is_the_notebooks_prediction(d, eps, max_degree):
    assert staircase_width(d, eps, cache=Cache()) == _predicted(d, eps, max_degree)


def test_staircase_width_counts_directions_up_to_the_degree():
    # DESIGN 2.5: i.i.d. features need sum_l N(d, l) over the degrees the ReLU uses (0, 1 and even l)
    assert staircase_width(10, 0.1) == (2, 1 + 10 + 54)
    L, w = staircase_width(100, 0.01)
    assert (L, w) == (4, 1 + 100 + harmonic_dimension(100, 2) + harmonic_dimension(100, 4)) == (4, 4421375)
    pairs = staircase_width(10, 0.1, symmetric=True)
    assert pairs.degree == 2 and pairs.width == 2 * (1 + harmonic_dimension(10, 2))


@pytest.mark.parametrize("eps, error", [(0.0, ValueError), (1.0, ValueError), (-0.1, ValueError),
                                        (float("nan"), ValueError), ("0.1", TypeError), (True, TypeError)])
def test_staircase_width_rejects_bad_eps(eps, error):
    with pytest.raises(error, match=r"eps must be a number in \(0, 1\)"):
        staircase_width(10, eps)


def test_staircase_width_refuses_an_accuracy_beyond_its_degrees():
    with pytest.raises(ValueError, match="eps must be at least the staircase level after degree 512"):
        staircase_width(10, 1e-12)
