"""Oracle tests for gradient descent on a neuron with a bias: the kernel's closed gradient against finite
differences, autograd against the numpy closed gradient, the loss against Monte Carlo, and the trainer."""

import math

import numpy as np
import pytest
import torch

from rfexplore.biased_neuron import (
    biased_neuron_loss,
    biased_neuron_loss_and_grad,
    biased_relu_kernel_torch,
    train_biased_neuron,
)
from rfexplore.gaussian import biased_relu_kernel
from rfexplore.targets import ReluTarget


def _pairs():
    """Generic, parallel, anti-parallel and zero-vector pairs of (w, b), (v, c)."""
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    V, c = rng.standard_normal((4, 3)), rng.standard_normal(4)
    V[0], c[0] = 2.0 * W[0], 2.0 * b[0]            # the same neuron, scaled
    V[1], c[1] = -0.5 * W[1], 0.3                  # anti-parallel
    W[4], b[4] = 0.0, 0.8                           # the constant relu(0.8)
    return W, b, V, c


def test_kernel_gradient_matches_finite_differences():
    W, b, V, c = _pairs()
    G = np.random.default_rng(1).standard_normal((5, 4))
    args = [torch.tensor(a, requires_grad=True) for a in (W, b, V, c)]
    out = (biased_relu_kernel_torch(*args) * torch.tensor(G)).sum()
    grads = torch.autograd.grad(out, args)
    np.testing.assert_allclose(biased_relu_kernel_torch(*args).detach().numpy(), biased_relu_kernel(W, b, V, c),
                               rtol=0, atol=0)
    # h = 1e-4: the forward closed form loses ~1e-14 absolute for nearly parallel pairs (rho = 1 - O(h^2)),
    # which a smaller h would amplify; truncation h^2 ~ 1e-8 times the third derivative
    h = 1e-4
    for i, (A, g) in enumerate(zip((W, b, V, c), grads, strict=True)):
        num = np.zeros_like(A)
        for idx in np.ndindex(A.shape):
            up, dn = [W, b, V, c], [W, b, V, c]
            Ap, Am = A.copy(), A.copy()
            Ap[idx] += h
            Am[idx] -= h
            up[i], dn[i] = Ap, Am
            num[idx] = ((biased_relu_kernel(*up) - biased_relu_kernel(*dn)) * G).sum() / (2 * h)
        if i == 0:                                  # row 4 is w = 0: a kink of |w| for b > 0, skip it
            num, g = num[:4], g[:4]
        np.testing.assert_allclose(g.numpy(), num, rtol=0, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_numpy_closed_gradient_equals_autograd(seed):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal(4), float(rng.normal())
    ws, bs = 2.0 * rng.standard_normal(4), float(2.0 * rng.normal())
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = biased_neuron_loss(wt, bt, torch.tensor(ws), torch.tensor(bs, dtype=torch.float64))
    gw, gb = torch.autograd.grad(loss, (wt, bt))
    l2, gw2, gb2 = biased_neuron_loss_and_grad(w, b, ws, bs)
    assert l2 == pytest.approx(float(loss.detach()), rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(gw2, gw.numpy(), rtol=1e-10, atol=1e-13)
    assert gb2 == pytest.approx(float(gb), rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_loss_gradient_matches_finite_differences_of_the_loss(seed):
    # the gradient in (w, b) that the trainer follows, against central differences of the closed loss itself
    # (not only of the kernel): h = 1e-5, truncation about h^2 times the third derivative (1e-10), rounding
    # about 1e-16 / h (1e-11); 1e-8 leaves room for both
    rng = np.random.default_rng(10 + seed)
    w, b = rng.standard_normal(4), float(rng.normal())
    ws, bs = 1.5 * rng.standard_normal(4), float(rng.normal())
    loss, gw, gb = biased_neuron_loss_and_grad(w, b, ws, bs)
    h = 1e-5

    def f(w_, b_):
        return biased_neuron_loss_and_grad(w_, b_, ws, bs)[0]

    num = np.array([(f(w + h * e, b) - f(w - h * e, b)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(gw, num, rtol=0, atol=1e-8)
    assert gb == pytest.approx((f(w, b + h) - f(w, b - h)) / (2 * h), rel=0, abs=1e-8)
    assert loss > 0


@pytest.mark.parametrize("n", [200_000, 2_000_000])
def test_loss_matches_monte_carlo(n):
    target = ReluTarget(norm=2.0, bias=-1.5)
    w, b = np.array([0.3, 1.0, -0.4]), 0.2
    loss, _, _ = biased_neuron_loss_and_grad(w, b, target.weight(3), target.bias)
    X = np.random.default_rng(n).standard_normal((n, 3))
    sq = (np.maximum(X @ w + b, 0.0) - target(X)) ** 2
    assert abs(loss - sq.mean()) < 4 * sq.std() / math.sqrt(n)      # 4 standard errors


def test_loss_vanishes_at_the_target_and_is_positive_elsewhere():
    ws, bs = np.array([1.5, 0.0, 0.0]), -0.9
    assert abs(biased_neuron_loss_and_grad(ws, bs, ws, bs)[0]) < 1e-15
    _, gw, gb = biased_neuron_loss_and_grad(ws, bs, ws, bs)
    assert np.abs(gw).max() < 1e-14 and abs(gb) < 1e-14
    assert biased_neuron_loss_and_grad(ws * 1.01, bs, ws, bs)[0] > 0


def test_gradient_descent_learns_a_mildly_offset_neuron():
    res = train_biased_neuron(10, target=ReluTarget(norm=1.0, bias=-0.25), steps=400, lr=0.5, seed=0)
    assert res.losses[-1] < 1e-10 and res.steps_to(1e-6) < 300
    assert res.bias == pytest.approx(-0.25, abs=1e-5) and res.angles[-1] < 1e-5
    assert res.losses.shape == (401,) and res.stopped_by is None


def test_same_seed_same_history_other_seed_other_start():
    kw = dict(target=ReluTarget(norm=1.0, bias=-0.75), steps=20, lr=0.5)
    a, b, c = (train_biased_neuron(6, seed=s, **kw) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.losses, b.losses)
    assert a.losses[0] != c.losses[0]


def test_a_far_offset_start_gets_an_exponentially_small_gradient():
    # a neuron that is on for a fraction Phi(-6) ~ 1e-9 of inputs has |grad| of order phi(6) ~ 6e-9
    res = train_biased_neuron(5, target=ReluTarget(norm=1.0, bias=-0.25), steps=50, lr=0.5, init_bias=-6.0)
    assert res.gradient_norms[0] < 1e-7 and res.active[0] < 1e-8
    assert abs(res.losses[-1] - res.losses[0]) < 1e-6                  # and it barely moves


def test_explicit_start_and_bad_settings():
    res = train_biased_neuron(3, target=ReluTarget(), steps=5, lr=0.1, init=([1.0, 0.0, 0.0], 0.0))
    assert res.losses[0] < 1e-15
    with pytest.raises(TypeError, match="target must be a ReluTarget"):
        train_biased_neuron(3, target=None, steps=5, lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        train_biased_neuron(3, target=ReluTarget(), steps=5, lr=-1.0)
    with pytest.raises(ValueError, match="non-zero"):
        train_biased_neuron(3, target=ReluTarget(), steps=5, lr=0.1, init=([0.0, 0.0, 0.0], 1.0))
    with pytest.raises(ValueError, match="init must be"):
        train_biased_neuron(3, target=ReluTarget(), steps=5, lr=0.1, init="zeros")


def test_too_large_a_step_diverges_and_says_so():
    res = train_biased_neuron(3, target=ReluTarget(norm=1.0, bias=-0.5), steps=2000, lr=1e3, seed=0)
    assert res.stopped_by in ("diverged", "collapsed") and res.steps_done < 2000 and res.message


def test_distances_are_the_relative_parameter_distance_and_fall_to_zero():
    target = ReluTarget(norm=1.0, bias=-0.25)
    res = train_biased_neuron(5, target=target, steps=800, lr=0.5, seed=1)
    ws, bs = target.weight(5), target.bias
    size = np.sqrt(ws @ ws + bs * bs)
    # the last entry from the final parameters, by hand
    assert res.distances[-1] == pytest.approx(np.sqrt(np.sum((res.weights - ws) ** 2) + (res.bias - bs) ** 2) / size)
    assert res.distances[0] > 0.5 and res.distances[-1] < 1e-5 and len(res.distances) == 801


def test_a_callback_stops_the_run_and_the_history_is_cut_there():
    seen = []
    res = train_biased_neuron(4, target=ReluTarget(norm=1.0, bias=-0.5), steps=100, lr=0.5, seed=0,
                              callback=lambda t, s: seen.append(s["loss"]) or t == 7)
    assert res.stopped_by == "callback" and not res.complete and res.steps_done == 7
    assert len(res.losses) == 8 and seen == pytest.approx(list(res.losses))
    full = train_biased_neuron(4, target=ReluTarget(norm=1.0, bias=-0.5), steps=100, lr=0.5, seed=0)
    assert full.complete and np.array_equal(full.losses[:8], res.losses)


def test_a_keyboard_interrupt_returns_the_run_so_far():
    def interrupt(t, state):
        if t == 5:
            raise KeyboardInterrupt
    res = train_biased_neuron(4, target=ReluTarget(norm=1.0, bias=-0.5), steps=100, lr=0.5, seed=0, callback=interrupt)
    assert res.stopped_by == "interrupt" and res.steps_done == 5 and "after 5 of 100" in res.message
    assert len(res.losses) == len(res.distances) == 6 and np.isfinite(res.losses).all()


def test_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback must be callable or None, got int"):
        train_biased_neuron(4, target=ReluTarget(norm=1.0, bias=-0.5), steps=3, lr=0.5, callback=3)
