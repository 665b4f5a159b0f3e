"""Seeded pools of random first-layer weights and their ReLU features ``relu(<w_i, x> + b_i)``.

A pool of ``R`` features is *nested*: its first ``m`` rows are the pool one would get with
``width=m`` and the same seed (weights and biases come from independent child streams of one
``SeedSequence``), so one pool serves every width up to ``R``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .validation import as_matrix, as_vector, check_memory
from .validation import positive_int as check_positive_int
from .validation import seed as check_seed

__all__ = ["FeaturePool", "sample_features", "DISTRIBUTIONS", "check_positive_int", "check_seed"]

DISTRIBUTIONS = ("sphere", "gaussian")
BIAS_STD_MAX = 1e100        # Gram entries grow like bias_std^2 and must stay far inside the float range


def _shown(value) -> str:
    """``repr`` of a number, cut short (a huge integer is not echoed in full)."""
    text = f"{value:g}" if isinstance(value, (float, np.floating)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_sampling(distribution, symmetric, bias_std):
    """The sampling settings of a pool (messages name the parameter, the rule and the value)."""
    if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be True or False, got {symmetric!r} ({type(symmetric).__name__})")
    if isinstance(bias_std, (bool, np.bool_)) or not isinstance(bias_std, (int, float, np.floating, np.integer)):
        raise TypeError(f"bias_std must be a finite non-negative number, got {bias_std!r} ({type(bias_std).__name__})")
    if not (0.0 <= bias_std < math.inf):                                # also NaN
        raise ValueError(f"bias_std must be a finite non-negative number, got {bias_std!r}")
    if bias_std > BIAS_STD_MAX:
        raise ValueError(f"bias_std must be at most {BIAS_STD_MAX:g} (Gram entries grow like bias_std^2 and must "
                         f"stay in the float range), got {_shown(bias_std)}")


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

    def __post_init__(self):
        W = as_matrix("W", self.W)
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", None if self.b is None else as_vector("b", self.b, len(W)))
        _check_sampling(self.distribution, self.symmetric, self.bias_std)
        object.__setattr__(self, "symmetric", bool(self.symmetric))
        object.__setattr__(self, "bias_std", float(self.bias_std))
        object.__setattr__(self, "seed", check_seed(self.seed))

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
        # X W^T and its ReLU: two (n, R) float64 arrays
        check_memory(2 * 8.0 * len(X) * self.width, f"the features of {self.width} neurons on {len(X)} inputs",
                     fix="use fewer inputs or features")
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
    _check_sampling(distribution, symmetric, bias_std)
    seed = check_seed(seed)
    # the Gaussian draw, its normalized copy and (sign-symmetric) the interleaved pool: three (width, d) arrays
    check_memory(3 * 8.0 * width * d + 8.0 * 3 * width, f"a pool of {width} features in dimension {d}",
                 fix="use a smaller width or d")
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


# --------------------------------------------------------------------------- kernel of a pool (notebook 01)


def feature_kernel(pool: FeaturePool, X, X2=None) -> np.ndarray:
    """Empirical kernel over inputs of a pool of ``R`` features, ``(1/R) sum_i f_i(x) f_i(x')``.

    ``X`` is ``(n, d)``, ``X2`` is ``(m, d)`` (``None``: ``X``); returns ``(n, m)``. As ``R`` grows it
    tends to :func:`feature_kernel_limit` at the Monte Carlo rate ``1 / sqrt(R)``.
    """
    _check_pool(pool)
    X = as_matrix("X", X, d=pool.d)
    n2 = len(X) if X2 is None else len(as_matrix("X2", X2, d=pool.d))
    _check_kernel_memory(pool, len(X) + n2, len(X) * n2)
    F = _torch(pool.evaluate(X))
    F2 = F if X2 is None else _torch(pool.evaluate(X2))
    return (F @ F2.T).numpy() / pool.width


def feature_kernel_limit(pool: FeaturePool, X, X2=None) -> np.ndarray:
    """Infinite-width kernel ``E_{w,b}[relu(<w,x> + b) relu(<w,x'> + b)]`` of the pool's distribution.

    Gaussian weights ``w ~ N(0, I_d / d)`` with biases ``b ~ N(0, s^2)``: ``<w,x> + b = <z, (x/sqrt(d), s)>``
    with ``z ~ N(0, I_{d+1})``, so the limit is the arc-cosine kernel of the augmented inputs
    ``(x / sqrt(d), s)`` (Cho & Saul 2009). Weights uniform on the sphere without biases: ``w = g/|g|``
    with ``|g|`` independent of the direction and ``E|g|^2 = d``, so the limit is ``kappa(x, x') / d``.
    Sign-symmetric pairs have the same limit (every feature has the same law). Returns ``(n, m)``.
    """
    from .gaussian import relu_kernel  # exact maths lives in gaussian.py

    _check_pool(pool)
    X = as_matrix("X", X, d=pool.d)
    X2 = X if X2 is None else as_matrix("X2", X2, d=pool.d)
    if pool.distribution == "sphere" and pool.b is not None:
        raise ValueError("feature_kernel_limit has a closed form for Gaussian weights (with or without "
                         f"biases) or sphere weights without biases, got distribution='sphere' with "
                         f"bias_std={pool.bias_std:g}; sample the pool with distribution='gaussian'")
    scale = 1.0 / math.sqrt(pool.d)
    if pool.b is None:
        return relu_kernel(X * scale, X2 * scale)
    # augmented inputs (x / sqrt(d), s): a bias is one more Gaussian coordinate
    aug = np.full((len(X), 1), pool.bias_std)
    aug2 = np.full((len(X2), 1), pool.bias_std)
    return relu_kernel(np.hstack([X * scale, aug]), np.hstack([X2 * scale, aug2]))


def feature_kernel_errors(pool: FeaturePool, X, widths=None, *, norm: str = "rms") -> np.ndarray:
    """How far the empirical kernel of the first ``m`` features is from its limit, on all pairs of ``X``.

    One number per width ``m`` in ``widths`` (default ``1..R``): the root-mean-square difference over
    all ``n^2`` pairs (``norm="rms"``; its square has expectation exactly ``c / m``, so it falls like
    ``1 / sqrt(m)``) or the largest absolute difference (``norm="max"``). Prefix sums of the
    features' outer products give the whole curve in one pass over the pool, as nested fits do.
    """
    _check_pool(pool)
    if norm not in ("rms", "max"):
        raise ValueError(f"norm must be 'rms' or 'max', got {norm!r}")
    if widths is None:
        widths = np.arange(1, pool.width + 1)
    widths = np.atleast_1d(np.asarray(widths))
    if widths.size == 0:
        raise ValueError("widths must contain at least one width, got an empty list")
    for m in widths.tolist():
        check_positive_int("width", m)
        if m > pool.width:
            raise ValueError(f"width must be at most the pool size {pool.width}, got {m}")
    X = as_matrix("X", X, d=pool.d)
    _check_kernel_memory(pool, len(X), 6 * len(X) ** 2)      # F; K, S, D, D^2 and a product
    F = _torch(pool.evaluate(X))                           # (n, R)
    K = _torch(feature_kernel_limit(pool, X))
    S = K.new_zeros(K.shape)                               # sum_{i <= prev} f_i(x) f_i(x')
    out, prev = np.empty(widths.size), 0
    for i in np.argsort(widths, kind="stable"):
        m = int(widths[i])
        if m > prev:
            S += F[:, prev:m] @ F[:, prev:m].T
            prev = m
        D = S / m - K
        out[i] = math.sqrt(float((D * D).mean())) if norm == "rms" else float(D.abs().max())
    return out


def feature_kernel_variance(pool: FeaturePool, X) -> float:
    """``sigma^2``: the variance over features of ``f(x) f(x')``, averaged over all pairs of ``X``.

    Estimated on the pool (around the exact limit). For ``m`` independent features the empirical
    kernel's mean squared error over pairs has expectation exactly ``sigma^2 / m``, so
    ``sqrt(sigma^2 / m)`` predicts :func:`feature_kernel_errors` with ``norm="rms"`` (sign-symmetric
    pairs are not independent and usually do better).
    """
    _check_pool(pool)
    X = as_matrix("X", X, d=pool.d)
    _check_kernel_memory(pool, 2 * len(X), 6 * len(X) ** 2)  # F, F^2; K and the (n, n) products
    F = _torch(pool.evaluate(X))                           # (n, R)
    K = _torch(feature_kernel_limit(pool, X))
    F2 = F * F
    # sum_i (f_i(x) f_i(x') - K)^2 = sum_i f_i(x)^2 f_i(x')^2 - 2 K sum_i f_i(x) f_i(x') + R K^2
    total = F2 @ F2.T - 2.0 * K * (F @ F.T) + pool.width * K * K
    return float(total.mean()) / pool.width


def _torch(a: np.ndarray):
    """float64 torch view of a numpy array: matrix products in torch (MKL), as everywhere in the package."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def _check_kernel_memory(pool, n_rows, n_pairs):
    """Refuse before allocating ``n_rows`` feature rows ``(R,)`` (two arrays each while evaluated) and
    ``n_pairs`` float64 kernel entries."""
    check_memory(8.0 * (2 * n_rows * pool.width + n_pairs), f"the kernel of {pool.width} features on "
                 f"{n_rows} input rows", fix="use fewer inputs or features")


def _check_pool(pool):
    if not isinstance(pool, FeaturePool):
        raise TypeError(f"pool must be a FeaturePool (from sample_features), got {type(pool).__name__}")


__all__ += ["feature_kernel", "feature_kernel_limit", "feature_kernel_errors", "feature_kernel_variance"]
