"""Tests of rfexplore.train.biased_network: the paper's network sum_i u_i relu(<w_i,x> + b_i) trained on both
layers with a first-layer rate — exact loss against Monte Carlo, gradient against autograd and finite differences,
the frozen limit against train_rf, the small-rate regime, the distance to the RF model; validation."""

import math

import numpy as np
import pytest
import torch

from rfexplore import ReluTarget, fit_population
from rfexplore.biased_neuron import biased_relu_kernel_torch
from rfexplore.targets import HermiteTarget
from rfexplore.train import train_rf
from rfexplore.train.biased_network import biased_network_loss_and_grad, train_biased_network

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def _point(d=5, r=7, seed=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((r, d)) / math.sqrt(d), rng.standard_normal(r), rng.standard_normal(r) / r


def _net(X, W, b, u):
    return np.maximum(X @ W.T + b, 0.0) @ u


def test_loss_matches_monte_carlo():
    W, b, u = _point()
    target = ReluTarget(norm=1.4, bias=-0.3)
    loss, *_ = biased_network_loss_and_grad(W, b, u, target=target)
    X = np.random.default_rng(0).standard_normal((2_000_000, W.shape[1]))
    e = (_net(X, W, b, u) - target(X)) ** 2
    se = e.std() / math.sqrt(len(e))
    assert abs(loss - e.mean()) < 5 * se                  # 5 standard errors of the sample mean


@pytest.mark.parametrize("bias", [0.0, -0.7])
def test_gradient_equals_autograd_of_the_kernel_loss(bias):
    W, b, u = _point()
    target = ReluTarget(norm=1.2, bias=bias)
    d = W.shape[1]
    Wt, bt, ut = (torch.tensor(a, requires_grad=True) for a in (W, b, u))
    ws, bs = torch.tensor(target.weight(d)[None]), torch.tensor([bias], dtype=torch.float64)
    K = biased_relu_kernel_torch(Wt, bt, Wt, bt)
    k = biased_relu_kernel_torch(Wt, bt, ws, bs)[:, 0]
    L = ut @ (K @ ut) - 2.0 * (ut @ k) + target.second_moment(d)
    L.backward()
    loss, gW, gb, gu = biased_network_loss_and_grad(W, b, u, target=target)
    assert loss == pytest.approx(float(L.detach()), rel=1e-12, abs=1e-14)
    for mine, auto in ((gW, Wt.grad), (gb, bt.grad), (gu, ut.grad)):
        np.testing.assert_allclose(mine, auto.numpy(), rtol=1e-10, atol=1e-13)


def test_gradient_matches_finite_differences():
    W, b, u = _point(seed=5)
    target = ReluTarget(bias=0.4)
    _, gW, gb, gu = biased_network_loss_and_grad(W, b, u, target=target)
    h = 1e-6

    def f(W_, b_, u_):
        return biased_network_loss_and_grad(W_, b_, u_, target=target)[0]

    for (i, j) in ((0, 0), (3, 2), (6, 4)):
        E = np.zeros_like(W)
        E[i, j] = h
        assert (f(W + E, b, u) - f(W - E, b, u)) / (2 * h) == pytest.approx(gW[i, j], rel=1e-6, abs=1e-9)
    for i in (0, 4):
        e = np.zeros_like(b)
        e[i] = h
        assert (f(W, b + e, u) - f(W, b - e, u)) / (2 * h) == pytest.approx(gb[i], rel=1e-6, abs=1e-9)
        assert (f(W, b, u + e) - f(W, b, u - e)) / (2 * h) == pytest.approx(gu[i], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("target", [None, ReluTarget(norm=2.0, bias=-1.0)])
def test_frozen_first_layer_is_train_rf(target):
    run = train_biased_network(6, 12, first_layer_rate=0.0, steps=60, seed=1, target=target)
    rf = train_rf(run.pool, target, steps=60, lr=run.lr, method="iterate")
    np.testing.assert_allclose(run.losses, rf.losses, rtol=0, atol=1e-10)
    np.testing.assert_allclose(run.u, rf.weights, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(run.losses, run.rf_losses)      # the same update on the same K_0, k_0
    np.testing.assert_array_equal(run.W, run.pool.W)
    assert np.all(run.movements == 0) and np.all(run.rf_gaps == 0)
    assert run.best_error == pytest.approx(fit_population(run.pool, target).relative_error, rel=1e-12)
    assert np.all(run.rf_losses >= run.best_error - 1e-12)


def test_default_step_is_train_rfs():
    run = train_biased_network(5, 10, first_layer_rate=0.0, steps=3, seed=2)
    assert run.lr == pytest.approx(train_rf(run.pool, None, steps=3).lr, rel=1e-10)


def test_small_rates_keep_the_network_next_to_its_rf_model():
    runs = {a: train_biased_network(8, 16, first_layer_rate=a, steps=80, seed=0) for a in (1e-3, 1e-2)}
    m3, m2 = (runs[a].movements[-1] for a in (1e-3, 1e-2))
    g3, g2 = (runs[a].rf_gaps.max() for a in (1e-3, 1e-2))
    assert 0 < m3 < 1e-3 and m2 / m3 == pytest.approx(10, rel=0.05)     # movement ∝ rate
    assert g2 / g3 == pytest.approx(100, rel=0.1) and g2 < 1e-4          # distance ∝ rate^2
    for run in runs.values():
        assert np.all(np.abs(run.losses - run.rf_losses) < 20 * run.first_layer_rate)
        assert run.losses[-1] < run.losses[0]


def test_gap_and_loss_match_monte_carlo_after_the_first_layer_moved():
    run = train_biased_network(4, 6, first_layer_rate=30.0, steps=40, seed=2)
    assert run.movements[-1] > 0.05
    X = np.random.default_rng(1).standard_normal((2_000_000, 4))
    net, rf, y = _net(X, run.W, run.b, run.u), _net(X, run.pool.W, run.pool.b, run.v), ReluTarget()(X)
    kss = ReluTarget().second_moment(4)
    for exact, sample in ((run.rf_gaps[-1], (net - rf) ** 2), (run.losses[-1], (net - y) ** 2),
                          (run.rf_losses[-1], (rf - y) ** 2)):
        assert abs(exact - sample.mean() / kss) < 5 * sample.std() / math.sqrt(len(sample)) / kss


def test_bias_free_start_trains_biases_from_zero():
    run = train_biased_network(5, 8, first_layer_rate=1.0, steps=20, bias_std=0.0, seed=0)
    assert run.pool.b is None and np.any(run.b != 0)
    rf = train_rf(run.pool, None, steps=20, lr=run.lr, method="iterate")
    np.testing.assert_allclose(run.rf_losses, rf.losses, rtol=0, atol=1e-10)


def test_callback_stops_and_a_large_step_diverges():
    run = train_biased_network(4, 6, first_layer_rate=0.1, steps=50, callback=lambda t, s: t == 7)
    assert run.steps_done == 7 and run.stopped_by == "callback" and len(run.losses) == 8
    bad = train_biased_network(4, 6, first_layer_rate=0.0, steps=500, lr=1e3)
    assert bad.stopped_by == "diverged" and "lr=1000" in bad.message


@pytest.mark.parametrize("rate, kind, words", [
    (-0.1, ValueError, "first_layer_rate must be a number in [0, 1e+06], got -0.1"),
    (math.nan, ValueError, "first_layer_rate must be a number in [0, 1e+06], got nan"),
    (math.inf, ValueError, "first_layer_rate must be a number in [0, 1e+06], got inf"),
    (2e6, ValueError, "got 2000000.0"),
    ("0.1", TypeError, "first_layer_rate must be a number in [0, 1e+06], got '0.1' (str)"),
    (True, TypeError, "first_layer_rate must be"),
    (None, TypeError, "first_layer_rate must be"),
])
def test_bad_rate_is_refused(rate, kind, words):
    with pytest.raises(kind) as err:
        train_biased_network(4, 6, first_layer_rate=rate, steps=2)
    assert words in str(err.value)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="needs a ReLU neuron target"):
        train_biased_network(4, 6, first_layer_rate=0.0, steps=2, target=HermiteTarget({(2,): 1.0}))
    with pytest.raises(ValueError, match="bias_std must be a finite non-negative number, got -1"):
        train_biased_network(4, 6, first_layer_rate=0.0, steps=2, bias_std=-1.0)
    with pytest.raises(ValueError, match="width must be a positive integer, got 0"):
        train_biased_network(4, 0, first_layer_rate=0.0, steps=2)
    with pytest.raises(ValueError, match="lr must be a finite positive number, got -1"):
        train_biased_network(4, 6, first_layer_rate=0.0, steps=2, lr=-1.0)
    W, b, u = _point()
    W[2] = 0.0
    with pytest.raises(ValueError, match="W must have non-zero rows"):
        biased_network_loss_and_grad(W, b, u)
    with pytest.raises(ValueError, match="b"):
        biased_network_loss_and_grad(W[:3], b, u[:3])


def test_train_rf_closed_form_above_half_the_largest_step():
    # 1 / (2 lambda_max) < lr < 1 / lambda_max: q = 1 - 2 lr lambda < 0 for the top eigenvalues, and the closed
    # form must follow the oscillating iteration (it gave NaN there: log1p of a number below -1)
    run = train_biased_network(5, 8, first_layer_rate=0.0, steps=3, seed=2)
    lam_max = 0.5 / run.lr
    for lr in (0.7 / lam_max, 0.999 / lam_max, 0.5 / lam_max):
        closed = train_rf(run.pool, None, steps=200, lr=lr, method="closed")
        it = train_rf(run.pool, None, steps=200, lr=lr, method="iterate")
        np.testing.assert_allclose(closed.losses, it.losses, rtol=0, atol=1e-10)
        np.testing.assert_allclose(closed.weights, it.weights, rtol=0, atol=1e-8)
