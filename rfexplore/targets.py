"""Target functions ``y(x)`` for ``x ~ N(0, I_d)``.

Each target is a small frozen dataclass that can

* ``second_moment(d)`` — ``E[y^2]`` exactly (``None`` for a plain callable);
* ``cross_moments(W, b)`` — ``E[relu(<w_i,x> + b_i) y(x)]`` exactly, shape ``(r,)``
  (``None`` for a plain callable);
* ``__call__(X)`` — values on samples ``X`` of shape ``(n, d)``.

Random features are rotation invariant in distribution, so single-index targets point along
``e_1`` (and products of Hermite polynomials along ``e_1, e_2, ...``) without loss of generality;
a ReLU neuron may also be given an explicit weight vector.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from . import tails, validation
from .gaussian import (
    SCALE_MAX,
    biased_relu_hermite_coefficients,
    biased_relu_kernel,
    hermite_functions,
)
from .validation import as_matrix, as_vector, check_memory

__all__ = ["ReluTarget", "HermiteTarget", "PeriodicTarget", "CallableTarget", "check_target", "MOMENT_RANGE",
           "TriangleWaveTarget"]

# Second moments E[y^2] outside this range are refused: relative errors 1 - explained / E[y^2] need E[y^2],
# the explained energy (sums of squares of (r,) vectors ~ sqrt(E[y^2])) and their ratio in float64.
MOMENT_RANGE = (1e-300, 1e300)


def _second_moment(log_m: float, target: str) -> float:
    """``exp(log_m)``, or a ``ValueError`` when ``E[y^2] = exp(log_m)`` is outside :data:`MOMENT_RANGE`."""
    lo, hi = MOMENT_RANGE
    if not math.log(lo) <= log_m <= math.log(hi):             # also NaN
        shown = "0" if log_m == -math.inf else f"10^{log_m / math.log(10.0):.1f}" if math.isfinite(log_m) \
            else "beyond the float range"
        raise ValueError(
            f"{target} has E[y^2] = {shown}, outside the range [{lo:g}, {hi:g}] in which relative errors "
            "can be computed in float64; relative errors do not depend on the scale of the target, so "
            "rescale it (e.g. multiply norm and bias, or the coefficients, by one common factor)")
    return math.exp(log_m)


def _log_relu_square(norm: float, bias: float) -> float:
    """``log E[(norm Z + bias)_+^2]``: ``(norm^2 + bias^2) Phi(beta) + norm bias phi(beta)`` for ``beta = bias/norm
    >= 0`` (positive terms), ``2 norm^2 J_2(-beta)`` below (:mod:`rfexplore.tails`, no cancellation)."""
    with np.errstate(over="ignore", divide="ignore"):
        beta = bias / norm
    if beta >= 0:
        ln, lb = math.log(norm), (math.log(bias) if bias > 0 else -math.inf)
        first = np.logaddexp(2 * ln, 2 * lb) + float(special.log_ndtr(beta))
        second = ln + lb - 0.5 * beta * beta - 0.5 * math.log(2 * math.pi) if math.isfinite(beta) else -math.inf
        return float(np.logaddexp(first, second))
    if not math.isfinite(beta):
        return -math.inf
    return 2.0 * math.log(norm) + math.log(2.0) + float(tails.log_partial_moments(-beta, 2)[2])


def _finite(name, value, *, positive=False):
    return validation.positive(name, value) if positive else validation.real(name, value)


def _check_d(d):
    return validation.positive_int("d", d)


def _features(W, b):
    """Validated feature weights ``(r, d)`` and biases ``(r,)`` (zeros for ``None``)."""
    W = as_matrix("W", W)
    return W, (np.zeros(len(W)) if b is None else as_vector("b", b, len(W)))


def _split(W, b):
    """Unit directions, norms and normalized biases of features ``relu(<w,x> + b)``."""
    norms = np.linalg.norm(W, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return W / safe[:, None], norms, b / safe


def _single_index_moments(W, b, norms, beta, coef_fn, mean_y):
    """``|w| c_K(b/|w|)``-weighted sums for unit directions; a zero ``w`` is the constant ``relu(b)``."""
    out = norms * coef_fn(beta)
    zero = norms == 0
    return np.where(zero, np.maximum(b, 0.0) * mean_y, out)


@dataclass(frozen=True)
class ReluTarget:
    """A single ReLU neuron ``y = relu(<w*, x> + bias)`` with ``|w*| = norm``.

    ``w_star=None`` means ``w* = norm * e_1``; an explicit ``w_star`` fixes ``d`` and its norm.
    """

    norm: float = 1.0
    bias: float = 0.0
    w_star: tuple | None = None

    def __post_init__(self):
        if self.w_star is not None:
            w = as_matrix("w_star", self.w_star)[0]
            if not np.any(w):
                raise ValueError("w_star must be a non-zero vector, got all zeros")
            object.__setattr__(self, "w_star", tuple(w.tolist()))
            object.__setattr__(self, "norm", float(np.linalg.norm(w)))
        _finite("norm", self.norm, positive=True)
        _finite("bias", self.bias)

    def weight(self, d: int) -> np.ndarray:
        d = _check_d(d)
        if self.w_star is None:
            check_memory(8.0 * d, f"the weight vector of a neuron in dimension {d}", fix="use a smaller d")
            w = np.zeros(d)
            w[0] = self.norm
            return w
        if len(self.w_star) != d:
            raise ValueError(f"w_star has dimension {len(self.w_star)} but d={d}")
        return np.asarray(self.w_star)

    def second_moment(self, d: int) -> float:
        """``E[y^2] = E[(|w*| Z + bias)_+^2]``, to relative precision for any ``bias / |w*|``; refused
        (``ValueError``) outside :data:`MOMENT_RANGE`."""
        self.weight(d)
        return _second_moment(_log_relu_square(self.norm, self.bias), f"ReluTarget(norm={self.norm:g}, "
                              f"bias={self.bias:g})")

    def cross_moments(self, W, b=None) -> np.ndarray:
        W, b = _features(W, b)
        if self.norm + abs(self.bias) > SCALE_MAX:
            raise ValueError(f"norm + |bias| of a ReluTarget must be at most {SCALE_MAX:g} for its cross-moments "
                             f"to stay in the float range, got norm={self.norm:g}, bias={self.bias:g}; rescale it")
        return biased_relu_kernel(W, b, self.weight(W.shape[1])[None], [self.bias])[:, 0]

    def __call__(self, X) -> np.ndarray:
        X = as_matrix("X", X)
        return np.maximum(X @ self.weight(X.shape[1]) + self.bias, 0.0)

    def label(self) -> str:
        b = (f" + {self.bias:g}" if self.bias > 0 else f" - {-self.bias:g}") if self.bias else ""
        return f"ReLU neuron [<w*,x>{b}]+, |w*| = {self.norm:g}"


@dataclass(frozen=True)
class HermiteTarget:
    """A polynomial ``y = sum_t coef_t * prod_j h_{alpha_tj}(x_j)`` in normalized Hermite polynomials.

    ``terms`` maps multi-indices over the coordinates ``e_1, e_2, ...`` to coefficients:
    ``{(3,): 1.0}`` is ``h_3(<e_1,x>)``; ``{(2,): 1.0, (0, 1): 0.5}`` is ``h_2(x_1) + h_1(x_2)/2``.
    Use :meth:`single` for ``h_k(<e_1, x>)``.
    """

    terms: dict = field(default_factory=lambda: {(1,): 1.0})

    def __post_init__(self):
        if not isinstance(self.terms, dict) or not self.terms:
            raise ValueError(
                f"terms must be a non-empty dict of multi-index -> coefficient, got {self.terms!r}")
        clean = {}
        for alpha, coef in self.terms.items():
            alpha = (alpha,) if isinstance(alpha, (int, np.integer)) else tuple(alpha)
            if not alpha or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 0
                                for a in alpha):
                raise ValueError(f"terms keys must be tuples of non-negative integers, got {alpha!r}")
            alpha = tuple(int(a) for a in alpha)
            while len(alpha) > 1 and alpha[-1] == 0:
                alpha = alpha[:-1]
            clean[alpha] = clean.get(alpha, 0.0) + _finite(f"coefficient of {alpha}", coef)
        object.__setattr__(self, "terms", clean)

    @classmethod
    def single(cls, k: int, coef: float = 1.0) -> HermiteTarget:
        """``coef * h_k(<e_1, x>)``."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"k must be a non-negative integer, got {k!r}")
        return cls({(int(k),): coef})

    @property
    def degree(self) -> int:
        return max(sum(a) for a in self.terms)

    def _dims(self) -> int:
        return max(len(a) for a in self.terms)

    def second_moment(self, d: int) -> float:
        """``sum_t coef_t^2`` (orthonormal basis); refused (``ValueError``) outside :data:`MOMENT_RANGE`."""
        self._check_d(d)
        big = max(abs(c) for c in self.terms.values())
        if big == 0.0:
            return _second_moment(-math.inf, "this Hermite target (all coefficients 0)")
        total = math.fsum((c / big) ** 2 for c in self.terms.values())
        return _second_moment(2.0 * math.log(big) + math.log(total), "this Hermite target")

    def _check_d(self, d):
        d = _check_d(d)
        if self._dims() > d:
            raise ValueError(f"this Hermite target uses {self._dims()} coordinates but d={d}")

    def cross_moments(self, W, b=None) -> np.ndarray:
        # E[relu(<w,x>+b) prod_j h_{alpha_j}(x_j)]
        #     = |w| c_K(b/|w|) sqrt(K!/prod alpha_j!) prod w_hat_j^alpha_j,  K = sum alpha_j
        W, b = _features(W, b)
        self._check_d(W.shape[1])
        # coefficients, the Hermite recurrence and its products: six (degree + 1, r) float64 arrays (measured 4.5)
        check_memory(6 * 8.0 * (self.degree + 1) * len(W), f"the cross-moments of a degree-{self.degree} "
                     f"Hermite target with {len(W)} features", fix="use a lower degree or fewer features")
        U, norms, beta = _split(W, b)

        def series(beta):
            c = biased_relu_hermite_coefficients(self.degree, beta)      # (K+1, r)
            out = np.zeros(len(W))
            for alpha, coef in self.terms.items():
                K = sum(alpha)
                multinom = math.exp(0.5 * (math.lgamma(K + 1) - sum(math.lgamma(a + 1) for a in alpha)))
                mono = np.prod([U[:, j] ** a for j, a in enumerate(alpha)], axis=0)
                out += coef * multinom * c[K] * mono
            return out

        return _single_index_moments(W, b, norms, beta, series, self.terms.get((0,), 0.0))

    def __call__(self, X) -> np.ndarray:
        X = as_matrix("X", X)
        self._check_d(X.shape[1])
        y = np.zeros(len(X))
        for alpha, coef in self.terms.items():
            term = np.full(len(X), coef)
            for j, a in enumerate(alpha):
                if a:
                    term = term * hermite_functions(a, X[:, j])[a]
            y += term
        return y

    def label(self) -> str:
        parts = []
        for alpha, coef in self.terms.items():
            factors = "".join(f"h{a}(x{j + 1})" for j, a in enumerate(alpha) if a) or "1"
            parts.append(factors if coef == 1 else f"{coef:g}·{factors}")
        return "Hermite polynomial " + " + ".join(parts)


@dataclass(frozen=True)
class PeriodicTarget:
    """A periodic single-index function ``y = cos(2 pi frequency <w*, x> + phase)``, ``w* = norm e_1``.

    Its correlation with any feature ``f(<w, x>)`` decays like
    ``exp(-2 pi^2 frequency^2 |w*|^2 sin^2 angle(w, w*))`` (DESIGN 2.7): the idea of the proof.
    Exact cross-moments come from its Hermite series, truncated where the tail is below 1e-13.
    """

    frequency: float = 1.0
    norm: float = 1.0
    phase: float = 0.0

    def __post_init__(self):
        _finite("frequency", self.frequency, positive=True)
        _finite("norm", self.norm, positive=True)
        _finite("phase", self.phase)
        # its moments use t = 2 pi frequency norm and t^2: both must stay in the float range
        if not 2.0 * math.pi * self.frequency * self.norm <= SCALE_MAX:
            raise ValueError(f"frequency * norm of a PeriodicTarget must be at most {SCALE_MAX / (2 * math.pi):.3g} "
                             f"(its moments use (2 pi frequency norm)^2), got frequency={self.frequency:g}, "
                             f"norm={self.norm:g}")

    @property
    def t(self) -> float:
        return 2.0 * math.pi * self.frequency * self.norm

    def hermite_coefficients(self) -> np.ndarray:
        """``p_k = E[y h_k(<e_1, x>)]``, k = 0..kmax, truncated where the tail is below 1e-13."""
        # E[exp(i t z) h_k(z)] = (i t)^k exp(-t^2/2)/sqrt(k!), so for cos(t z + phase):
        # p_k = cos(phase + k pi / 2) t^k exp(-t^2/2) / sqrt(k!)
        t = self.t
        count = math.ceil(t * t + 12.0 * t + 60.0) + 1                 # t <= SCALE_MAX: finite
        check_memory(4 * 8.0 * count,
                     f"the {_count(float(count))} Hermite coefficients of frequency {self.frequency:g}",
                     fix="use a lower frequency or norm")
        kmax = count - 1
        k = np.arange(kmax + 1)
        with np.errstate(divide="ignore"):
            logmag = k * math.log(t) - 0.5 * t * t - 0.5 * special.gammaln(k + 1)
        return np.cos(self.phase + k * math.pi / 2) * np.exp(logmag)

    def second_moment(self, d: int) -> float:
        _check_d(d)
        # E[cos^2(t z + phase)] = (1 + cos(2 phase) exp(-2 t^2)) / 2
        #                       = cos^2(phase) + cos(2 phase) expm1(-2 t^2) / 2   (no cancellation)
        c2 = math.cos(2.0 * self.phase)
        m = math.cos(self.phase) ** 2 + 0.5 * c2 * math.expm1(-2.0 * self.t ** 2)
        return _second_moment(math.log(m) if m > 0 else -math.inf,
                              f"PeriodicTarget(frequency={self.frequency:g}, phase={self.phase:g})")

    def cross_moments(self, W, b=None) -> np.ndarray:
        """``E[relu(<w,x> + b) cos(t x_1 + phase)]
        = |w| Re(e^{i phase} e^{-t^2 (1 - u_1^2)/2} E[(Z + beta)_+ e^{i tau Z}])`` with ``u = w/|w|``,
        ``beta = b/|w|``, ``tau = t u_1`` (condition ``x_1`` on ``<u, x>``); the last factor is
        ``e^{-tau^2/2} g(beta + i tau)``, ``g(z) = phi(z) + z Phi(z)``
        (:func:`rfexplore.tails.relu_fourier_scaled`)."""
        W, b = _features(W, b)
        U, norms, beta = _split(W, b)
        perp2 = (U[:, 1:] ** 2).sum(1) if U.shape[1] > 1 else np.zeros(len(U))     # 1 - u_1^2, exactly
        t = self.t
        F = tails.relu_fourier_scaled(beta, t * U[:, 0], -0.5 * t * t * perp2)
        out = norms * np.real(np.exp(1j * self.phase) * F)
        mean_y = math.cos(self.phase) * math.exp(-0.5 * t * t)                          # E[y]
        return np.where(norms == 0, np.maximum(b, 0.0) * mean_y, out)

    def __call__(self, X) -> np.ndarray:
        X = as_matrix("X", X)
        return np.cos(self.t * X[:, 0] + self.phase)

    def label(self) -> str:
        return f"periodic cos(2π·{self.frequency:g}·<w*,x>), |w*| = {self.norm:g}"


@dataclass(frozen=True)
class CallableTarget:
    """Any function ``f(X) -> y`` on samples ``X`` of shape ``(n, d)``; sample-based fitting only."""

    function: Callable
    name: str = "custom target"

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"function must be callable, got {type(self.function).__name__}")

    def second_moment(self, d):
        return None

    def cross_moments(self, W, b=None):
        return None

    def __call__(self, X) -> np.ndarray:
        X = as_matrix("X", X)
        y = np.asarray(self.function(X), dtype=np.float64)
        if y.shape != (len(X),):
            raise ValueError(f"target function must return shape ({len(X)},), got {y.shape}")
        return y

    def label(self) -> str:
        return self.name


def check_target(target):
    """``None`` -> the unit ReLU ``[<e_1, x>]_+``; a plain callable -> :class:`CallableTarget`."""
    if target is None:
        return ReluTarget()
    if isinstance(target, (ReluTarget, HermiteTarget, PeriodicTarget, CallableTarget, TriangleWaveTarget)):
        return target
    if callable(target):
        return CallableTarget(target, getattr(target, "__name__", "custom target"))
    raise TypeError(
        "target must be None, a ReluTarget/HermiteTarget/PeriodicTarget/TriangleWaveTarget/CallableTarget or a "
        "callable, "
        f"got {type(target).__name__}"
    )


# --------------------------------------------------------------------------- the zig-zag (notebook 07)

_GL_NODES = 16              # Gauss–Legendre nodes per piece (pieces are at most 1 standard deviation long)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)
_HALF_WIDTH = 10.0          # integrate z = <w*,x>/|w*| over [-10, 10]; the rest weighs < phi(10) ~ 1e-22
_KINK_STEPS = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0])   # breakpoints around a feature's kink
_TRI_CHUNK = 2**18           # entries (rows x pieces x nodes) of the zig-zag's cross-moments at once: 2 MiB arrays
                            # (4e6 cost 1.2 s on its first call in a process, 0.44 s after: fresh pages; 0.27 s both)


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _linear_piece_square_moment(f_lo, f_hi, lo, hi):
    """``E[f(Z)^2; lo < Z < hi]`` for ``Z ~ N(0, 1)`` and ``f`` linear on ``[lo, hi]`` (closed form).

    With ``f(z) = A + B (z - lo)``: ``A^2 M0 + 2 A B M1 + B^2 M2``, ``M_k = E[(Z - lo)^k; lo < Z < hi]``
    from ``Phi`` and ``phi`` (moments of the truncated normal); ``hi`` may be ``inf``. Vectorized.
    """
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    length = hi - lo
    with np.errstate(invalid="ignore"):
        B = np.where(np.isfinite(length) & (length > 0), (f_hi - f_lo) / np.where(length > 0, length, 1.0), 0.0)
    A = f_lo
    # P(lo < Z < hi), from the upper tail where lo > 0 (no cancellation far out)
    M0 = np.where(lo > 0, special.ndtr(-lo) - special.ndtr(-hi), special.ndtr(hi) - special.ndtr(lo))
    E1 = _phi(lo) - _phi(hi)                                            # E[Z; lo < Z < hi]
    hi_phi = np.where(np.isfinite(hi), hi * _phi(hi), 0.0)
    E2 = M0 + lo * _phi(lo) - hi_phi                                    # E[Z^2; lo < Z < hi]
    M1 = E1 - lo * M0
    M2 = E2 - 2.0 * lo * E1 + lo * lo * M0
    return A * A * M0 + 2.0 * A * B * M1 + B * B * M2


_TRI_FIX = "use a larger period or a smaller norm"


def _count(n: float) -> str:
    """A count for a message: exact below 10^12, else three digits."""
    return f"{int(n)}" if n < 1e12 else f"{n:.3g}"


@dataclass(frozen=True)
class TriangleWaveTarget:
    """A zig-zag of one projection, ``y = tri(<w*, x>)`` with ``w* = norm * e_1`` (notebook 07).

    ``tri`` is the odd triangle wave of period ``p = period`` with slopes +-1 and ``tri(0) = 0``:
    slope +1 on ``[-p/4, p/4]``, -1 on ``[p/4, 3p/4]``, and so on periodically; its values fill
    ``[-p/4, p/4]`` and its kinks sit at ``p/4 + k p/2`` (k integer)::

        tri(z) = p/4 - | ((z + p/4) mod p) - p/2 |

    Odd, so ``E[y] = 0``: the constant, which every RF learns, carries none of ``E[y^2]``. A periodic
    function of ``<w*, x>`` is the idea of the paper's proof (and of Shamir 2018, "Distribution-specific
    hardness of learning neural networks"): its correlation with any feature ``f(<w, x>)`` is damped
    like ``exp(-2 pi^2 |w*|^2 sin^2 angle(w, w*) / p^2)``; and on a bounded range it is exactly a
    sum of offset ReLUs (:func:`rfexplore.periodic.relu_decomposition`). Bias-free ReLU features see
    only the degree-1 Hermite part of an odd target (DESIGN 2.7), so they fail on it for that reason
    alone; use biased features (the paper's model) to see the periodic mechanism.

    Exact moments (no sampling):

    * ``E[y^2]``: ``tri`` is linear between kinks, so it is a sum of truncated-normal moments
      (closed form, pieces out to 40 standard deviations of ``<w*,x>``).
    * ``E[relu(<w,x> + b) y]``: with ``z = x_1`` and ``<w,x> = w_1 z + |w_rest| xi``, the feature's
      conditional mean given ``z`` is ``E[relu(N(w_1 z + b, |w_rest|^2))]`` (closed form), so the
      moment is a 1-D integral over ``z ~ N(0, 1)``, done by 16-node Gauss–Legendre on pieces that
      end at every kink of ``tri``, at every integer in ``[-10, 10]`` and at the feature's (smoothed)
      kink ``-b / w_1`` and points ``2^k |w_rest| / |w_1|`` around it, ``k = -2..4``. On each piece
      ``tri`` is linear and the conditional mean is smooth on the piece's scale, so the quadrature is
      exact to rounding (absolute error below 1e-14 ``(|w| + |b|) p`` in the tests, against mpmath);
      the part beyond ``|z| > 10`` weighs less than ``p (|w| + |b|) phi(10) ~ 1e-22 p (|w| + |b|)``.
    """

    period: float = 1.0
    norm: float = 1.0

    def __post_init__(self):
        _finite("period", self.period, positive=True)
        _finite("norm", self.norm, positive=True)

    def tri(self, z) -> np.ndarray:
        """The zig-zag ``tri(z)`` of a projection ``z = <w*, x>`` (any shape)."""
        p = self.period
        # slope +1 on [-p/4, p/4], tri(0) = 0, period p
        return p / 4 - np.abs(np.mod(np.asarray(z, float) + p / 4, p) - p / 2)

    def kink_count(self, lo: float, hi: float) -> float:
        """At most how many kinks ``tri`` has in ``(lo, hi)`` (a float: it may be beyond any array)."""
        with np.errstate(over="ignore"):
            return float((hi - lo) / (0.5 * self.period)) + 2.0

    def kinks(self, lo: float, hi: float) -> np.ndarray:
        """The kinks ``p/4 + k p/2`` of ``tri`` in the open interval ``(lo, hi)`` of ``z = <w*, x>``, sorted."""
        p = self.period
        n = self.kink_count(lo, hi)
        # the indices, the kinks, their mask and the selection: four arrays of n
        check_memory(4 * 8.0 * n, f"the {_count(n)} kinks of a triangle wave of period {p:g} in ({lo:g}, {hi:g})",
                     fix=_TRI_FIX)
        k = np.arange(math.ceil((lo - p / 4) / (p / 2)), math.floor((hi - p / 4) / (p / 2)) + 1)
        z = p / 4 + k * (p / 2)
        return z[(z > lo) & (z < hi)]

    def weight(self, d: int) -> np.ndarray:
        w = np.zeros(_check_d(d))
        w[0] = self.norm
        return w

    def second_moment(self, d: int) -> float:
        _check_d(d)
        R = self.norm
        n = self.kink_count(-40.0 * R, 40.0 * R)
        # the pieces' edges, values and truncated-normal moments: measured 12-15 arrays of n
        check_memory(16 * 8.0 * n + 2**16, f"E[y^2] of a triangle wave over {_count(n)} pieces", fix=_TRI_FIX)
        edges = np.concatenate([[-40.0], self.kinks(-40.0 * R, 40.0 * R) / R, [40.0]])   # in units of R
        vals = self.tri(R * edges)
        with np.errstate(over="ignore", invalid="ignore"):
            m = float(np.sum(_linear_piece_square_moment(vals[:-1], vals[1:], edges[:-1], edges[1:])))
        # refused outside MOMENT_RANGE (0 where it underflows, inf / NaN where it overflows)
        log_m = math.log(m) if m > 0 and math.isfinite(m) else (-math.inf if m == 0 else math.inf)
        return _second_moment(log_m, f"TriangleWaveTarget(period={self.period:g}, norm={self.norm:g})")

    def cross_moments(self, W, b=None) -> np.ndarray:
        W, b = _features(W, b)
        R = self.norm
        w1 = W[:, 0]
        rest = np.linalg.norm(W[:, 1:], axis=1)                          # |w_rest| = |w| sin(angle)
        check_memory(self.cross_moment_bytes(len(W)), f"the cross-moments of {len(W)} features with a triangle "
                     f"wave over {_count(self.kink_count(-_HALF_WIDTH * R, _HALF_WIDTH * R))} pieces", fix=_TRI_FIX)
        common = np.unique(np.concatenate([np.arange(-_HALF_WIDTH, _HALF_WIDTH + 1),
                                           self.kinks(-_HALF_WIDTH * R, _HALF_WIDTH * R) / R]))
        out = np.empty(len(W))
        chunk = max(1, int(_TRI_CHUNK // ((len(common) + 2 * len(_KINK_STEPS)) * _GL_NODES)))
        for s in range(0, len(W), chunk):
            sl = slice(s, s + chunk)
            out[sl] = self._integrate(w1[sl], rest[sl], b[sl], common)
        return out

    def cross_moment_bytes(self, r: int) -> float:
        """Peak memory of :meth:`cross_moments` for ``r`` features: a chunk of rows at a time, each with
        ``(pieces, 16 nodes)`` arrays (measured ~9.3 of them) beside the common edges."""
        pieces = self.kink_count(-_HALF_WIDTH * self.norm, _HALF_WIDTH * self.norm) + 2 * _HALF_WIDTH + 1 \
            + 2 * len(_KINK_STEPS)
        rows = min(r, max(1, _TRI_CHUNK // (pieces * _GL_NODES)))
        return 10 * 8.0 * _GL_NODES * pieces * rows + 8 * 8.0 * pieces + 2**16

    def _integrate(self, w1, rest, b, common):
        """``E[m(z) tri(R z)]`` by piecewise Gauss–Legendre, ``m(z) = E[relu(w_1 z + b + rest xi)]``."""
        L = _HALF_WIDTH
        with np.errstate(divide="ignore", invalid="ignore"):
            kink = np.where(w1 != 0, -b / w1, -L)                         # where w_1 z + b = 0
            scale = np.where(w1 != 0, rest / np.abs(w1), 0.0)             # its smoothing width in z
        steps = np.concatenate([-_KINK_STEPS[:0:-1], _KINK_STEPS])
        extra = np.clip(kink[:, None] + scale[:, None] * steps[None, :], -L, L)
        edges = np.sort(np.concatenate([np.broadcast_to(common, (len(w1), len(common))), extra], axis=1), axis=1)
        lo, hi = edges[:, :-1], edges[:, 1:]
        half, mid = 0.5 * (hi - lo), 0.5 * (hi + lo)
        z = mid[..., None] + half[..., None] * _GL_X                      # (r, pieces, nodes)
        weights = half[..., None] * _GL_W * _phi(z)
        mean = w1[:, None, None] * z + b[:, None, None]
        sd = np.broadcast_to(rest[:, None, None], z.shape)
        # E[relu(N(mean, sd^2))] = mean Phi(mean/sd) + sd phi(mean/sd); relu(mean) when sd = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = mean / sd
            m = np.where(sd > 0, mean * special.ndtr(t) + sd * _phi(t), np.maximum(mean, 0.0))
        return np.einsum("rpn,rpn->r", weights * m, self.tri(self.norm * z))

    def __call__(self, X) -> np.ndarray:
        X = as_matrix("X", X)
        return self.tri(self.norm * X[:, 0])

    def label(self) -> str:
        return f"triangle wave tri(<w*,x>), period {self.period:g}, |w*| = {self.norm:g}"
