"""The one angle routine, ``gaussian.pair_angles``, against 50-digit references (mpmath).

Tolerances: the default (Gram) mode gets the angle to ``~1e-8`` absolute near 0 and pi (its cosine
carries the rounding of an inner product: ``2e-15 / sin(theta)``, at most ``3e-8``), while the arc-cosine kernel built
from it is accurate to ``1e-14`` relative at every angle; Kahan's mode gets every angle to ``2e-15``
radians, from ``1e-12`` to ``pi - 1e-9``.
"""

import math

import mpmath as mp
import numpy as np
import pytest
import torch

from rfexplore import gaussian as g

mp.mp.dps = 50


def angle_mp(w, v):
    """Exact angle between two float vectors (their values taken exactly) with 50 digits."""
    w = [mp.mpf(float(x)) for x in w]
    v = [mp.mpf(float(x)) for x in v]
    dot = mp.fsum(a * b for a, b in zip(w, v, strict=True))
    cross2 = mp.fsum((w[i] * v[j] - w[j] * v[i]) ** 2 for i in range(len(w)) for j in range(i + 1, len(w)))
    return mp.atan2(mp.sqrt(cross2), dot)


def kappa_mp(w, v):
    """Arc-cosine kernel ``|w||v| (sin t + (pi - t) cos t) / (2 pi)`` with 50 digits."""
    t = angle_mp(w, v)
    nw = mp.sqrt(mp.fsum(mp.mpf(float(x)) ** 2 for x in w))
    nv = mp.sqrt(mp.fsum(mp.mpf(float(x)) ** 2 for x in v))
    return nw * nv * (mp.sin(t) + (mp.pi - t) * mp.cos(t)) / (2 * mp.pi)


def tiny_angle_pairs():
    """Pairs at angles from 1e-12 to pi - 1e-12 (exact float vectors; their exact angle is the reference)."""
    rng = np.random.default_rng(5)
    out = []
    for t in [1e-12, 1e-9, 1e-6, 1e-3, 0.3, 1.0, 2.0, math.pi - 1e-3, math.pi - 1e-6, math.pi - 1e-9]:
        q, _ = np.linalg.qr(rng.standard_normal((6, 2)))
        out.append((2.5 * q[:, 0], 0.7 * (math.cos(t) * q[:, 0] + math.sin(t) * q[:, 1])))
    return out


def as_t(a):
    return torch.as_tensor(np.atleast_2d(a), dtype=torch.float64)


@pytest.mark.parametrize("precise", [False, True])
def test_pair_angles_against_mpmath(precise):
    for w, v in tiny_angle_pairs():
        nw, nv, c, s, theta = g.pair_angles(as_t(w), as_t(v), precise=precise)
        exact = angle_mp(w, v)
        assert abs(float(nw[0]) - float(mp.sqrt(mp.fsum(mp.mpf(x) ** 2 for x in w)))) <= 1e-15 * 2.5
        err = abs(float(theta[0, 0]) - float(exact))
        if precise:
            assert err <= 2e-15, (exact, err)          # a few rounding units, at every angle
        else:
            # a cosine rounded by ~2e-16 moves theta by ~2e-16 / sin(theta), at most sqrt(2 * 2e-16)
            assert err <= min(3e-8, 2e-15 / float(mp.sin(exact))), (exact, err)
        # cos, sin consistent with theta (they are what the kernels use)
        assert abs(float(c[0, 0]) - math.cos(float(theta[0, 0]))) <= 1e-15
        assert abs(float(s[0, 0]) - math.sin(float(theta[0, 0]))) <= 2e-15


def test_relu_kernel_accurate_at_every_angle():
    """The kernel from the default angles, in all three kernel paths, is relatively accurate to 1e-14
    even where the angle itself is only known to 1e-8 (kappa depends on it only through sin - t cos = O(t^3))."""
    for w, v in tiny_angle_pairs():
        exact = float(kappa_mp(w, v))
        W, V = as_t(w), as_t(v)
        fast = float(g.relu_kernel(w, v)[0, 0])
        Wg = W.clone().requires_grad_(True)
        auto = float(g.relu_kernel_torch(Wg, V).detach()[0, 0])
        for val in (fast, auto):
            assert abs(val - exact) <= 1e-14 * abs(exact) + 1e-16 * 2.5 * 0.7, (exact, val)


def test_zero_vectors_get_a_right_angle():
    W = torch.zeros(2, 3, dtype=torch.float64)
    W[1, 0] = 2.0
    for precise in (False, True):
        nw, nv, c, s, theta = g.pair_angles(W, W, precise=precise)
        assert nw.tolist() == [0.0, 2.0]
        assert float(theta[0, 1]) == pytest.approx(math.pi / 2) and float(theta[0, 0]) == pytest.approx(math.pi / 2)
        assert float(c[0, 1]) == 0.0 and float(s[0, 1]) == 1.0
        assert float(theta[1, 1]) == pytest.approx(0.0, abs=1e-7)


def test_modes_agree_on_a_random_gram():
    """Both modes return the same geometry (to the default mode's accuracy) on a random Gram."""
    W = torch.as_tensor(np.random.default_rng(1).standard_normal((30, 7)))
    a = g.pair_angles(W, W)
    b = g.pair_angles(W, W, precise=True)
    for x, y in zip(a, b, strict=True):
        off = ~torch.eye(len(x), dtype=torch.bool) if x.ndim == 2 else slice(None)
        assert torch.allclose(x[off], y[off], rtol=0, atol=1e-12)


def test_every_gaussian_kernel_uses_the_one_routine():
    """Source check: no other angle computation (arccos / atan2 / asin) in gaussian.py."""
    import inspect

    src = inspect.getsource(g)
    body = src.replace(inspect.getsource(g.pair_angles), "")
    for fn in ("torch.arccos", "torch.atan2", "torch.asin", "np.arccos", "np.arctan2", "np.arcsin"):
        assert fn not in body, fn
