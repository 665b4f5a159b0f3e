"""Random ReLU features of one input, their fit and their kernel (notebook 01)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..features import (
    feature_kernel_errors,
    feature_kernel_limit,
    feature_kernel_variance,
    sample_features,
)
from ..fit import fit_nested, fit_samples, sample_inputs
from ..targets import HermiteTarget, PeriodicTarget, ReluTarget
from ._cache import CACHE, Cache

__all__ = ["FEATURE_N_RANGE", "FEATURE_TARGETS", "FeaturesResult", "features_kernel_sigma", "features_pool",
           "features_result", "features_target", "features_training_inputs"]

FEATURE_TARGETS = (("wave  cos(πx)", "wave"), ("cubic  h₃(x) = (x³ − 3x)/√6", "cubic"),
                   ("ReLU neuron  [x − 0.5]₊", "relu"))
FEATURE_N_RANGE = (10, 3000)
_X = np.linspace(-3.0, 3.0, 241)            # where the 1-D pictures are drawn
_XK = np.linspace(-3.0, 3.0, 41)            # inputs on which the kernel error is measured
_X0 = 1.0                                   # the kernel slice k(x, x0)
_SIGMA_SEED = 2019                          # the large pool that estimates sigma


def features_target(name: str):
    """The 1-D targets of the random-features dashboard: ``"wave"`` ``cos(pi x)``, ``"cubic"`` ``h_3(x)``,
    ``"relu"`` ``[x - 0.5]_+`` (all with exact population moments)."""
    targets = {"wave": PeriodicTarget(frequency=0.5), "cubic": HermiteTarget.single(3),
               "relu": ReluTarget(bias=-0.5)}
    return targets[validation.choice("target", name, tuple(targets))]


def features_training_inputs(n: int, seed: int) -> np.ndarray:
    """The ``(n, 1)`` training inputs :func:`rfexplore.fit.fit_samples` draws with ``seed`` (to draw them)."""
    return sample_inputs(n, 1, seed)[0]


def features_kernel_sigma(bias_std: float = 1.0, *, cache: Cache | None = None) -> float:
    """``sigma`` of one feature's product ``f(x) f(x')`` over the kernel grid, from a pool of 100 000 features
    of its own (the same for every seed and pool size), so ``sigma / sqrt(r)`` is the expected kernel error."""
    cache = CACHE if cache is None else cache

    def sigma():
        big = sample_features(1, 100_000, distribution="gaussian", bias_std=bias_std, seed=_SIGMA_SEED)
        return math.sqrt(feature_kernel_variance(big, _XK[:, None]))

    return cache.remember(("features_kernel_sigma", float(bias_std)), sigma)


def features_pool(seed: int, size: int, *, bias_std: float = 1.0, cache: Cache | None = None) -> dict:
    """The pool of ``size`` one-input features of ``seed`` and what every width reads off it (cached): the
    features on the plotting grid ``F``, the kernel slice summed over the first ``m`` features ``k_cum``,
    its limit, the kernel error at every width and its expected size ``sigma / sqrt(r)``."""
    cache = CACHE if cache is None else cache

    def build():
        pool = sample_features(1, size, distribution="gaussian", bias_std=bias_std, seed=seed)
        X0 = np.array([[_X0]])
        F = pool.evaluate(_X[:, None])                   # (len(x), R)
        f0 = pool.evaluate(X0)[0]                        # (R,)
        sigma = features_kernel_sigma(bias_std, cache=cache)
        return dict(pool=pool, F=F,
                    k_cum=np.cumsum(F * f0[None, :], axis=1),    # sum_{i <= m} f_i(x) f_i(x0)
                    k_limit=feature_kernel_limit(pool, _X[:, None], X0)[:, 0],
                    k_errors=feature_kernel_errors(pool, _XK[:, None]),
                    k_reference=sigma / np.sqrt(np.arange(1, size + 1)))

    return cache.remember(("features_pool", int(seed), int(size), float(bias_std)), build)


def _features_fit(seed, size, bias_std, name, cache):
    """The nested fit of one target on the pool of ``seed``: one factorization per pool, retargeted."""
    key = (int(seed), int(size), float(bias_std))
    base = cache.remember(("features_factor",) + key, lambda: fit_nested(
        features_pool(seed, size, bias_std=bias_std, cache=cache)["pool"], features_target(name)))
    return cache.remember(("features_fit",) + key + (name,), lambda: base.retarget(features_target(name)))


@dataclass(frozen=True)
class FeaturesResult:
    """What :func:`rfexplore.dashboards.features_dashboard` shows for one setting (inputs ``x ~ N(0, 1)``)."""

    width: int
    n: int
    target: str
    seed: int
    label: str
    x: np.ndarray                  # plotting grid on [-3, 3]
    y_target: np.ndarray
    y_exact: np.ndarray            # best fit with `width` features (exact population weights)
    y_sample: np.ndarray           # least squares on n samples
    xs: np.ndarray                 # training inputs shown (at most 300)
    ys: np.ndarray
    widths: np.ndarray             # 1..R
    errors: np.ndarray             # exact relative error at every width
    exact_error: float
    magnitude: float               # r·max|u_i| of the exact best fit
    train_error: float
    test_error: float
    kernel_x0: float
    kernel_limit: np.ndarray       # k(x, x0) on x, infinitely many features
    kernel_empirical: np.ndarray   # with `width` features
    kernel_errors: np.ndarray      # rms kernel error on the kernel grid, every width 1..R
    kernel_reference: np.ndarray   # sigma / sqrt(r)
    jitter: float


def features_result(width: int, n: int, target: str, seed: int, *, pool_size: int = 500, bias_std: float = 1.0,
                    n_test: int = 10000, cache: Cache | None = None) -> FeaturesResult:
    """The best fit by the first ``width`` features of the pool of ``seed`` (exact), the least-squares fit on
    ``n`` samples drawn with seed ``seed + 1`` (tested on ``n_test`` fresh ones) and the kernel of ``width``
    features against its limit."""
    cache = CACHE if cache is None else cache
    R = validation.positive_int("pool_size", pool_size)
    m = validation.integer("width", width, low=1, high=R)
    n = validation.integer("n", n, low=FEATURE_N_RANGE[0], high=FEATURE_N_RANGE[1])
    seed = validation.seed(seed)
    tgt = features_target(target)
    data = features_pool(seed, R, bias_std=bias_std, cache=cache)
    fit = _features_fit(seed, R, bias_std, target, cache)
    u = fit.weights(m).cpu().numpy()
    s = fit_samples(data["pool"].head(m), tgt, n=n, n_test=n_test, seed=seed + 1)
    xs = features_training_inputs(n, seed + 1)[:300]
    errors = fit.relative_errors()
    F = data["F"][:, :m]
    return FeaturesResult(
        width=m, n=n, target=target, seed=seed, label=dict((v, k) for k, v in FEATURE_TARGETS)[target],
        x=_X, y_target=tgt(_X[:, None]), y_exact=F @ u, y_sample=F @ s.weights,
        xs=xs[:, 0], ys=tgt(xs), widths=np.arange(1, R + 1), errors=errors,
        exact_error=float(errors[m - 1]), magnitude=float(np.abs(u).max() * m),
        train_error=s.train_relative_error, test_error=s.test_relative_error, kernel_x0=_X0,
        kernel_limit=data["k_limit"], kernel_empirical=data["k_cum"][:, m - 1] / m,
        kernel_errors=data["k_errors"], kernel_reference=data["k_reference"], jitter=fit.jitter)
