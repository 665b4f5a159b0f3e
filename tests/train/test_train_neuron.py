"""Tests of rfexplore.train.neuron: the closed forms against autograd, finite differences and Monte
Carlo; population GD and (S)GD on samples, their convergence claims and failure modes; validation."""

import doctest
import math

import numpy as np
import pytest
import torch

import rfexplore
from rfexplore import ReluTarget, train_neuron
from rfexplore.gaussian import relu_kernel, relu_kernel_grad, relu_kernel_torch
from rfexplore.train import neuron as neuron_module
from rfexplore.train import neuron_population_grad, neuron_population_loss

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def t64(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def naive_population_loss(w, w_star):
    """F(w) = kappa(w,w) - 2 kappa(w,w*) + kappa(w*,w*) with kappa through arccos (plain autograd)."""
    nw, ns = w.norm(), w_star.norm()
    theta = torch.arccos(torch.clamp(w @ w_star / (nw * ns), -1.0, 1.0))
    kappa = nw * ns * (torch.sin(theta) + (math.pi - theta) * torch.cos(theta)) / (2 * math.pi)
    return 0.5 * nw ** 2 - 2.0 * kappa + 0.5 * ns ** 2


def positive_start(d, seed):
    """A random unit start with positive correlation to w* = e_1."""
    g = np.random.default_rng(seed).standard_normal(d)
    g /= np.linalg.norm(g)
    return g if g[0] > 0 else -g


# --------------------------------------------------------------------------- the single neuron: maths


def test_doctests():
    result = doctest.testmod(neuron_module, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("seed", range(4))
def test_closed_gradient_equals_autograd(seed):
    rng = np.random.default_rng(seed)
    d = 7
    w_star = t64(rng.standard_normal(d) * 1.5)
    w0 = rng.standard_normal(d)
    for w_np in (w0, w_star.numpy() + 0.3 * w0, -w_star.numpy() + 0.5 * w0):
        w = t64(w_np).requires_grad_(True)
        closed = neuron_population_grad(w.detach(), w_star)
        scale = float(closed.norm()) + 1.0
        (g_naive,) = torch.autograd.grad(naive_population_loss(w, w_star), w)
        (g_stable,) = torch.autograd.grad(neuron_population_loss(w, w_star), w)
        Fk = 0.5 * (w @ w) - 2.0 * relu_kernel_torch(w[None], w_star[None])[0, 0] + 0.5 * (w_star @ w_star)
        (g_kernel,) = torch.autograd.grad(Fk, w)
        for g in (g_naive, g_stable, g_kernel):
            assert float((g - closed).norm()) <= 1e-8 * scale
        # and against the numpy closed gradient of kappa in gaussian.py
        np.testing.assert_allclose(
            closed.numpy(), w_np - 2.0 * relu_kernel_grad(w_np, w_star.numpy()), rtol=0, atol=1e-12 * scale)


def test_closed_gradient_equals_finite_differences():
    rng = np.random.default_rng(5)
    w, w_star = t64(rng.standard_normal(6)), t64(rng.standard_normal(6))
    g = neuron_population_grad(w, w_star)
    h = 1e-6
    fd = torch.stack([(neuron_population_loss(w + h * e, w_star) - neuron_population_loss(w - h * e, w_star))
                      / (2 * h) for e in torch.eye(6, dtype=torch.float64)])
    assert float((fd - g).abs().max()) < 1e-8


def test_population_loss_matches_kernel_and_monte_carlo():
    rng = np.random.default_rng(1)
    d = 5
    w, w_star = rng.standard_normal(d), rng.standard_normal(d)
    F = float(neuron_population_loss(t64(w), t64(w_star)))
    K = relu_kernel(np.stack([w, w_star]))
    assert F == pytest.approx(K[0, 0] - 2 * K[0, 1] + K[1, 1], rel=1e-12)
    X = np.random.default_rng(2).standard_normal((1_000_000, d))
    mc = np.mean((np.maximum(X @ w, 0) - np.maximum(X @ w_star, 0)) ** 2)
    assert F == pytest.approx(mc, rel=1e-2)
    # near the optimum the stable form keeps its relative accuracy (no cancellation floor at 1e-16)
    ws = t64(w_star)
    tiny = ws + 1e-9 * t64(rng.standard_normal(d))
    exact_quadratic = 0.5 * float((tiny - ws).norm() ** 2)      # Hessian at w* is the identity
    assert float(neuron_population_loss(tiny, ws)) == pytest.approx(exact_quadratic, rel=1e-5)


# --------------------------------------------------------------------------- the single neuron: training


def test_population_gd_steps_do_not_grow_with_d():
    """Relative loss < 1e-6 within 16 steps at lr = 0.5 for d = 10, 100, 1000 (positive correlation)."""
    counts = {}
    for d in (10, 100, 1000):
        for seed in range(3):
            res = train_neuron(d, steps=16, lr=0.5, init=positive_start(d, seed))
            assert res.complete and res.message == ""
            hit = np.flatnonzero(res.losses < 1e-6)
            assert hit.size, f"d={d}, seed={seed}: final loss {res.losses[-1]:.2e}"
            counts[d, seed] = int(hit[0])
            assert np.all(np.diff(res.losses) <= 0)                 # monotone decrease
            assert res.angles[-1] < 1e-3 and res.distances[-1] < 1e-3
    per_d = [max(c for (dd, _), c in counts.items() if dd == d) for d in (10, 100, 1000)]
    assert max(per_d) - min(per_d) <= 1, counts


def test_population_trainer_records_the_closed_forms():
    """The trainer's scalar bookkeeping equals the tensor closed forms at the weights it returns."""
    target = ReluTarget(w_star=tuple(np.random.default_rng(3).standard_normal(12)))
    w_star = t64(target.weight(12))
    kss = target.second_moment(12)
    for steps in (1, 2, 7):
        res = train_neuron(12, steps=steps, lr=0.3, target=target, seed=1)
        w = t64(res.weights)
        assert res.losses[-1] == pytest.approx(float(neuron_population_loss(w, w_star)) / kss, rel=1e-12)
        assert res.distances[-1] == pytest.approx(float((w - w_star).norm() / w_star.norm()), rel=1e-12)
        cos = float(w @ w_star / (w.norm() * w_star.norm()))
        assert res.angles[-1] == pytest.approx(math.acos(cos), rel=1e-10)
    prev = train_neuron(12, steps=1, lr=0.3, target=target, seed=1, init=res.weights)
    manual = t64(res.weights) - 0.3 * neuron_population_grad(t64(res.weights), w_star)
    np.testing.assert_allclose(prev.weights, manual.numpy(), rtol=1e-13, atol=1e-15)


def test_population_gd_from_steep_target_and_negative_correlation():
    """|w*| = 5, and a start with negative correlation (angle > pi/2) still converges."""
    target = ReluTarget(norm=5.0)
    res = train_neuron(50, steps=60, lr=0.5, target=target, init=-positive_start(50, 0) * 0.1)
    assert res.angles[0] > math.pi / 2
    assert res.losses[-1] < 1e-10 and res.distances[-1] < 1e-5


def test_anti_aligned_start_on_samples_escapes_without_the_saddle_message():
    # the empirical gradient is not parallel to w: sampling noise turns the start away from the saddle,
    # so the population run's "only shrinks w" explanation must not be attached
    w_star = ReluTarget().weight(8)
    res = train_neuron(8, steps=200, lr=0.3, init=-w_star, samples=2000)
    assert res.angles[0] == pytest.approx(math.pi)
    assert res.angles[-1] < 1e-6 and res.losses[-1] < 1e-12
    assert "anti-aligned" not in res.message


def test_zero_start_is_refused_with_explanation():
    with pytest.raises(ValueError, match="not differentiable at w = 0"):
        train_neuron(5, steps=3, lr=0.5, init=np.zeros(5))


def test_anti_aligned_start_is_reported_not_crashing():
    w_star = ReluTarget().weight(8)
    res = train_neuron(8, steps=40, lr=0.5, init=-w_star)
    assert res.complete and "anti-aligned" in res.message
    assert res.losses[-1] == pytest.approx(1.0, abs=1e-10)          # stuck at the saddle value
    assert np.all(res.angles == pytest.approx(math.pi))
    assert np.linalg.norm(res.weights) < 1e-10                       # w shrinks by (1 - lr) per step
    # with lr = 1 the first step lands exactly on w = 0: stopped, explained
    res = train_neuron(8, steps=40, lr=1.0, init=-w_star)
    assert res.stopped_by == "collapsed" and not res.complete and res.steps_done == 1
    assert "w reached exactly 0" in res.message and res.losses[-1] == pytest.approx(1.0)


def test_divergence_is_reported():
    res = train_neuron(10, steps=3000, lr=50.0, samples=200, seed=0)
    assert res.stopped_by in ("diverged", "dead") and not res.complete and res.message


def test_samples_n_proportional_to_d_learns_and_n_far_below_d_does_not():
    """d = 50, full-batch GD, 150 steps: n = 10 d reaches held-out loss < 1e-6, n = d / 5 stays > 0.5."""
    d = 50
    good = train_neuron(d, steps=150, lr=0.5, samples=10 * d, test_samples=4000, seed=0)
    assert good.losses[-1] < 1e-6 and good.population_losses[-1] < 1e-6 and good.distances[-1] < 1e-3
    bad = train_neuron(d, steps=150, lr=0.05, samples=d // 5, test_samples=4000, seed=0)
    assert bad.complete and bad.losses[-1] > 0.5 and bad.population_losses[-1] > 0.5
    # held-out estimate tracks the exact population loss of the same neuron
    assert bad.losses[-1] == pytest.approx(bad.population_losses[-1], rel=0.1)


def test_sgd_minibatches_learn():
    d = 30
    res = train_neuron(d, steps=600, lr=0.05, samples=10 * d, batch_size=10, test_samples=2000, seed=0)
    assert res.batch_size == 10 and res.losses[-1] < 1e-4


def test_samples_with_biased_target_learn_a_bias():
    target = ReluTarget(norm=2.0, bias=0.5)
    res = train_neuron(10, steps=400, lr=0.2, target=target, samples=500, test_samples=2000, seed=1)
    assert res.population_losses is None and res.bias is not None
    assert res.losses[-1] < 1e-4 and res.bias == pytest.approx(0.5, abs=1e-2)


def test_dead_start_on_samples_is_reported():
    res = train_neuron(10, steps=50, lr=0.1, target=ReluTarget(bias=0.5), samples=100, init_bias=-100.0)
    assert res.stopped_by == "dead" and res.steps_done == 0 and not res.complete
    assert "dead start" in res.message and len(res.losses) == 1


def test_population_refuses_biased_or_other_targets():
    with pytest.raises(ValueError, match="bias-free ReLU targets only"):
        train_neuron(5, steps=3, lr=0.5, target=ReluTarget(bias=0.3))
    with pytest.raises(ValueError, match="samples=n"):
        train_neuron(5, steps=3, lr=0.5, target=rfexplore.HermiteTarget.single(2))
    res = train_neuron(5, steps=5, lr=0.1, target=rfexplore.HermiteTarget.single(2), samples=50, seed=0)
    assert res.distances is None and res.angles is None and res.losses.shape == (6,)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(d=0), ValueError, "d must be a positive integer, got 0"),
    (dict(d=2.5), TypeError, "d must be a positive integer"),
    (dict(steps=-3), ValueError, "steps must be a positive integer, got -3"),
    (dict(steps=True), TypeError, "steps must be a positive integer"),
    (dict(lr=0.0), ValueError, "lr must be a finite positive number, got 0.0"),
    (dict(lr=float("nan")), ValueError, "lr must be a finite positive number"),
    (dict(lr="1"), TypeError, "lr must be a finite positive number, got '1' \\(str\\)"),
    (dict(samples=0), ValueError, "samples must be a positive integer, got 0"),
    (dict(samples=10, batch_size=11), ValueError, "batch_size must be at most samples=10, got 11"),
    (dict(batch_size=4), ValueError, "batch_size needs samples=n"),
    (dict(samples=10, test_samples=0), ValueError, "test_samples must be a positive integer"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(init=np.ones(4)), ValueError, "init must have d=5 columns"),
    (dict(init="zeros"), ValueError, "init must be None, 'random' or an array"),
    (dict(init_scale=-1.0), ValueError, "init_scale must be a finite positive number"),
    (dict(callback=3), TypeError, "callback must be callable"),
    (dict(device="nonsense"), ValueError, "device must be"),
    (dict(learn_bias=True), ValueError, "learn_bias and init_bias need samples=n"),
    (dict(samples=10, init_bias=-1.0), ValueError, "init_bias=-1 needs a learned student bias"),
    (dict(samples=10, learn_bias=True, init_bias=float("inf")), ValueError, "init_bias must be a finite"),
    (dict(samples=10, learn_bias="yes"), TypeError, "learn_bias must be True, False or None"),
    (dict(target=ReluTarget(w_star=(1.0, 0.0))), ValueError, "w_star has dimension 2 but d=5"),
])
def test_train_neuron_validation(kwargs, exc, match):
    args = dict(d=5, steps=3, lr=0.5) | kwargs
    with pytest.raises(exc, match=match):
        train_neuron(args.pop("d"), **args)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message for a missing GPU")
def test_missing_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="not available"):
        train_neuron(5, steps=3, lr=0.5, device="cuda")
