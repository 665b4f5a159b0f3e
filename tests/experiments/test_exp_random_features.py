"""Notebook 01's computations (random features of one input): the targets, the training inputs, the
pool and its kernel read off at every width."""

import numpy as np
import pytest

from rfexplore.experiments import Cache, features_pool, features_result, features_target, features_training_inputs
from rfexplore.features import feature_kernel_errors, sample_features
from rfexplore.fit import fit_samples


def test_training_inputs_are_the_ones_fit_samples_uses():
    pool = sample_features(1, 8, distribution="gaussian", bias_std=1.0, seed=0)
    target = features_target("cubic")
    fit = fit_samples(pool, target, n=40, seed=1)
    X = features_training_inputs(40, 1)
    y = target(X)
    train = np.mean((pool.evaluate(X) @ fit.weights - y) ** 2) / target.second_moment(1)
    assert train == pytest.approx(fit.train_relative_error, rel=1e-10)


def test_the_pool_is_computed_once_and_serves_every_width():
    cache = Cache()
    a = features_result(5, 50, "cubic", 3, pool_size=40, n_test=500, cache=cache)
    pools = [k for k in cache.keys() if k[0] == "features_pool"]
    b = features_result(30, 50, "cubic", 3, pool_size=40, n_test=500, cache=cache)
    assert [k for k in cache.keys() if k[0] == "features_pool"] == pools == [("features_pool", 3, 40, 1.0)]
    np.testing.assert_array_equal(a.errors, b.errors)                   # one nested curve for every width
    assert a.exact_error == a.errors[4] and b.exact_error == b.errors[29] < a.exact_error
    pool = sample_features(1, 40, distribution="gaussian", bias_std=1.0, seed=3)
    np.testing.assert_allclose(b.kernel_errors, feature_kernel_errors(pool, np.linspace(-3, 3, 41)[:, None]),
                               rtol=1e-12)
    assert features_pool(3, 40, cache=cache)["pool"] is cache.get(pools[0])["pool"]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(width=0), ValueError, "width must be an integer from 1 to 40, got 0"),
    (dict(width=2.0), TypeError, "width must be an integer from 1 to 40, got 2.0"),
    (dict(n=5), ValueError, "n must be an integer from 10 to 3000, got 5"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(target="sine"), ValueError, "target must be one of")])
def test_features_result_rejects_bad_settings(kwargs, error, message):
    args = dict(width=5, n=50, target="wave", seed=0) | kwargs
    with pytest.raises(error, match=message):
        features_result(args["width"], args["n"], args["target"], args["seed"], pool_size=40, cache=Cache())
