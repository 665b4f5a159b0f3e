"""The paper's argument, computed (notebook 07's dashboard): for one pool of i.i.d. features, the exact RF
errors of the zig-zag ``tri(<w*, x>)`` and of every offset neuron of its decomposition at every width,
the chain ``max_j e_j >= (e_psi - tail) / sum_j |a_j|`` (DESIGN 2.10(c)) and the features' correlations.

The maths is :mod:`rfexplore.periodic`; here it is arranged so that a dashboard's width and component are
look-ups: one factorization per pool (:func:`proof_fit`), every target a retarget of it, every width read off
the nested error curves (:func:`proof_curves`). All errors are absolute, in ``L2`` (``sqrt(E[(f - y)^2])``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import validation
from ..features import sample_features
from ..fit import NestedFit, fit_nested
from ..gaussian import biased_relu_kernel
from ..periodic import ReluDecomposition, correlation_bound, relu_decomposition
from ..targets import TriangleWaveTarget
from ._cache import CACHE, Cache

__all__ = ["PROOF_BIAS_STDS", "PROOF_D_RANGE", "PROOF_MAX_COMPONENT", "PROOF_MAX_RATIO", "PROOF_NORMS",
           "PROOF_PERIODS", "PROOF_POOL_RANGE", "PROOF_SIGMAS", "ProofCurves", "ProofResult", "proof_component",
           "proof_curves", "proof_fit", "proof_result"]

PROOF_D_RANGE = (2, 40)
PROOF_POOL_RANGE = (20, 2000)
PROOF_PERIODS = (0.25, 0.5, 1.0, 2.0, 4.0)
PROOF_NORMS = (0.25, 0.5, 1.0, 2.0, 4.0)
PROOF_BIAS_STDS = (0.0, 0.5, 1.0, 2.0)
PROOF_SIGMAS = 5.0          # the decomposition is exact on |<w*, x>| <= T = 5 |w*| (five standard deviations)
PROOF_MAX_RATIO = 2.0       # |w*| / period at most 2: at most 20 kinks in (0, T), 42 component neurons
PROOF_MAX_COMPONENT = 20    # so a component index k (the k-th kink in (0, T), k = 0: offset 0) is at most 20
_ANGLES = 180               # points of the correlation bound's curve, 0.5 to 179.5 degrees (at 0 it needs 20001
                            # harmonics and exceeds 1: nothing to see, 60 ms to compute)


def _abs_error(relative, second_moment):
    """``L2`` errors from relative mean squared errors (rounding can leave -1e-16: that is 0)."""
    return np.sqrt(np.maximum(np.asarray(relative, dtype=float), 0.0) * second_moment)


def proof_fit(d: int, *, pool_size: int = 500, bias_std: float = 1.0, seed: int = 0,
              cache: Cache | None = None) -> NestedFit:
    """The factorized pool: ``pool_size`` i.i.d. features uniform on the sphere in dimension ``d``, biases
    ``N(0, bias_std^2)`` (0: bias-free), one Cholesky for every target and width (cached)."""
    d = validation.integer("d", d, low=PROOF_D_RANGE[0], high=PROOF_D_RANGE[1])
    pool_size = validation.integer("pool_size", pool_size, low=PROOF_POOL_RANGE[0], high=PROOF_POOL_RANGE[1])
    bias_std = validation.nonneg("bias_std", bias_std)
    seed = validation.seed(seed)
    cache = CACHE if cache is None else cache
    return cache.remember(("proof_fit", d, pool_size, bias_std, seed),
                          lambda: fit_nested(sample_features(d, pool_size, bias_std=bias_std, seed=seed)))


def _check_wave(period, norm):
    period = validation.positive("period", period)
    norm = validation.positive("norm", norm)
    if norm / period > PROOF_MAX_RATIO:
        raise ValueError(f"norm / period must be at most {PROOF_MAX_RATIO:g} (the decomposition on |<w*,x>| <= "
                         f"{PROOF_SIGMAS:g} |w*| then has at most 42 component neurons), got |w*| = {norm:g} and "
                         f"period {period:g} (ratio {norm / period:g}): take a larger period or a smaller |w*|")
    return period, norm


@dataclass(frozen=True)
class ProofCurves:
    """Everything that depends on the pool and the wave, not on the width or the component shown.

    ``psi_errors[m-1]``: the zig-zag's best RF error with the first ``m`` features; ``component_errors[j, m-1]``:
    that of component ``j`` of ``decomposition`` (two-sided form on ``|z| <= T``); ``component_second[j]``:
    ``E[n_j^2]``; ``largest_errors[m-1] = max_j component_errors[j, m-1]`` and ``bounds[m-1]``, the chain's
    guarantee for it, ``(psi_errors[m-1] - tail) / sum_j |a_j|``. ``angles``, ``correlations``: each feature's
    angle to ``w*`` (degrees) and its exact correlation with the zig-zag; ``bound_angles``, ``bound``:
    :func:`rfexplore.periodic.correlation_bound` on a grid of angles.
    """

    d: int
    pool_size: int
    bias_std: float
    seed: int
    period: float
    norm: float
    T: float
    decomposition: ReluDecomposition = field(repr=False)
    psi_second: float
    psi_errors: np.ndarray = field(repr=False)
    component_second: np.ndarray = field(repr=False)
    component_errors: np.ndarray = field(repr=False)
    largest_errors: np.ndarray = field(repr=False)
    bounds: np.ndarray = field(repr=False)
    angles: np.ndarray = field(repr=False)
    correlations: np.ndarray = field(repr=False)
    bound_angles: np.ndarray = field(repr=False)
    bound: np.ndarray = field(repr=False)
    jitter: float


def proof_curves(d: int, *, period: float = 1.0, norm: float = 1.0, pool_size: int = 500, bias_std: float = 1.0,
                 seed: int = 0, cache: Cache | None = None) -> ProofCurves:
    """The exact error curves of the zig-zag ``tri(<w*, x>)`` (``|w*| = norm``) and of each of its component
    neurons, for every width of one pool, and the pool's correlations with it (cached).

    The decomposition is :func:`rfexplore.periodic.relu_decomposition` in its two-sided form on
    ``|<w*, x>| <= T = 5 |w*|`` (so no affine part, and every component is ``[<+-w*, x> - |b_j|]_+``). The
    numbers at width ``m`` are those of :func:`rfexplore.periodic.periodic_chain` on the same pool at that width
    (which factors the first ``m`` features alone: equal to rounding and the fit's jitter of ``1e-10``).
    """
    period, norm = _check_wave(period, norm)
    nested = proof_fit(d, pool_size=pool_size, bias_std=bias_std, seed=seed, cache=cache)
    cache = CACHE if cache is None else cache
    key = ("proof_curves", int(d), int(pool_size), float(bias_std), int(seed), period, norm)
    return cache.remember(key, lambda: _curves(nested, period, norm))


def _curves(nested: NestedFit, period: float, norm: float) -> ProofCurves:
    pool, d = nested.pool, nested.pool.d
    wave = TriangleWaveTarget(period=period, norm=norm)
    T = PROOF_SIGMAS * norm
    dec = relu_decomposition(wave, T)
    psi = nested.retarget(wave)
    neurons = [dec.neuron(j, d) for j in range(dec.size)]
    second = np.array([n.second_moment(d) for n in neurons])
    # E[relu(<w_i,x> + b_i) n_j(x)] for every feature and component in one call (what each neuron's
    # cross_moments computes, column by column)
    b = np.zeros(pool.width) if pool.b is None else pool.b
    k = biased_relu_kernel(pool.W, b, np.stack([n.weight(d) for n in neurons]), np.array([n.bias for n in neurons]))
    errors = _abs_error(nested.relative_errors_of(k, second), second[:, None])
    f2 = nested.K.diagonal().cpu().numpy()                                       # E[f_i^2]
    cos = pool.W[:, 0] / np.linalg.norm(pool.W, axis=1)
    grid = np.radians(np.linspace(0.5, 179.5, _ANGLES))
    bound = correlation_bound(wave, np.stack([np.cos(grid), np.sin(grid)], axis=1))   # only the angle matters
    psi_errors = _abs_error(psi.relative_errors(), float(psi.kss))
    out = ProofCurves(
        d=d, pool_size=pool.width, bias_std=pool.bias_std, seed=pool.seed, period=period, norm=norm, T=T,
        decomposition=dec, psi_second=psi.kss, psi_errors=psi_errors,
        component_second=second, component_errors=errors, largest_errors=errors.max(axis=0),
        bounds=(psi_errors - dec.tail_l2) / dec.total_coefficient,          # max_j e_j >= (e_psi - tail) / sum|a_j|
        angles=np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))),
        correlations=psi.k.cpu().numpy() / np.sqrt(f2 * psi.kss), bound_angles=np.degrees(grid), bound=bound,
        jitter=nested.jitter)
    for a in (out.psi_errors, out.component_second, out.component_errors, out.largest_errors, out.bounds, out.angles,
              out.correlations, out.bound):
        a.flags.writeable = False
    return out


def proof_component(decomposition: ReluDecomposition, component: int, *, mirrored: bool = False) -> int:
    """Index into ``decomposition`` of the ``component``-th neuron on the ``+w*`` side, ``[<w*, x> - b_k]_+``
    with ``b_0 = 0`` and ``b_k = p/4 + (k - 1) p/2`` the ``k``-th kink of ``tri`` in ``(0, T)``, or (``mirrored``)
    of its mirror ``[<-w*, x> - b_k]_+`` (the two-sided form lists ``[z]_+, [-z]_+`` and then each kink's pair)."""
    if decomposition.form != "two-sided":
        raise ValueError(f"decomposition must be in the two-sided form, got {decomposition.form!r}")
    top = decomposition.size // 2 - 1
    wave = decomposition.target
    if top < 0:
        raise ValueError("decomposition has no components")
    component = validation.integer("component", component, low=0)
    if component > top:
        raise ValueError(f"component must be an integer from 0 to {top} (offsets 0 to "
                         f"{float(decomposition.offsets[2 * top]):g}: the kinks of the zig-zag in (0, T) for period "
                         f"{wave.period:g}, |w*| = {wave.norm:g}, T = {decomposition.T:g}), got {component}")
    mirrored = validation.boolean("mirrored", mirrored)
    return (1 if mirrored else 0) if component == 0 else 2 * int(component) + (1 if mirrored else 0)


@dataclass(frozen=True)
class ProofResult:
    """What :func:`rfexplore.dashboards.proof_dashboard` shows: the chain at one width, one component chosen.

    ``psi_error``, ``component_errors`` (every component at this width), ``bound = (psi_error - tail_l2) /
    total_coefficient`` and ``holds = max(component_errors) >= bound``; the chosen neuron
    ``[<sign w*, x> - offset]_+`` (its index ``index`` in ``curves.decomposition``, coefficient, ``L2`` error and
    error relative to ``E[n^2]``); ``hardest`` the index of the component with the largest error.
    """

    curves: ProofCurves = field(repr=False)
    width: int
    component: int
    mirrored: bool
    index: int
    psi_error: float
    psi_relative_error: float
    tail_l2: float
    total_coefficient: float
    component_errors: np.ndarray = field(repr=False)
    component_relative_errors: np.ndarray = field(repr=False)
    bound: float
    holds: bool
    hardest: int
    hardest_error: float
    chosen_sign: int
    chosen_offset: float
    chosen_coefficient: float
    chosen_error: float
    chosen_relative_error: float
    chosen_second: float
    z: np.ndarray = field(repr=False)
    tri: np.ndarray = field(repr=False)
    decomposed: np.ndarray = field(repr=False)
    chosen_curve: np.ndarray = field(repr=False)
    density_z: np.ndarray = field(repr=False)
    density: np.ndarray = field(repr=False)


def _picture(dec: ReluDecomposition, j: int) -> dict:
    """The decomposition picture on ``|z| <= 1.25 T``: ``tri``, the sum of the components and the chosen one,
    ``a_j [s_j (z - b_j)]_+``, at the kinks (all three are straight between them, so the polyline is exact);
    and the density of ``z = <w*, x> ~ N(0, |w*|^2)`` scaled to peak at ``p/4`` (where the inputs are)."""
    wave, edge = dec.target, 1.25 * dec.T
    z = np.unique(np.concatenate([[-edge, 0.0, edge], wave.kinks(-edge, edge), dec.offsets[j:j + 1]]))
    ramp = dec.coefficients[j] * np.maximum(dec.signs[j] * (z - dec.offsets[j]), 0.0)   # a_j [s_j (z - b_j)]_+
    zd = np.linspace(-edge, edge, 201)
    density = 0.25 * wave.period * np.exp(-0.5 * (zd / wave.norm) ** 2)                # phi(z/|w*|) / phi(0) * p/4
    return dict(z=z, tri=wave.tri(z), decomposed=dec(z), chosen_curve=ramp, density_z=zd, density=density)


def proof_result(d: int, *, width: int, period: float = 1.0, norm: float = 1.0, component: int = 0,
                 mirrored: bool = False, pool_size: int = 500, bias_std: float = 1.0, seed: int = 0,
                 cache: Cache | None = None) -> ProofResult:
    """The chain of DESIGN 2.10(c) for the first ``width`` features of one pool, with one component chosen.

    ``e_psi <= tail + sum_j |a_j| e_j`` (the triangle inequality in ``L2``: ``sum_j a_j g_j``, ``g_j`` the best
    fit of component ``j``, is an RF predictor with the same features), so ``max_j e_j >= (e_psi - tail) /
    sum_j |a_j|``. Curves from :func:`proof_curves` (cached): a new width or component is a look-up.
    """
    curves = proof_curves(d, period=period, norm=norm, pool_size=pool_size, bias_std=bias_std, seed=seed,
                          cache=cache)
    width = validation.integer("width", width, low=1, high=curves.pool_size)
    dec = curves.decomposition
    j = proof_component(dec, component, mirrored=mirrored)
    errors = curves.component_errors[:, width - 1].copy()
    relative = errors ** 2 / curves.component_second
    e_psi = float(curves.psi_errors[width - 1])
    bound = float(curves.bounds[width - 1])                           # the chain's guarantee for max_j e_j
    hardest = int(np.argmax(errors))
    sign = int(dec.signs[j])
    return ProofResult(
        curves=curves, width=width, component=int(component), mirrored=bool(mirrored), index=j, psi_error=e_psi,
        psi_relative_error=e_psi ** 2 / curves.psi_second, tail_l2=dec.tail_l2, total_coefficient=dec.total_coefficient,
        component_errors=errors, component_relative_errors=relative, bound=bound,
        holds=bool(errors.max() >= bound), hardest=hardest, hardest_error=float(errors[hardest]),
        chosen_sign=sign, chosen_offset=abs(float(dec.offsets[j])), chosen_coefficient=float(dec.coefficients[j]),
        chosen_error=float(errors[j]), chosen_relative_error=float(relative[j]),
        chosen_second=float(curves.component_second[j]), **_picture(dec, j))
