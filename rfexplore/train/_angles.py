"""Angles between weight vectors, for the trainers: every angle the training code takes, in one place.

The single-neuron closed forms (DESIGN 2.6) and the two-layer tangent moments (DESIGN 2.9) need the
angle ``theta`` between two weight vectors, accurate near ``0`` and ``pi`` where ``arccos`` of a cosine
loses half its digits. Three routines take it here and nowhere else in :mod:`rfexplore.train`:

* :func:`_angle` — between two torch vectors (Kahan's ``2 atan2(|a - b|, |a + b|)``);
* :func:`_plane_geometry` — from a vector's coordinates ``(c, q)`` in the plane of ``w*``
  (``atan2(q, c)``), with the norms the population step needs;
* :func:`_pair_geometry` — between every pair of rows of two matrices (``atan2`` of the sine
  and cosine parts, as in :mod:`rfexplore.gaussian`).

When :mod:`rfexplore.gaussian` offers one angle routine for every kernel, these three are the ones
to replace.
"""

from __future__ import annotations

import math

import torch

_TWO_PI = 2.0 * math.pi


def _angle(w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Angle between two vectors, accurate near 0 and pi (Kahan): ``2 atan2(|a - b|, |a + b|)``."""
    a, b = w / w.norm(), v / v.norm()
    return 2.0 * torch.atan2((a - b).norm(), (a + b).norm())


def _plane_geometry(c: float, q: float, ns: float) -> tuple[float, float, float]:
    """``(|w|, theta, |w - w*|)`` of ``w = c e + q e_perp`` against ``w* = ns e`` (``q >= 0``).

    ``|w| = hypot(c, q)``, ``theta = atan2(q, c)``, ``|w - w*| = hypot(q, c - |w*|)``: accurate at any
    angle because ``q`` is a norm of the orthogonal part, never a difference of squares.
    """
    return math.hypot(c, q), math.atan2(q, c), math.hypot(q, c - ns)


def _sin_minus_theta_cos(theta: torch.Tensor) -> torch.Tensor:
    """``sin(theta) - theta cos(theta)``, by its series ``theta^3/3 - theta^5/30 + theta^7/840`` near 0."""
    t2 = theta * theta
    series = theta * t2 * (1.0 / 3.0 - t2 / 30.0 + t2 * t2 / 840.0)
    return torch.where(theta < 1e-2, series, torch.sin(theta) - theta * torch.cos(theta))


def _sin_minus_theta_cos_float(theta: float) -> float:
    """Scalar ``sin(theta) - theta cos(theta)`` (series near 0, as :func:`_sin_minus_theta_cos`)."""
    if theta < 1e-2:
        t2 = theta * theta
        return theta * t2 * (1.0 / 3.0 - t2 / 30.0 + t2 * t2 / 840.0)
    return math.sin(theta) - theta * math.cos(theta)


def _pair_geometry(W: torch.Tensor, V: torch.Tensor):
    """Between rows of ``W`` ``(n, d)`` and ``V`` ``(m, d)``: ``pi - theta``, ``sin theta``, ``cos theta``
    ``(n, m)``, the arc-cosine kernel ``kappa`` ``(n, m)`` and ``|w_i|`` ``(n,)`` (no autograd)."""
    G = W @ V.T
    nw, nv = W.norm(dim=1), V.norm(dim=1)
    N = nw[:, None] * nv[None, :]
    S = torch.sqrt((N * N - G * G).clamp_min(0.0))                 # |w||v| sin theta
    pmt = math.pi - torch.atan2(S, G)                              # theta from (S, G), as in gaussian.py
    inv_N = torch.where(N > 0, 1.0 / N.clamp_min(1e-300), 0.0)
    # Cho & Saul: kappa = (|w||v| sin theta + (pi - theta) <w, v>) / (2 pi)
    return pmt, S * inv_N, G * inv_N, (S + pmt * G) / _TWO_PI, nw
