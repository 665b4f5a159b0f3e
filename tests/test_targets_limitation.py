"""Oracle tests for the targets notebook 04 leans on: periodic cross moments and ReLU homogeneity."""

import math

import numpy as np
import pytest
from scipy import special

from rfexplore.targets import PeriodicTarget, ReluTarget


def periodic_relu_moment(t, theta):
    """``E[relu(<w,x>) cos(t <e_1,x>)]`` for a unit ``w`` at angle ``theta`` to ``e_1`` (closed form).

    With ``<e_1,x> = cos(theta) z + sin(theta) xi``: ``exp(-t^2 sin^2(theta) / 2) E[relu(z) cos(a z)]``,
    ``a = t cos(theta)``, and ``E[relu(z) cos(a z)] = (1 - sqrt(2) a D(a / sqrt(2))) / sqrt(2 pi)`` with
    Dawson's integral ``D``.
    """
    a = t * np.cos(theta)
    inner = (1.0 - math.sqrt(2.0) * a * special.dawsn(a / math.sqrt(2.0))) / math.sqrt(2.0 * math.pi)
    return np.exp(-0.5 * t * t * np.sin(theta) ** 2) * inner


def _unit(theta):
    return np.stack([np.cos(theta), np.sin(theta)], axis=1)


@pytest.mark.parametrize("frequency, norm", [(1.0, 0.1), (1.0, 0.5), (1.0, 1.0), (0.5, 2.0), (2.0, 1.0)])
def test_periodic_cross_moments_match_the_dawson_closed_form(frequency, norm):
    target = PeriodicTarget(frequency=frequency, norm=norm)
    theta = np.linspace(0.0, math.pi, 61)
    exact = periodic_relu_moment(target.t, theta)
    # the Hermite series is summed in floating point: absolute agreement to rounding (1e-14)
    np.testing.assert_allclose(target.cross_moments(_unit(theta)), exact, rtol=0, atol=1e-14)


def test_periodic_cross_moments_match_monte_carlo():
    target = PeriodicTarget(frequency=1.0, norm=0.3)
    W = np.array([[1.0, 0.0], [math.cos(1.0), math.sin(1.0)], [0.2, -0.3]])
    X = np.random.default_rng(5).standard_normal((400_000, 2))
    prods = np.maximum(X @ W.T, 0.0) * target(X)[:, None]
    mc, se = prods.mean(0), prods.std(0) / math.sqrt(len(X))
    assert np.all(np.abs(target.cross_moments(W) - mc) < 5 * se)      # 5 standard errors


@pytest.mark.parametrize("norm", [0.25, 0.5, 1.0, 2.0])
def test_periodic_correlation_is_below_the_gaussian_envelope(norm):
    # DESIGN 2.7: |corr(relu(<w,x>), cos(2 pi f <w*,x>))| <= exp(-2 pi^2 f^2 |w*|^2 sin^2 angle)
    f = 1.0
    target = PeriodicTarget(frequency=f, norm=norm)
    theta = np.linspace(0.0, math.pi / 2, 91)
    corr = target.cross_moments(_unit(theta)) / math.sqrt(0.5 * target.second_moment(2))
    envelope = np.exp(-2 * math.pi**2 * f**2 * norm**2 * np.sin(theta) ** 2)
    assert np.all(np.abs(corr) <= envelope + 1e-15)
    # and the envelope is the right rate: the exact log-correlation falls like it, up to the bounded factor
    k = theta > 0.3
    slope = np.polyfit(np.sin(theta[k]) ** 2, np.log(np.abs(periodic_relu_moment(target.t, theta[k]))), 1)[0]
    if norm >= 0.5:
        assert slope == pytest.approx(-2 * math.pi**2 * f**2 * norm**2, rel=0.25)


def test_periodic_depends_on_frequency_times_norm_only():
    W = _unit(np.linspace(0, math.pi, 7))
    np.testing.assert_array_equal(PeriodicTarget(frequency=2.0, norm=0.25).cross_moments(W),
                                  PeriodicTarget(frequency=1.0, norm=0.5).cross_moments(W))


@pytest.mark.parametrize("norm, bias", [(10.0, 0.0), (100.0, 1.0), (3.0, -2.0)])
def test_relu_target_is_positively_homogeneous(norm, bias):
    # [<w*,x> + b]_+ = |w*| [<w*/|w*|, x> + b/|w*|]_+ : moments scale by |w*| and |w*|^2
    W = np.random.default_rng(0).standard_normal((20, 6))
    steep, unit = ReluTarget(norm=norm, bias=bias), ReluTarget(norm=1.0, bias=bias / norm)
    np.testing.assert_allclose(steep.cross_moments(W), norm * unit.cross_moments(W), rtol=1e-12, atol=1e-14)
    assert steep.second_moment(6) == pytest.approx(norm**2 * unit.second_moment(6), rel=1e-12)
    X = np.random.default_rng(1).standard_normal((5, 6))
    np.testing.assert_allclose(steep(X), norm * unit(X), rtol=1e-12)
