"""Seeded pools of random first-layer weights and their ReLU features ``relu(<w_i, x> + b_i)``.

A pool of ``R`` features is *nested*: its first ``m`` rows are the pool one would get with
``width=m`` and the same seed (weights and biases come from independent child streams of one
``SeedSequence``), so one pool serves every width up to ``R``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .gaussian import as_matrix

__all__ = ["FeaturePool", "sample_features", "DISTRIBUTIONS", "check_positive_int", "check_seed"]

DISTRIBUTIONS = ("sphere", "gaussian")


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


@dataclass(frozen=True, eq=False)
class FeaturePool:
    """Random ReLU features ``relu(<w_i, x> + b_i)``.

    Attributes
    ----------
    W : ndarray, shape (R, d)
    b : ndarray of shape (R,), or None for bias-free features
    distribution, symmetric, bias_std, seed : how it was sampled
    """

    W: np.ndarray
    b: np.ndarray | None
    distribution: str
    symmetric: bool
    bias_std: float
    seed: int

    @property
    def d(self) -> int:
        return self.W.shape[1]

    @property
    def width(self) -> int:
        return self.W.shape[0]

    def head(self, m: int) -> FeaturePool:
        """The first ``m`` features (the pool of width ``m`` with the same seed)."""
        m = check_positive_int("width", m)
        if m > self.width:
            raise ValueError(f"width must be at most the pool size {self.width}, got {m}")
        return FeaturePool(self.W[:m], None if self.b is None else self.b[:m], self.distribution,
                           self.symmetric, self.bias_std, self.seed)

    def evaluate(self, X) -> np.ndarray:
        """Feature matrix ``relu(X W^T + b)`` of shape ``(n, R)`` for inputs ``X`` of shape ``(n, d)``."""
        X = as_matrix("X", X, d=self.d)
        Z = X @ self.W.T
        if self.b is not None:
            Z += self.b
        return np.maximum(Z, 0.0)


def sample_features(d: int, width: int, *, distribution: str = "sphere", symmetric: bool = False,
                    bias_std: float = 0.0, seed: int = 0) -> FeaturePool:
    """Sample a pool of ``width`` random ReLU features in dimension ``d``.

    Parameters
    ----------
    d, width : positive int
    distribution : ``"sphere"`` (uniform on the unit sphere) or ``"gaussian"`` (``N(0, I_d / d)``,
        so that ``E|w|^2 = 1`` as on the sphere)
    symmetric : bool
        Sign-symmetric pairs ``(w, b), (-w, -b)`` in consecutive rows (odd width ends with a lone
        feature). Pairs span every linear function exactly, since ``relu(z) - relu(-z) = z``.
    bias_std : float
        Random biases ``b_i ~ N(0, bias_std^2)``; 0 gives bias-free features (``b = None``).
    seed : non-negative int

    Examples
    --------
    >>> pool = sample_features(3, 4, symmetric=True, seed=1)
    >>> bool((pool.W[1] == -pool.W[0]).all()), pool.W.shape
    (True, (4, 3))
    """
    d = check_positive_int("d", d)
    width = check_positive_int("width", width)
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be True or False, got {symmetric!r}")
    if isinstance(bias_std, bool) or not isinstance(bias_std, (int, float, np.floating, np.integer)) \
            or not math.isfinite(bias_std) or bias_std < 0:
        raise ValueError(f"bias_std must be a finite non-negative number, got {bias_std!r}")
    seed = check_seed(seed)
    ss_w, ss_b = np.random.SeedSequence(seed).spawn(2)
    n_draw = (width + 1) // 2 if symmetric else width
    G = np.random.default_rng(ss_w).standard_normal((n_draw, d))
    if distribution == "sphere":
        G /= np.linalg.norm(G, axis=1, keepdims=True)
    else:
        G /= math.sqrt(d)
    b = None
    if bias_std > 0:
        b = bias_std * np.random.default_rng(ss_b).standard_normal(n_draw)
    if symmetric:
        W = np.empty((2 * n_draw, d))
        W[0::2], W[1::2] = G, -G
        W = W[:width]
        if b is not None:
            bb = np.empty(2 * n_draw)
            bb[0::2], bb[1::2] = b, -b
            b = bb[:width]
    else:
        W = G
    return FeaturePool(W, b, distribution, bool(symmetric), float(bias_std), seed)
