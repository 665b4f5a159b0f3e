"""Tests of rfexplore.train.two_layer: exact population losses and gaps of the network, its RF and its
linearized model against Monte Carlo, lazy-training trends, training on samples; validation."""

import math

import numpy as np
import pytest
import torch

from rfexplore import ReluTarget, train_two_layer
from rfexplore.gaussian import relu_kernel
from rfexplore.train import _pair_geometry, _PopulationModels, _two_layer_init, linearized_population_loss

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


def t64(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def test_two_layer_population_losses_and_gaps_match_monte_carlo():
    d, r = 6, 8
    W0, u0 = (t64(a) for a in _two_layer_init(d, r, 0))
    w_star = torch.zeros(d, dtype=torch.float64)
    w_star[0] = 1.3
    c, kss = 0.7, 1.3 ** 2 / 2
    model = _PopulationModels(W0, u0, w_star, c, kss, True)
    g = torch.Generator().manual_seed(1)

    def noise(*shape):
        return 0.3 * torch.randn(*shape, generator=g, dtype=torch.float64)

    s = model.start
    with torch.no_grad():                                  # move all three models off their start
        W, u, lin_W, lin_u, v = s.W + noise(r, d), s.u + noise(r), s.lin_W + noise(r, d), s.lin_u + noise(r), \
            s.v + noise(r)
    m = model.forward(W, u, v, lin_W, lin_u)               # with autograd, as in training
    assert m.loss.requires_grad and m.lin_loss.requires_grad
    ev = model.evaluate(m)
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


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(width=7), ValueError, "width must be even"),
    (dict(width=0), ValueError, "width must be a positive integer, got 0"),
    (dict(alpha=0.0), ValueError, "alpha must be a finite positive number, got 0.0"),
    (dict(alpha=-2.0), ValueError, "alpha must be a finite positive number, got -2.0"),
    (dict(alpha=None), TypeError, "alpha must be a finite positive number, got None \\(NoneType\\)"),
    (dict(steps=0), ValueError, "steps must be a positive integer, got 0"),
    (dict(lr=-1.0), ValueError, "lr must be a finite positive number, got -1.0"),
    (dict(samples=-5), ValueError, "samples must be a positive integer, got -5"),
    (dict(compare="yes"), TypeError, "compare must be true or false, got 'yes' \\(str\\)"),
    (dict(target=ReluTarget(bias=1.0)), ValueError, "bias-free ReLU targets only"),
])
def test_train_two_layer_validation(kwargs, exc, match):
    args = dict(d=4, width=6, steps=2) | kwargs
    with pytest.raises(exc, match=match):
        train_two_layer(args.pop("d"), args.pop("width"), **args)
