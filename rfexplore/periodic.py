"""The paper's argument, computed: a periodic target, its ReLU decomposition and the chain (notebook 07).

The *idea* is the paper's proof (Yehudai & Shamir 2019; periodic functions as in Shamir 2018,
"Distribution-specific hardness of learning neural networks"); everything here is this explorer's own
computation of it, with exact population quantities and no constant taken from the paper:

* :func:`feature_correlations`, :func:`correlation_bound`: a periodic function of ``<w*, x>`` has a
  correlation with any feature ``f(<w, x>)`` damped like ``exp(-2 pi^2 k^2 |w*|^2 sin^2 angle(w, w*))``
  for frequency ``k`` (DESIGN 2.10(a)); :func:`correlation_decay` shows how its maximum over a pool
  shrinks with ``d`` when ``|w*|`` grows like ``sqrt(d)``.
* :func:`relu_decomposition`: on ``|z| <= T`` the zig-zag ``tri(z)`` is exactly an affine part plus a
  sum of offset ReLUs ``[z - b_j]_+`` (DESIGN 2.10(b)); the rest, ``E[(y - decomposition)^2]``, comes
  from ``|z| > T`` only and is computed exactly.
* :func:`periodic_chain`: for one pool, the exact best RF errors of the periodic target and of every
  component neuron, and the inequality ``max_j e_j >= (e_psi - tail - e_affine) / sum_j |a_j|``
  (DESIGN 2.10(c)) that names a hard neuron.

All errors here are absolute, in ``L2``: ``sqrt(E[(f - y)^2])`` for ``x ~ N(0, I_d)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import validation
from .features import FeaturePool, sample_features
from .fit import fit_nested
from .targets import HermiteTarget, PeriodicTarget, ReluTarget, TriangleWaveTarget, _linear_piece_square_moment
from .validation import check_memory

__all__ = [
    "ReluDecomposition",
    "relu_decomposition",
    "feature_correlations",
    "correlation_bound",
    "CorrelationDecay",
    "correlation_decay",
    "ChainResult",
    "periodic_chain",
]

FORMS = ("two-sided", "one-sided")
_FAR = 40.0                 # the tail is integrated out to 40 standard deviations of <w*, x> (phi(40) ~ 1e-348)
_HARMONICS = 20001          # odd harmonics summed in the triangle wave's correlation bound (tail added)


def _check_triangle(target):
    if not isinstance(target, TriangleWaveTarget):
        raise TypeError(f"target must be a TriangleWaveTarget, got {type(target).__name__}")
    return target


def _check_periodic(target):
    if not isinstance(target, (TriangleWaveTarget, PeriodicTarget)):
        raise TypeError(f"target must be a TriangleWaveTarget or a PeriodicTarget, got {type(target).__name__}")
    return target


# --------------------------------------------------------------------------- the decomposition


@dataclass(frozen=True)
class ReluDecomposition:
    """``tri(z) = c0 + c1 z + sum_j a_j [s_j (z - b_j)]_+`` exactly on ``|z| <= T``, ``z = <w*, x>``.

    Component ``j`` is the neuron ``[s_j (<w*, x> - b_j)]_+``: for ``s_j = +1`` it is
    ``[<w*, x> - b_j]_+`` (norm ``|w*|``, bias ``-b_j``), for ``s_j = -1`` it is
    ``[<-w*, x> + b_j]_+`` (the mirrored neuron, bias ``+b_j``). :meth:`neuron` gives it as a
    :class:`~rfexplore.targets.ReluTarget`.

    Attributes
    ----------
    target : the :class:`~rfexplore.targets.TriangleWaveTarget` decomposed
    T : half-width of the range where the identity is exact
    form : ``"two-sided"`` or ``"one-sided"`` (see :func:`relu_decomposition`)
    c0, c1 : the affine part
    coefficients, offsets, signs : ``a_j``, ``b_j``, ``s_j`` (shape ``(J,)`` each)
    tail_mse : ``E[(y - decomposition)^2]``, exact; only ``|z| > T`` contributes
    """

    target: TriangleWaveTarget
    T: float
    form: str
    c0: float
    c1: float
    coefficients: np.ndarray = field(repr=False)
    offsets: np.ndarray = field(repr=False)
    signs: np.ndarray = field(repr=False)
    tail_mse: float

    @property
    def tail_l2(self) -> float:
        """``sqrt(E[(y - decomposition)^2])``, the tail in the ``L2`` norm of the errors."""
        return math.sqrt(self.tail_mse)

    @property
    def total_coefficient(self) -> float:
        """``sum_j |a_j|``."""
        return float(np.abs(self.coefficients).sum())

    @property
    def size(self) -> int:
        """Number of component neurons ``J``."""
        return len(self.coefficients)

    def __call__(self, z) -> np.ndarray:
        """The decomposition at projections ``z = <w*, x>`` (any shape)."""
        z = np.asarray(z, dtype=np.float64)
        ramps = np.maximum(self.signs * (z[..., None] - self.offsets), 0.0)   # [s_j (z - b_j)]_+
        return self.c0 + self.c1 * z + ramps @ self.coefficients

    def neuron(self, j: int, d: int) -> ReluTarget:
        """Component ``j`` as a ReLU target in dimension ``d``: ``[s_j (<w*, x> - b_j)]_+``."""
        j = validation.integer("j", j, low=0, high=self.size - 1)
        d = validation.positive_int("d", d)
        s, b = int(self.signs[j]), float(self.offsets[j])
        if s > 0:
            return ReluTarget(norm=self.target.norm, bias=-b)                  # [<w*,x> - b]_+
        w = np.zeros(d)
        w[0] = -self.target.norm
        return ReluTarget(w_star=tuple(w), bias=b)                             # [<-w*,x> + b]_+


def relu_decomposition(target: TriangleWaveTarget, T: float, *, form: str = "two-sided") -> ReluDecomposition:
    """Write the zig-zag as offset ReLUs on ``|z| <= T``: ``tri(z) = c0 + c1 z + sum_j a_j [s_j (z - b_j)]_+``.

    ``tri`` (see :class:`~rfexplore.targets.TriangleWaveTarget`) is linear between its kinks
    ``p/4 + k p/2`` and its slope jumps by ``-2`` at ``p/4 + k p`` and by ``+2`` at ``3p/4 + k p``, so
    a ReLU at every kink with coefficient equal to the jump reproduces it exactly (DESIGN 2.10(b)):

    * ``form="one-sided"`` (the plain statement): every component is ``[z - b_j]_+`` (``s_j = +1``)
      with a kink ``b_j`` in ``(-T, T)``, and the affine part ``c0 + c1 z`` is the line of ``tri`` on
      its leftmost piece ``[-T, b_1]``: ``c1 = +-1``, ``c0 = tri(-T) + c1 T``. Its affine part is as
      large as ``T`` in ``L2``.
    * ``form="two-sided"`` (default): no affine part (``c0 = c1 = 0``). ``tri`` is odd and equals
      ``z`` on ``[-p/4, p/4]``, and ``z = [z]_+ - [-z]_+``; each kink ``b > 0`` gets ``[z - b]_+`` and
      its mirror ``-b`` gets ``[-z - b]_+ = [-(z - (-b))]_+`` (``s = -1``) with the opposite
      coefficient. Every component is then a neuron ``[<+-w*, x> - |b_j|]_+`` of norm ``|w*|``.

    Outside ``[-T, T]`` the decomposition continues linearly while ``tri`` stays bounded; the tail
    ``E[(tri(z) - decomposition(z))^2]``, ``z ~ N(0, |w*|^2)``, comes from ``|z| > T`` only and is
    computed exactly: both are linear between the kinks of ``tri``, so it is a sum of
    truncated-normal moments (closed form), out to ``40 |w*|`` (beyond, the Gaussian weight
    underflows).

    Parameters
    ----------
    target : TriangleWaveTarget
    T : float
        Half-width of the exact range, in units of ``z = <w*, x>`` (``|w*|`` is one standard deviation).
    form : {"two-sided", "one-sided"}

    Examples
    --------
    >>> from rfexplore.targets import TriangleWaveTarget
    >>> dec = relu_decomposition(TriangleWaveTarget(period=1.0, norm=1.0), 2.0)
    >>> dec.size, dec.c0, dec.c1, dec.offsets[:4].tolist(), dec.coefficients[:4].tolist()
    (10, 0.0, 0.0, [0.0, 0.0, 0.25, -0.25], [1.0, -1.0, -2.0, 2.0])
    """
    target = _check_triangle(target)
    T = validation.positive("T", T)
    validation.choice("form", form, FORMS)
    p = target.period
    check_memory(decomposition_bytes(target, T), f"the decomposition of a triangle wave of period {p:g} on "
                 f"|z| <= {T:g} ({target.kink_count(-T, T):.3g} components)", fix="use a smaller T or a larger period")
    # kink k sits at p/4 + k p/2; the slope falls from +1 to -1 at even k, rises at odd k
    jump = lambda b: np.where(np.rint((b - p / 4) / (p / 2)) % 2 == 0, -2.0, 2.0)   # noqa: E731
    if form == "one-sided":
        b = target.kinks(-T, T)
        a = jump(b)
        s = np.ones_like(b)
        first = b[0] if b.size else T
        c1 = float(np.sign(target.tri(0.5 * (-T + first)) - target.tri(-T))) if first > -T else 1.0
        c1 = c1 if c1 != 0 else 1.0
        c0 = float(target.tri(-T)) + c1 * T
    else:
        right = target.kinks(0.0, T)
        a_r = jump(right)
        b = np.concatenate([[0.0, 0.0], np.ravel(np.column_stack([right, -right]))])
        a = np.concatenate([[1.0, -1.0], np.ravel(np.column_stack([a_r, -a_r]))])
        s = np.concatenate([[1.0, -1.0], np.ravel(np.column_stack([np.ones_like(right), -np.ones_like(right)]))])
        c0 = c1 = 0.0
    dec = ReluDecomposition(target, T, form, float(c0), float(c1), a.astype(float), b.astype(float),
                            s.astype(float), 0.0)
    object.__setattr__(dec, "tail_mse", _tail_mse(dec))
    return dec


def decomposition_bytes(target: TriangleWaveTarget, T: float) -> float:
    """Peak memory of :func:`relu_decomposition`: its tail evaluates every component at every kink
    beyond ``T`` (three ``(kinks, components)`` arrays), beside arrays of the kinks."""
    far = max(_FAR * target.norm, 2.0 * T)
    J, E = target.kink_count(-T, T), target.kink_count(T, far)
    return 8.0 * (3 * E * J + 16 * (E + J)) + 2**16


def _tail_mse(dec: ReluDecomposition) -> float:
    """``E[(tri(z) - D(z))^2; |z| > T]`` for ``z ~ N(0, R^2)``: linear pieces between the kinks (exact)."""
    t, R, T = dec.target, dec.target.norm, dec.T
    far = max(_FAR * R, 2.0 * T)
    total = 0.0
    for lo, hi in ((T, far), (-far, -T)):
        edges = np.concatenate([[lo], t.kinks(lo, hi), [hi]])
        f = t.tri(edges) - dec(edges)
        # tri - D is linear on every piece; in units of R the weight is the standard normal
        total += float(np.sum(_linear_piece_square_moment(f[:-1], f[1:], edges[:-1] / R, edges[1:] / R)))
    return total


# --------------------------------------------------------------------------- correlations


def _feature_second_moments(W, b):
    """``E[relu(<w,x> + b)^2] = |w|^2 ((1 + a^2) Phi(a) + a phi(a))``, ``a = b/|w|`` (``relu(b)^2`` if ``w = 0``)."""
    from scipy import special

    n = np.linalg.norm(W, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = b / n
        m = n * n * ((1.0 + a * a) * special.ndtr(a) + a * np.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi))
    return np.where(n > 0, m, np.maximum(b, 0.0) ** 2)


def feature_correlations(target, W, b=None) -> np.ndarray:
    """Exact correlation ``E[f_i y] / sqrt(E[f_i^2] E[y^2])`` of each feature ``f_i = relu(<w_i,x> + b_i)``.

    ``target`` is a :class:`~rfexplore.targets.TriangleWaveTarget` or
    :class:`~rfexplore.targets.PeriodicTarget`; ``W`` is ``(r, d)``, ``b`` is ``(r,)`` or ``None``.
    A feature that is identically zero gets correlation 0. Returns shape ``(r,)``. The cross-moments
    are exact to about ``1e-17`` absolute, so correlations below about ``1e-15`` are rounding noise
    (they are that small once ``|w*| sin(angle) / p`` exceeds about 1.3).
    """
    target = _check_periodic(target)
    W = validation.as_matrix("W", W)
    b = np.zeros(len(W)) if b is None else validation.as_vector("b", b, len(W))
    k = target.cross_moments(W, b)
    f2 = _feature_second_moments(W, b)
    y2 = target.second_moment(W.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f2 > 0, k / np.sqrt(f2 * y2), 0.0)


def correlation_bound(target, W) -> np.ndarray:
    """Upper bound on ``|corr(f(<w_i, x>), y)|`` for *every* function ``f`` of the projection (DESIGN 2.10(a)).

    Write ``<w*, x>/|w*| = cos(theta) u + sin(theta) xi`` with ``u = <w, x>/|w|`` and ``xi`` an independent
    standard normal. Averaging a harmonic ``sin(beta <w*,x>/|w*|)`` over ``xi`` multiplies it by
    ``exp(-beta^2 sin^2(theta) / 2)`` and leaves ``sin(beta cos(theta) u)``; Cauchy–Schwarz in ``u`` then
    bounds each harmonic's share.

    * :class:`~rfexplore.targets.TriangleWaveTarget` (period ``p``): ``tri(z) = sum_{k odd} c_k
      sin(2 pi k z / p)`` with ``c_k = (-1)^((k-1)/2) 2 p / (pi^2 k^2)``, so
      ``|corr| <= sum_{k odd} |c_k| exp(-2 pi^2 k^2 |w*|^2 sin^2(theta) / p^2)
      sqrt((1 - exp(-2 beta_k^2 cos^2(theta))) / 2) / sqrt(E[y^2])``, ``beta_k = 2 pi k |w*| / p``;
      summed until the terms fall below ``exp(-40)`` of the first (at most ``k = 20001``, for features
      nearly parallel to ``w*``), plus a bound on the rest (damped like its first term). Its leading term is
      ``(2 p / pi^2) exp(-2 pi^2 |w*|^2 sin^2(theta) / p^2) / sqrt(2 E[y^2])``, about
      ``0.99 exp(-2 pi^2 |w*|^2 sin^2(theta) / p^2)`` once ``|w*| >~ p``: frequency ``1/p``.
    * :class:`~rfexplore.targets.PeriodicTarget` ``cos(t z + phase)``, ``t = 2 pi f |w*|``:
      ``|corr| <= exp(-t^2 sin^2(theta) / 2) sqrt(E[cos^2(t cos(theta) u + phase)] / E[y^2])``.

    ``W`` is ``(r, d)`` (only the angle of each row to ``w* = |w*| e_1`` matters); returns ``(r,)``.
    """
    target = _check_periodic(target)
    W = validation.as_matrix("W", W)
    n = np.linalg.norm(W, axis=1)
    cos = np.where(n > 0, W[:, 0] / np.where(n > 0, n, 1.0), 0.0)
    sin2 = np.where(n > 0, (np.linalg.norm(W[:, 1:], axis=1) / np.where(n > 0, n, 1.0)) ** 2, 1.0)
    y2 = target.second_moment(W.shape[1])
    if isinstance(target, PeriodicTarget):
        t, ph = target.t, target.phase
        # E[cos^2(a u + phase)] = (1 + cos(2 phase) exp(-2 a^2)) / 2,  a = t cos(theta)
        share = 0.5 * (1.0 + math.cos(2 * ph) * np.exp(-2.0 * (t * cos) ** 2))
        return np.exp(-0.5 * t * t * sin2) * np.sqrt(share / y2)
    p, R = target.period, target.norm
    # harmonics beyond exp(-beta_k^2 sin^2 / 2) < exp(-40) add below 1e-18 of the first: stop there
    # (features nearly parallel to w* need many; at most _HARMONICS, with the rest bounded below)
    s2 = float(sin2.min()) if sin2.size else 1.0
    K = _HARMONICS if s2 <= 0 else min(_HARMONICS, 2 * int(math.sqrt(80.0 / s2) * p / (4 * math.pi * R)) + 3)
    k = np.arange(1, K + 1, 2, dtype=np.float64)[:, None]
    c = 2.0 * p / (math.pi ** 2 * k * k)                               # |c_k|, odd harmonics of tri
    beta2 = (2.0 * math.pi * k * R / p) ** 2
    # E[sin^2(beta cos(theta) u)] = (1 - exp(-2 beta^2 cos^2(theta))) / 2
    share = np.sqrt(0.5 * -np.expm1(-2.0 * beta2 * cos[None, :] ** 2))
    series = np.sum(c * np.exp(-0.5 * beta2 * sin2[None, :]) * share, axis=0)
    # the harmonics k > K: sum |c_k| <= (2p/pi^2) / (2K), each damped at least as much as k = K + 2
    damp = np.exp(-0.5 * (2.0 * math.pi * (K + 2) * R / p) ** 2 * sin2)
    rest = 2.0 * p / math.pi ** 2 / (2.0 * K) / math.sqrt(2.0) * damp
    return (series + rest) / math.sqrt(y2)


@dataclass(frozen=True)
class CorrelationDecay:
    """Per-feature correlations with a triangle wave of norm ``norm_scale * sqrt(d)``, for several ``d``.

    ``max_correlation[i]``: ``max_j |corr_j|`` over the pool in dimension ``ds[i]`` (exact);
    ``max_bound[i]``: the largest :func:`correlation_bound` over the same pool;
    ``median_correlation[i]``: the median ``|corr_j|``; ``norms[i] = norm_scale * sqrt(ds[i])``.
    """

    ds: np.ndarray
    norms: np.ndarray
    max_correlation: np.ndarray
    max_bound: np.ndarray
    median_correlation: np.ndarray
    width: int
    period: float
    bias_std: float
    seed: int


def correlation_decay(ds, *, width: int, period: float = 1.0, norm_scale: float = 0.2, bias_std: float = 1.0,
                      seed: int = 0) -> CorrelationDecay:
    """Exact correlations of a pool of ``width`` features with ``tri(<w*, x>)``, ``|w*| = norm_scale sqrt(d)``.

    One pool (features uniform on the sphere, biases ``N(0, bias_std^2)``) per ``d`` in ``ds``. With
    ``|w*|^2`` growing like ``d`` and ``sin^2(angle) ~ 1 - 1/d`` for a random direction, the bound of
    :func:`correlation_bound` falls like ``exp(-2 pi^2 norm_scale^2 (d - 1) / p^2)``: exponentially in
    ``d``, for every feature of a pool of sub-exponential size (DESIGN 2.10(a)).
    """
    ds = np.atleast_1d(np.asarray(ds))
    if ds.size == 0:
        raise ValueError("ds must contain at least one dimension, got an empty list")
    dims = [validation.positive_int("d", d) for d in ds.tolist()]
    width = validation.positive_int("width", width)
    period = validation.positive("period", period)
    norm_scale = validation.positive("norm_scale", norm_scale)
    bias_std = validation.nonneg("bias_std", bias_std)
    seed = validation.seed(seed)
    norms, best, bound, median = [], [], [], []
    for d in dims:
        target = TriangleWaveTarget(period=period, norm=norm_scale * math.sqrt(d))
        pool = sample_features(d, width, bias_std=bias_std, seed=seed)
        corr = np.abs(feature_correlations(target, pool.W, pool.b))
        norms.append(target.norm)
        best.append(corr.max())
        bound.append(correlation_bound(target, pool.W).max())
        median.append(np.median(corr))
    return CorrelationDecay(np.array(dims), np.array(norms), np.array(best), np.array(bound), np.array(median),
                            width, period, bias_std, seed)


# --------------------------------------------------------------------------- the chain


@dataclass(frozen=True)
class ChainResult:
    """The chain of DESIGN 2.10(c) for one pool at one width; all errors absolute, in ``L2``.

    ``psi_error`` is the best RF error of the triangle wave; ``component_errors[j]`` that of component
    ``j`` (:class:`ReluDecomposition`); ``affine_error`` that of ``c0 + c1 <w*,x>`` (0 when there is
    none); ``bound = (psi_error - tail_l2 - affine_error) / sum_j |a_j|``; ``holds`` says
    ``max_j component_errors[j] >= bound``. ``combined_error`` is the exact error, for the triangle
    wave, of the RF predictor ``sum_j a_j (best fit of component j) + (best fit of the affine part)``:
    the triangle inequality gives ``psi_error <= combined_error <= tail_l2 + affine_error +
    sum_j |a_j| component_errors[j]`` (up to the fits' reported jitter). ``hardest`` is the index of the
    component with the largest error; ``hardest_sign``, ``hardest_bias`` and ``norm`` name that neuron,
    ``[<hardest_sign * w*, x> + hardest_bias]_+`` with ``|w*| = norm``.
    """

    d: int
    width: int
    seed: int
    bias_std: float
    period: float
    norm: float
    T: float
    form: str
    psi_error: float
    psi_relative_error: float
    tail_l2: float
    affine_error: float
    coefficients: np.ndarray = field(repr=False)
    offsets: np.ndarray = field(repr=False)
    signs: np.ndarray = field(repr=False)
    component_errors: np.ndarray = field(repr=False)
    component_relative_errors: np.ndarray = field(repr=False)
    total_coefficient: float
    bound: float
    holds: bool
    combined_error: float
    hardest: int
    hardest_sign: int
    hardest_bias: float
    hardest_error: float
    hardest_relative_error: float
    jitter: float


def _abs_error(relative, second_moment):
    """``L2`` error from a relative mean squared error (rounding can leave it at -1e-16: that is 0)."""
    return math.sqrt(max(float(relative), 0.0) * float(second_moment))


def periodic_chain(pool: FeaturePool, target: TriangleWaveTarget, *, T: float, width: int | None = None,
                   form: str = "two-sided") -> ChainResult:
    """Evaluate the chain of inequalities of DESIGN 2.10(c) exactly, for one pool.

    With ``psi = tri(<w*, x>)`` and its decomposition ``D = c0 + c1 z + sum_j a_j n_j`` exact on
    ``|z| <= T`` (:func:`relu_decomposition`), let ``g_j`` be the best RF approximation of the
    neuron ``n_j`` with these features (error ``e_j``) and ``g_A`` that of the affine part ``A``
    (error ``e_A``). ``g = g_A + sum_j a_j g_j`` is an RF predictor with the same features, and by the
    triangle inequality in ``L2``,

        e_psi <= ||psi - g|| <= ||psi - D|| + ||A - g_A|| + sum_j |a_j| ||n_j - g_j||
              =  tail + e_A + sum_j |a_j| e_j  <=  tail + e_A + (sum_j |a_j|) max_j e_j ,

    so ``max_j e_j >= (e_psi - tail - e_A) / sum_j |a_j|``. If the pool cannot fit ``psi``, some single
    component neuron — an offset ReLU of norm ``|w*|`` — is fitted badly too. The affine part is not
    free: bias-free features do not represent constants, and i.i.d. features represent no linear
    function exactly, so ``e_A`` is computed like the rest (it is 0 in the default two-sided form,
    whose components absorb the affine part). Fits are the exact population fits of
    :func:`rfexplore.fit.fit_nested` (one factorization, every target a retarget), whose reported
    errors include a jitter of about ``1e-10 mean(diag K)`` and so can only overstate a best error.

    Parameters
    ----------
    pool : FeaturePool
        The random features (``sample_features``); i.i.d. features are the paper's model.
    target : TriangleWaveTarget
    T : float
        Range of the exact decomposition (in units of ``<w*, x>``). Keep ``T / |w*|`` at most 6: the
        far-offset neurons then stay in the range where the biased-ReLU kernel is accurate to rounding.
    width : int, optional
        Use the first ``width`` features (default: all).
    form : {"two-sided", "one-sided"}
    """
    if not isinstance(pool, FeaturePool):
        raise TypeError(f"pool must be a FeaturePool (from sample_features), got {type(pool).__name__}")
    target = _check_triangle(target)
    T = validation.positive("T", T)
    m = pool.width if width is None else validation.positive_int("width", width)
    if m > pool.width:
        raise ValueError(f"width must be at most the pool size {pool.width}, got {m}")
    dec = relu_decomposition(target, T, form=form)
    d = pool.d
    nested = fit_nested(pool.head(m), target)
    kss = target.second_moment(d)
    e_psi = _abs_error(nested.relative_errors()[m - 1], kss)
    errors, relative = np.empty(dec.size), np.empty(dec.size)
    g = 0.0
    for j in range(dec.size):
        neuron = dec.neuron(j, d)
        fit = nested.retarget(neuron)
        relative[j] = max(float(fit.relative_errors()[m - 1]), 0.0)
        errors[j] = _abs_error(relative[j], neuron.second_moment(d))
        g = g + dec.coefficients[j] * fit.weights(m)
    e_aff = 0.0
    if dec.c0 != 0.0 or dec.c1 != 0.0:
        affine = HermiteTarget({(0,): dec.c0, (1,): dec.c1 * target.norm})   # c0 + c1 <w*, x>
        fit = nested.retarget(affine)
        e_aff = _abs_error(fit.relative_errors()[m - 1], affine.second_moment(d))
        g = g + fit.weights(m)
    combined = _abs_error(nested.objective(m, g), kss)
    total = dec.total_coefficient
    bound = (e_psi - dec.tail_l2 - e_aff) / total
    j = int(np.argmax(errors))
    s = int(dec.signs[j])
    return ChainResult(
        d=d, width=m, seed=pool.seed, bias_std=pool.bias_std, period=target.period, norm=target.norm, T=T,
        form=form, psi_error=e_psi, psi_relative_error=e_psi ** 2 / kss, tail_l2=dec.tail_l2, affine_error=e_aff,
        coefficients=dec.coefficients, offsets=dec.offsets, signs=dec.signs, component_errors=errors,
        component_relative_errors=relative, total_coefficient=total, bound=bound,
        holds=bool(errors.max() >= bound), combined_error=combined, hardest=j, hardest_sign=s,
        hardest_bias=-s * float(dec.offsets[j]) + 0.0, hardest_error=float(errors[j]),
        hardest_relative_error=float(relative[j]), jitter=nested.jitter)
