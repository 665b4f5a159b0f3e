"""Tests of rfexplore.train: closed forms vs autograd and Monte Carlo, convergence claims, RF by
gradient descent against the exact fit, lazy training trends, determinism, stopping, validation."""

import doctest
import math

import numpy as np
import pytest
import torch

import rfexplore
from rfexplore import ReluTarget, sample_features, train_neuron, train_rf, train_two_layer
from rfexplore import train as train_module
from rfexplore.fit import fit_nested
from rfexplore.gaussian import relu_kernel, relu_kernel_grad, relu_kernel_torch
from rfexplore.train import (
    _pair_geometry,
    _PopulationModels,
    _two_layer_init,
    linearized_population_loss,
    neuron_population_grad,
    neuron_population_loss,
)

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
    assert doctest.testmod(train_module, raise_on_error=False).failed == 0


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


# --------------------------------------------------------------------------- RF by gradient descent


def test_rf_gradient_descent_limit_is_the_exact_fit():
    pool = sample_features(5, 20, seed=0)
    res = train_rf(pool, steps=20_000)
    best = fit_nested(pool).fit(20).relative_error
    assert res.best_error == pytest.approx(best, rel=1e-12)
    assert abs(res.losses[-1] - best) <= 1e-4 * best
    assert res.losses[0] == 1.0 and np.all(np.diff(res.losses) <= 1e-15)   # monotone from u = 0


def test_rf_projected_gradient_descent_limit_is_the_constrained_fit():
    pool = sample_features(5, 20, seed=0)
    best = fit_nested(pool).fit(20, magnitude=5.0)
    assert best.method == "constrained"
    res = train_rf(pool, steps=5000, magnitude=5.0)
    assert res.method == "iterate"
    assert abs(res.losses[-1] - best.relative_error) <= 1e-4 * best.relative_error
    assert np.all(res.magnitudes <= 5.0 + 1e-12)


def test_rf_closed_form_equals_plain_iteration():
    pool = sample_features(6, 30, symmetric=True, seed=3)
    a = train_rf(pool, steps=300, method="closed")
    b = train_rf(pool, steps=300, method="iterate")
    np.testing.assert_allclose(a.losses, b.losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.magnitudes, b.magnitudes, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-10)
    c = train_rf(pool, steps=300, lr=0.5 * a.lr)
    assert c.lr == 0.5 * a.lr and c.losses[-1] > a.losses[-1]


def test_rf_and_neuron_share_a_step_axis():
    """The neuron's error vanishes while the RF error plateaus at the exact best fit."""
    d = 10
    neuron = train_neuron(d, steps=200, lr=0.5, init=positive_start(d, 0))
    rf = train_rf(sample_features(d, 100, seed=0), steps=200)
    assert neuron.losses.shape == rf.losses.shape == (201,)
    assert neuron.losses[-1] < 1e-12 < rf.best_error <= rf.losses[-1]


# --------------------------------------------------------------------------- two-layer network


def test_two_layer_population_losses_and_gaps_match_monte_carlo():
    d, r = 6, 8
    W0, u0 = (t64(a) for a in _two_layer_init(d, r, 0))
    w_star = torch.zeros(d, dtype=torch.float64)
    w_star[0] = 1.3
    c, kss = 0.7, 1.3 ** 2 / 2
    m = _PopulationModels(W0, u0, w_star, c, kss, True)
    g = torch.Generator().manual_seed(1)

    def noise(*shape):
        return 0.3 * torch.randn(*shape, generator=g, dtype=torch.float64)

    with torch.no_grad():                                  # move all three models off their start
        m.W += noise(r, d)
        m.u += noise(r)
        m.lin_W += noise(r, d)
        m.lin_u += noise(r)
        m.v += noise(r)
    m._forward()
    ev = m.evaluate()
    X = torch.randn(1_000_000, d, generator=g, dtype=torch.float64)
    y = torch.relu(X @ w_star)
    with torch.no_grad():
        f = c * torch.relu(X @ m.W.T) @ m.u
        f_rf = c * torch.relu(X @ W0.T) @ m.v
        Z0 = X @ W0.T
        B = u0[:, None] * (m.lin_W - W0)
        f_lin = c * (torch.relu(Z0) @ m.lin_u + ((Z0 > 0).double() * (X @ B.T)).sum(1))
    mc = {"loss": (f - y), "rf": (f_rf - y), "lin": (f_lin - y), "rf_gap": (f - f_rf), "lin_gap": (f - f_lin)}
    for key, diff in mc.items():
        assert ev[key] == pytest.approx(float(diff.pow(2).mean()) / kss, rel=1e-2), key
    # the public helper gives the same linearized loss
    lin = linearized_population_loss(W0.numpy(), u0.numpy(), m.lin_W.detach().numpy(),
                                     m.lin_u.detach().numpy(), alpha=c * math.sqrt(r),
                                     target=ReluTarget(norm=1.3))
    assert lin == pytest.approx(ev["lin"], rel=1e-12)


def test_pair_geometry_kernel_matches_relu_kernel():
    rng = np.random.default_rng(0)
    W, V = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(_pair_geometry(t64(W), t64(V))[3].numpy(), relu_kernel(W, V), rtol=1e-12)


def test_two_layer_starts_at_zero_output():
    res = train_two_layer(6, 10, alpha=3.0, steps=1)
    assert res.losses[0] == pytest.approx(1.0, abs=1e-14)              # f = 0: loss = E[y^2]
    assert res.rf_gaps[0] == 0.0 and res.lin_gaps[0] == 0.0 and res.movements[0] == 0.0
    W0, u0 = _two_layer_init(6, 10, 0)
    np.testing.assert_array_equal(W0[0::2], W0[1::2])
    np.testing.assert_array_equal(u0[0::2], -u0[1::2])


def test_first_layer_movement_decreases_with_width_like_inverse_sqrt():
    """alpha = 10, lr = 1/alpha^2, 60 steps: each 4x in width about halves the movement."""
    moves = [train_two_layer(10, r, alpha=10.0, steps=60, compare=False).movements[-1] for r in (16, 64, 256)]
    ratios = np.array(moves[1:]) / np.array(moves[:-1])
    assert np.all((ratios > 0.35) & (ratios < 0.7)), (moves, ratios)


def test_small_alpha_learns_features_large_alpha_is_lazy():
    lazy = train_two_layer(10, 32, alpha=10.0, steps=150)
    rich = train_two_layer(10, 32, alpha=0.5, steps=150)
    assert rich.movements[-1] > 10 * lazy.movements[-1]
    # the lazy network tracks its linearization far more closely than its RF model
    assert lazy.lin_gaps[-1] < 0.05 * lazy.rf_gaps[-1]
    assert lazy.lin_gaps[-1] < 0.1 * rich.lin_gaps[-1]
    # with lr = 1/alpha^2 the fixed-feature models do not depend on alpha (zero start)
    np.testing.assert_allclose(lazy.rf_losses, rich.rf_losses, rtol=1e-9)
    np.testing.assert_allclose(lazy.lin_losses, rich.lin_losses, rtol=1e-9)
    # learned features beat both fixed-feature models; lazy sits at the linearized model's level
    assert rich.losses[-1] < 0.2 * rich.lin_losses[-1] < rich.rf_losses[-1]
    assert lazy.losses[-1] == pytest.approx(lazy.lin_losses[-1], rel=0.3)


def test_two_layer_on_samples():
    res = train_two_layer(8, 16, alpha=1.0, steps=60, samples=800, test_samples=1000, seed=2)
    assert not res.exact and res.train_losses is not None
    assert res.losses[-1] < 0.5 * res.losses[0] and res.train_losses[-1] < res.train_losses[0]
    assert res.rf_gaps[0] == 0.0 and res.lin_gaps[-1] > 0
    sgd = train_two_layer(8, 16, alpha=1.0, steps=30, samples=800, batch_size=50, test_samples=500,
                          compare=False, target=ReluTarget(bias=-0.3))
    assert sgd.rf_losses is None and sgd.losses[-1] < sgd.losses[0]


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_history_other_seed_other_history():
    def runs(seed):
        return [
            train_neuron(20, steps=15, lr=0.5, seed=seed).losses,
            train_neuron(20, steps=15, lr=0.1, samples=60, batch_size=7, test_samples=300, seed=seed).losses,
            train_two_layer(5, 8, alpha=2.0, steps=8, seed=seed).lin_gaps,
            train_two_layer(5, 8, alpha=2.0, steps=8, samples=50, batch_size=9, test_samples=80,
                            seed=seed).losses,
            train_rf(sample_features(5, 10, seed=seed), steps=5, magnitude=2.0).losses,
        ]

    a, b, c = runs(3), runs(3), runs(4)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)


# --------------------------------------------------------------------------- stopping and progress


def test_callback_sees_progress_and_can_stop():
    seen = []

    def cb(step, state):
        seen.append((step, state["loss"], len(state["losses"])))
        assert state["steps"] == 50 and set(state) >= {"distance", "angle", "w"}
        return step == 5

    res = train_neuron(10, steps=50, lr=0.5, callback=cb)
    assert [s for s, _, _ in seen] == [1, 2, 3, 4, 5] and seen[-1][2] == 6
    assert res.steps_done == 5 and not res.complete and res.stopped_by == "callback"
    assert res.losses.shape == res.angles.shape == (6,) and res.losses[5] == seen[-1][1]


@pytest.mark.parametrize("trainer", ["neuron", "samples", "rf", "rf_iterate", "two_layer"])
def test_stop_iteration_and_keyboard_interrupt_return_history_so_far(trainer):
    def run(callback):
        if trainer == "neuron":
            return train_neuron(6, steps=20, lr=0.5, callback=callback)
        if trainer == "samples":
            return train_neuron(6, steps=20, lr=0.1, samples=30, test_samples=50, callback=callback)
        if trainer in ("rf", "rf_iterate"):
            return train_rf(sample_features(4, 6), steps=20, callback=callback,
                            method="closed" if trainer == "rf" else "iterate")
        return train_two_layer(4, 6, steps=20, callback=callback)

    def stop_at(step, exc):
        def cb(t, state):
            if t == step:
                raise exc
        return cb

    full = run(None)
    assert full.complete and full.stopped_by is None and full.steps_done == 20
    stopped = run(stop_at(3, StopIteration()))
    assert stopped.stopped_by == "callback" and stopped.steps_done == 3 and len(stopped.losses) == 4
    interrupted = run(stop_at(7, KeyboardInterrupt()))
    assert interrupted.stopped_by == "interrupt" and not interrupted.complete
    assert interrupted.steps_done == 7 and "interrupted" in interrupted.message
    np.testing.assert_array_equal(interrupted.losses, full.losses[:8])


def test_two_layer_callback_state():
    states = []
    train_two_layer(4, 6, steps=3, callback=lambda t, s: states.append(s))
    assert [s["step"] for s in states] == [1, 2, 3]
    assert set(states[0]) >= {"loss", "movement", "rf_loss", "lin_loss", "rf_gap", "lin_gap", "losses"}


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


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(width=7), ValueError, "width must be even"),
    (dict(width=0), ValueError, "width must be a positive integer, got 0"),
    (dict(alpha=0.0), ValueError, "alpha must be a finite positive number, got 0.0"),
    (dict(alpha=-2.0), ValueError, "alpha must be a finite positive number, got -2.0"),
    (dict(alpha=None), TypeError, "alpha must be a finite positive number, got None \\(NoneType\\)"),
    (dict(steps=0), ValueError, "steps must be a positive integer, got 0"),
    (dict(lr=-1.0), ValueError, "lr must be a finite positive number, got -1.0"),
    (dict(samples=-5), ValueError, "samples must be a positive integer, got -5"),
    (dict(compare="yes"), TypeError, "compare must be True or False"),
    (dict(target=ReluTarget(bias=1.0)), ValueError, "bias-free ReLU targets only"),
])
def test_train_two_layer_validation(kwargs, exc, match):
    args = dict(d=4, width=6, steps=2) | kwargs
    with pytest.raises(exc, match=match):
        train_two_layer(args.pop("d"), args.pop("width"), **args)


def test_train_rf_validation():
    pool = sample_features(4, 6)
    with pytest.raises(TypeError, match="pool must be a FeaturePool"):
        train_rf(np.ones((6, 4)), steps=3)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        train_rf(pool, steps=0)
    with pytest.raises(ValueError, match="magnitude must be a finite positive number"):
        train_rf(pool, steps=3, magnitude=-1.0)
    with pytest.raises(ValueError, match="method must be"):
        train_rf(pool, steps=3, method="newton")
    with pytest.raises(ValueError, match="method='closed' has no magnitude budget"):
        train_rf(pool, steps=3, method="closed", magnitude=1.0)
    with pytest.raises(ValueError, match=r"lr must be below 1 / lambda_max\(K\)"):
        train_rf(pool, steps=3, lr=100.0)


def test_train_rf_reuses_a_nested_factorization():
    """A NestedFit's Gram matrix serves any prefix width: same curve as training that pool alone."""
    from rfexplore.fit import fit_nested

    pool = sample_features(6, 40, symmetric=True, seed=3)
    nested = fit_nested(pool)
    a = train_rf(nested, width=24, steps=30, method="iterate")
    b = train_rf(pool.head(24), steps=30, method="iterate")
    assert a.width == 24 and a.seed == 3
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-9, atol=1e-12)
    assert a.best_error == pytest.approx(nested.relative_errors()[23], rel=1e-12)
    with pytest.raises(ValueError, match="width must be at most the pool size 40, got 41"):
        train_rf(nested, width=41, steps=3)
