"""Fitting the output weights of random-features models.

* Exact population fit (DESIGN 2.2): with Gram ``K_ij = E[f_i f_j]``, ``k_i = E[f_i y]`` and
  ``k** = E[y^2]``, the best weights solve ``K u = k`` and the error is ``k** - k^T K^{-1} k``.
* Nested widths from one Cholesky factorization (DESIGN 2.3): with ``K = L L^T`` and
  ``a = L^{-1} k``, the best error with the first ``m`` features is ``k** - sum_{i<=m} a_i^2``.
* Magnitude-constrained fit ``|u_i| <= M / r`` (a box QP solved to a stated KKT tolerance in
  bounded time, :mod:`rfexplore.boxqp`; in even/odd coordinates for sign-symmetric pools) and
  ridge fit (DESIGN 2.8); fit from samples for any target.

``K`` is ill-conditioned for wide pools, so a small jitter ``eps * mean(diag K)`` is added to its
diagonal and reported; the reported error ``k** - k^T (K + eps I)^{-1} k`` then exceeds the true
error of the returned weights by at most ``eps |u|^2`` — never a NaN. Sign-symmetric pools without
biases (singular ``K`` beyond ``2d`` features) split into an even and an odd part that are factored
separately (:class:`_PairedFactor`): regular matrices, an eighth of the work, minimum-norm weights.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from . import validation
from .boxqp import BoxQPResult, _check_limits, solve_dense_qp, solve_paired_qp
from .features import FeaturePool, check_positive_int, check_seed, sample_features
from .gaussian import (
    FAST_KERNEL_BUFFERS,
    abs_kernel_torch,
    biased_relu_kernel,
    biased_relu_pair_rows,
    check_memory,
    relu_kernel_torch,
)
from .targets import MOMENT_RANGE, check_target
from .validation import device as check_device
from .validation import nonneg, positive

__all__ = [
    "CurveResult",
    "FitResult",
    "SampleFitResult",
    "NestedFit",
    "BudgetSolve",
    "NestedSolve",
    "fit_nested",
    "fit_population",
    "fit_samples",
    "sample_inputs",
    "solve_box_qp",
    "solve_dense_qp",
    "solve_paired_qp",
    "BoxQPResult",
    "rf_error_curve",
    "check_memory",
    "check_magnitude",
]

DEFAULT_JITTER = 1e-10      # relative to mean(diag K)
WIDTH_MAX = 2**40           # widths beyond any machine (a pool of 2**40 features needs 8 TiB per dimension)
MAX_JITTER = 1e-4
BUDGET_TOL = 1e-10          # KKT residual at which a budget fit counts as converged (boxqp)
BUDGET_MAX_SECONDS = 20.0   # default wall-time bound of one budget fit
GRAM_BIASED_BUFFERS = FAST_KERNEL_BUFFERS    # (R, R) doubles of a biased Gram (+1: the result; measured ~3.6 R^2)
GRAM_BLOCK = 256            # rows of a Gram matrix, columns of a Cholesky factor, computed at once (one slice of
                            # work: ~30-60 ms at 4096 features on 2 cores); fixed, so any slicing gives the same bits


def gram_bytes(R: int, biased: bool) -> float:
    """Peak memory of :func:`gram_matrix` for ``R`` features (the trainers' estimates add theirs to it): the
    result and one block of :data:`GRAM_BLOCK` rows at a time, whose kernel needs, per entry, the angle
    buffers and the result of the fast kernel (biased, :data:`GRAM_BIASED_BUFFERS` + 1; measured with the
    pair identities ~2.8 block-sized arrays on 1200 sign-symmetric features, ~4.9 on i.i.d. ones) or three
    torch buffers and the result of the arc-cosine kernel (bias-free, counted 6)."""
    return 8.0 * R * (R + (GRAM_BIASED_BUFFERS + 1 if biased else 6) * min(R, GRAM_BLOCK))


def factor_bytes(R: int, biased: bool) -> float:
    """Peak memory of :func:`fit_nested` on a pool without the even/odd split: the Gram matrix
    (:func:`gram_bytes`), then it, its Cholesky factor and two column blocks of it (:func:`_cholesky_columns`)."""
    return max(gram_bytes(R, biased), 8.0 * R * (2 * R + 2 * min(R, GRAM_BLOCK)))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FitResult:
    """One fitted RF model: error relative to ``E[y^2]`` and the size of its output weights."""

    width: int
    relative_error: float
    magnitude: float              # r * max_i |u_i|: this explorer's measure of "magnitude of its weights"
    l2_norm: float                # |u|_2
    weights: np.ndarray = field(repr=False)
    seed: int = 0
    jitter: float = 0.0
    method: str = "exact"
    magnitude_budget: float | None = None
    converged: bool = True        # a budget fit: KKT residual <= its tolerance (else stopped early)
    kkt_residual: float = 0.0     # a budget fit's relative KKT residual (boxqp module doc)
    gap: float = 0.0              # certified bound on relative_error - the best error with the budget
    iterations: int = 0           # a budget fit's solver steps


@dataclass(frozen=True)
class CurveResult:
    """Error-vs-width curve of nested RF models sharing one feature pool."""

    d: int
    widths: np.ndarray
    relative_errors: np.ndarray
    magnitudes: np.ndarray        # r * max|u_i| per width
    l2_norms: np.ndarray
    seed: int
    jitter: float
    exact: bool                   # population (closed form) or estimated from samples
    target: str
    distribution: str
    symmetric: bool
    magnitude_budget: float | None = None

    def as_dict(self) -> dict:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = v.tolist() if isinstance(v, np.ndarray) else v
        return out


@dataclass(frozen=True)
class SampleFitResult:
    """RF fitted by least squares on ``n`` samples; errors relative to ``E[y^2]``."""

    width: int
    n: int
    train_relative_error: float
    test_relative_error: float
    magnitude: float
    l2_norm: float
    weights: np.ndarray = field(repr=False)
    seed: int = 0
    ridge: float = 0.0


# --------------------------------------------------------------------------- checks


def check_magnitude(magnitude):
    """``None`` (no limit) or a finite positive budget ``M`` on ``r * max|u_i|``."""
    if magnitude is None:
        return None
    return positive("magnitude", magnitude)


def _check_nonneg(name, value):
    return nonneg(name, value)


def _device(value):
    return check_device(value)


# --------------------------------------------------------------------------- population moments


def gram_matrix(pool: FeaturePool, *, device=None) -> torch.Tensor:
    """``K_ij = E[f_i(x) f_j(x)]`` (float64 torch, shape ``(R, R)``), in row blocks of :data:`GRAM_BLOCK`
    (:func:`gram_rows`; :class:`NestedSolve` computes the same blocks in slices, to the same bits).

    Biased features use the fast path (``biased_relu_kernel(..., precise=False)``; for sign-symmetric pools
    the half pool's kernel, :func:`~rfexplore.gaussian.biased_relu_pair_rows`): entries are
    absolutely accurate to ``~2e-16 (1 + |b_i|)(1 + |b_j|)``, far below the fit's jitter of ``1e-10``
    times the mean diagonal, so the tail-stable (relative) form would cost several times more for nothing;
    the cross-moments ``k`` and ``E[y^2]``, which set the relative error, are computed to relative precision.
    """
    pool = _check_pool(pool)
    dev = _device(device)
    R = pool.width
    check_memory(gram_bytes(R, pool.b is not None), f"the Gram matrix of {R} features", dev)
    K = torch.empty(R, R, dtype=torch.float64, device=dev)
    for start in range(0, R, GRAM_BLOCK):
        stop = min(R, start + GRAM_BLOCK)
        K[start:stop] = gram_rows(pool, start, stop, device=dev)
    return K


def gram_rows(pool: FeaturePool, start: int, stop: int, *, device=None) -> torch.Tensor:
    """Rows ``start:stop`` of :func:`gram_matrix` ``(stop - start, R)``; all rows at once for a pool of at
    most :data:`GRAM_BLOCK` features (``start = 0, stop = R``: one call of the kernel on the whole pool)."""
    R = pool.width
    dev = _device(device)
    if pool.b is None:
        W = torch.as_tensor(pool.W, dtype=torch.float64, device=dev)
        with torch.no_grad():
            return relu_kernel_torch(W) if (start, stop) == (0, R) else relu_kernel_torch(W[start:stop], W)
    if _is_sign_paired(pool):          # (w, b), (-w, -b): a quarter of the kernel entries
        half = (start // 2, (stop + 1) // 2)            # the pairs of these rows (GRAM_BLOCK is even)
        K = biased_relu_pair_rows(pool.W[0::2], pool.b[0::2], *half)[: stop - start, :R]
    elif (start, stop) == (0, R):
        K = biased_relu_kernel(pool.W, pool.b, precise=False)
    else:
        K = biased_relu_kernel(pool.W[start:stop], pool.b[start:stop], pool.W, pool.b, precise=False)
    return torch.as_tensor(K, dtype=torch.float64, device=dev)


def _is_sign_paired(pool) -> bool:
    """Rows ``2j, 2j+1`` are ``(w, b), (-w, -b)`` (an odd width ends with a lone row)."""
    P = pool.width // 2
    pairs = slice(0, 2 * P, 2), slice(1, 2 * P, 2)
    return P >= 1 and np.array_equal(pool.W[pairs[1]], -pool.W[pairs[0]]) \
        and (pool.b is None or np.array_equal(pool.b[pairs[1]], -pool.b[pairs[0]]))


def _check_pool(pool):
    if not isinstance(pool, FeaturePool):
        raise TypeError(f"pool must be a FeaturePool (from sample_features), got {type(pool).__name__}")
    return pool


def _moments(pool, target, d):
    kss = target.second_moment(d)
    k = target.cross_moments(pool.W, pool.b)
    if kss is None or k is None:
        raise ValueError(f"the target {target.label()!r} has no closed-form moments; use fit_samples")
    return np.asarray(k, dtype=np.float64), float(kss)


def _cholesky(K: torch.Tensor, jitter: float):
    """Cholesky of ``K + eps I`` with ``eps = jitter * mean(diag K)``, raised x10 until it succeeds; by
    column blocks of :data:`GRAM_BLOCK` (:func:`_cholesky_columns`, the blocks :class:`NestedSolve` slices)."""
    R = K.shape[0]
    scale = _diag_scale(K)
    while True:
        L = torch.zeros_like(K)
        if all(_cholesky_columns(K, L, start, jitter * scale) for start in range(0, R, GRAM_BLOCK)):
            return L, jitter
        jitter = _more_jitter(jitter)


def _diag_scale(K) -> float:
    return float(K.diagonal().mean()) or 1.0


def _more_jitter(j):
    if j >= MAX_JITTER:
        raise np.linalg.LinAlgError(f"the Gram matrix is not positive definite even with jitter {j:g} x mean(diag K)")
    return max(j * 10.0, 1e-14)


def _cholesky_columns(K, L, start, eps) -> bool:
    """Columns ``start .. start + GRAM_BLOCK - 1`` of the Cholesky factor ``L`` of ``K + eps I``, in place, from
    the columns before them (left-looking: ``S = K[j:, J] - L[j:, :j] L[J, :j]^T``, ``L[J, J] = chol(S[J])``,
    ``L[below, J] = S[below] L[J, J]^{-T}``). False where ``K + eps I`` is not positive definite (enough)."""
    stop = min(K.shape[0], start + GRAM_BLOCK)
    S = K[start:, start:stop].clone()
    if start:
        S.sub_(L[start:, :start] @ L[start:stop, :start].T)
    top = S[: stop - start]
    top.diagonal().add_(eps)                                  # K + eps I, without an R x R identity
    L11, info = torch.linalg.cholesky_ex(top)
    if int(info) != 0 or not bool(torch.isfinite(L11.diagonal()).all()):
        return False
    L[start:stop, start:stop] = L11
    if stop < K.shape[0]:
        L[stop:, start:stop] = torch.linalg.solve_triangular(L11.T, S[stop - start:], upper=True, left=False)
    return True


# --------------------------------------------------------------------------- nested exact fit


def _prefix_back_solve(L, a, m):
    """``x`` with ``L[:m, :m]^T x = a[:m]`` (``L`` lower triangular). Past an eighth of ``L``, on all of ``L``
    with ``a`` cut to zero after ``m`` (back substitution then keeps ``x`` zero there, and the top ``m``
    equations are the prefix system): a strided ``m x m`` block is copied whole by the solver, which cost
    30 times the solve at ``m = 1500`` of 2048 (measured; the results agree to rounding, ~1e-15)."""
    if 8 * m <= L.shape[0]:
        return torch.linalg.solve_triangular(L[:m, :m].T, a[:m, None], upper=True)[:, 0]
    rhs = torch.zeros(L.shape[0], 1, dtype=a.dtype, device=a.device)
    rhs[:m, 0] = a[:m]
    return torch.linalg.solve_triangular(L.T, rhs, upper=True)[:m, 0]


class _DenseFactor:
    """Any pool: ``K + eps I = L L^T``; the first ``m`` features explain ``sum_{i<=m} a_i^2`` with ``a = L^{-1} k``."""

    def __init__(self, K, jitter, L=None):
        self.K = K
        self.L, self.jitter = _cholesky(K, jitter) if L is None else (L, jitter)

    def project(self, k):
        return torch.linalg.solve_triangular(self.L, k[:, None], upper=False)[:, 0]

    def explained(self, a):
        return torch.cumsum(a ** 2, 0)

    def weights(self, a, m, nested):
        return _prefix_back_solve(self.L, a, m)


class _PairedFactor:
    """Sign-symmetric pools without biases: ``(relu(w_j.x), relu(-w_j.x))`` in rows ``2j, 2j+1``.

    Each pair spans the even feature ``e_j = |w_j.x|`` and the odd one ``o_j = w_j.x``, and even and
    odd functions are orthogonal under the Gaussian, so the Gram matrix splits into
    ``E_ij = E|w_i.x||w_j.x| = (2/pi)|w_i||w_j|(sqrt(1 - c^2) + c arcsin c)`` (``c`` the cosine of
    their angle) and ``O_ij = w_i.w_j``, which has rank ``d``. Factoring ``E`` (``R/2`` square) and
    the first ``min(R/2, d)`` rows of ``O`` costs an eighth of the dense Cholesky, and is exact where
    the dense ``K`` (singular beyond ``2d`` features) needs its jitter.

    * Even width ``2k``: explained ``sum_{i<k} aE_i^2 + sum_{i<min(k, d)} aO_i^2`` with
      ``aE = L_E^{-1} k_e``, ``aO = L_O^{-1} k_o``.
    * Odd width ``2k+1`` adds ``relu(w_k.x) = (e_k + o_k)/2``, whose part orthogonal to the first
      ``2k`` features has even and odd pieces of sizes ``dE_k = L_E[k, k]`` and ``dO_k = L_O[k, k]``
      (0 once ``k >= d``): it explains ``(dE_k aE_k + dO_k aO_k)^2 / (dE_k^2 + dO_k^2)`` more.
    * Weights are the minimum-norm best weights (the odd coefficients are not unique beyond ``2d``).
    * ``E`` itself is computed again, and kept, only when a budget fit needs it (:meth:`even_gram`).
    """

    def __init__(self, V, jitter):
        self.V = V                                             # (R/2, d): w_j
        P, d = V.shape
        self.q = min(P, d)
        check_memory(3 * 8.0 * P * P, f"the even Gram matrix of {P} feature pairs", V.device)
        self.L_E, jit_e = _cholesky(abs_kernel_torch(V), jitter)
        Vq = V[: self.q]
        self.L_O, jit_o = _cholesky(Vq @ Vq.T, jitter)
        self.jitter = max(jit_e, jit_o)
        self.dE, self.dO = self.L_E.diagonal(), torch.zeros_like(self.L_E.diagonal())
        self.dO[: self.q] = self.L_O.diagonal()
        self._E = None

    def even_gram(self):
        """``E`` of all pairs, computed on first use (only budget fits need it) and kept."""
        if self._E is None:
            P = self.V.shape[0]
            check_memory(3 * 8.0 * P * P, f"the even Gram matrix of {P} feature pairs", self.V.device)
            self._E = abs_kernel_torch(self.V)
        return self._E

    def project(self, k):
        ke, ko = k[0::2] + k[1::2], k[0::2] - k[1::2]
        aE = torch.linalg.solve_triangular(self.L_E, ke[:, None], upper=False)[:, 0]
        aO = torch.zeros_like(aE)
        aO[: self.q] = torch.linalg.solve_triangular(self.L_O, ko[: self.q, None], upper=False)[:, 0]
        # the target's odd part is g.x with V_q g = ko_q: g = V_q^T O_q^{-1} ko_q (its projection on
        # the span of the w_j when q < d), from the factor of O_q we already have
        g = self.V[: self.q].T @ torch.cholesky_solve(ko[: self.q, None], self.L_O)[:, 0]
        return aE, aO, g

    def explained(self, a):
        aE, aO, _ = a
        even = torch.cumsum(aE ** 2 + aO ** 2, 0)              # width 2(j + 1)
        before = torch.cat([even.new_zeros(1), even[:-1]])      # width 2j
        den = self.dE ** 2 + self.dO ** 2
        odd = before + (self.dE * aE + self.dO * aO) ** 2 / den
        out = torch.empty(2 * len(even), dtype=even.dtype, device=even.device)
        out[0::2], out[1::2] = odd, even
        return out

    def weights(self, a, m, nested):
        aE, _, g = a
        k, lone = divmod(m, 2)
        if lone and k < self.q:            # the lone feature couples even and odd parts: K_m is regular
            L, _ = _cholesky(nested.gram(m), 0.0)
            return torch.cholesky_solve(nested.k[:m, None], L)[:, 0]
        n_e = k + lone
        alpha = _prefix_back_solve(self.L_E, aE, n_e)
        rhs = g - alpha[k] * self.V[k] if lone else g
        beta = self._odd_coefficients(k, rhs)
        u = alpha.new_empty(m)
        u[0: 2 * k: 2], u[1: 2 * k: 2] = alpha[:k] + beta, alpha[:k] - beta
        if lone:
            u[-1] = 2.0 * alpha[k]
        return u

    def _odd_coefficients(self, k, rhs):
        """Minimum-norm ``beta`` with ``sum_j beta_j w_j`` the projection of ``rhs`` on the span of
        ``w_0..w_{k-1}``: ``(V_k V_k^T)^{-1} V_k rhs`` while ``k < d`` (the factor of ``O``), else
        ``V_k (V_k^T V_k)^{-1} rhs`` (all of ``R^d`` is reached)."""
        Vk = self.V[:k]
        if k < self.V.shape[1]:
            return torch.cholesky_solve((Vk @ rhs)[:, None], self.L_O[:k, :k])[:, 0] if k else rhs.new_zeros(0)
        L, _ = _cholesky(Vk.T @ Vk, 0.0)
        return Vk @ torch.cholesky_solve(rhs[:, None], L)[:, 0]


def _is_paired(pool) -> bool:
    return pool.b is None and pool.width % 2 == 0 and pool.width >= 2 \
        and np.array_equal(pool.W[1::2], -pool.W[0::2])


class NestedFit:
    """Exact population fit of every prefix width of a pool, from one Cholesky factorization.

    Build with :func:`fit_nested`. ``relative_errors()[m-1]`` is the best relative error with the
    first ``m`` features; :meth:`fit` gives weights and magnitude (optionally constrained) at one width.
    Sign-symmetric pools without biases use their even/odd structure (:class:`_PairedFactor`):
    an eighth of the work, exact where the dense Gram matrix is singular, minimum-norm weights.
    The Gram matrix ``K`` itself is computed only when asked for (:meth:`gram`).
    """

    def __init__(self, pool, target, k, kss, factor):
        self.pool, self.target, self.k, self.kss = pool, target, k, kss
        self._factor = factor
        self.jitter = factor.jitter
        self._K = getattr(factor, "K", None)
        self._a = factor.project(k)
        self._errors = ((kss - factor.explained(self._a)) / kss).cpu().numpy()
        self._budget_last, self._budget_hint = None, {}       # warm starts of budget fits (fit, solve_budget)

    @property
    def width(self) -> int:
        return self.pool.width

    @property
    def K(self) -> torch.Tensor:
        """The Gram matrix ``E[f_i f_j]`` of the whole pool (computed on first use)."""
        return self.gram(self.width)

    def gram(self, m: int) -> torch.Tensor:
        """``K[:m, :m]``, the Gram matrix of the first ``m`` features (computed for this prefix only
        when the whole ``K`` was never needed)."""
        if self._K is None or self._K.shape[0] < m:
            self._K = gram_matrix(self.pool.head(m), device=self.k.device)
        return self._K[:m, :m]

    def retarget(self, target) -> NestedFit:
        """The same pool and factorization for another target (only ``k`` and ``k**`` change)."""
        target = check_target(target)
        k, kss = _moments(self.pool, target, self.pool.d)
        out = NestedFit(self.pool, target, torch.as_tensor(k, device=self.k.device), kss, self._factor)
        out._K = self._K
        return out

    def relative_errors(self) -> np.ndarray:
        """Relative population error for widths ``1..R`` (shape ``(R,)``)."""
        return self._errors

    def relative_errors_of(self, k, kss) -> np.ndarray:
        """Relative error curves of several targets given their moments, from the same factorization:
        ``k`` of shape ``(R, n)`` (each column ``E[f_i y]``) and ``kss`` of shape ``(n,)`` (each ``E[y^2]``);
        returns ``(n, R)``, row ``t`` equal to ``retarget(target t).relative_errors()`` for a target with those
        moments (for many targets whose cross-moments one batched call computes)."""
        k = np.asarray(k, dtype=np.float64)
        kss = np.asarray(kss, dtype=np.float64)
        if k.ndim != 2 or k.shape[0] != self.width or kss.shape != (k.shape[1],):
            raise ValueError(f"k must have shape ({self.width}, n) and kss shape (n,), got {k.shape} and {kss.shape}")
        if not (np.all(np.isfinite(k)) and np.all(np.isfinite(kss)) and np.all(kss > 0)):
            raise ValueError("k must be finite and kss finite and positive")
        out = np.empty((k.shape[1], self.width))
        for t in range(k.shape[1]):
            a = self._factor.project(torch.as_tensor(np.ascontiguousarray(k[:, t]), device=self.k.device))
            kt = float(kss[t])
            out[t] = ((kt - self._factor.explained(a)) / kt).cpu().numpy()            # (k** - sum a_i^2) / k**
        return out

    def _check_width(self, m):
        m = check_positive_int("width", m)
        if m > self.width:
            raise ValueError(f"width must be at most the pool size {self.width}, got {m}")
        return m

    def weights(self, m: int) -> torch.Tensor:
        """Best output weights with the first ``m`` features (``K_m u = k_m``; the minimum-norm
        solution for sign-symmetric pools, where it is not unique)."""
        m = self._check_width(m)
        return self._factor.weights(self._a, m, self)

    def objective(self, m: int, u: torch.Tensor) -> float:
        """Relative population error ``(u^T K u - 2 k^T u + k**) / k**`` of weights ``u`` (no jitter)."""
        K, k = self.gram(m), self.k[:m]
        return float((u @ (K @ u) - 2 * (k @ u) + self.kss) / self.kss)

    def fit(self, m: int, *, magnitude=None, ridge=None, u0=None, tol: float = BUDGET_TOL, max_iter=None,
            max_seconds=BUDGET_MAX_SECONDS, callback=None, warm_start: bool = True, hint=None) -> FitResult:
        """Fit at width ``m``: exact best (default), ``|u_i| <= magnitude / m``, or ridge ``lambda |u|^2``.

        A budget that the best fit already meets returns the best (minimum-norm) fit. Otherwise the
        box-constrained QP is solved (:mod:`rfexplore.boxqp`: in even/odd coordinates for
        sign-symmetric pools, else on the Gram matrix) until its relative KKT residual is at most
        ``tol``, or ``max_iter`` steps (default 5000 paired, 20000 dense), or ``max_seconds`` of wall
        time (``None``: no limit), or ``callback(info)`` returns true (``info``: ``iteration``,
        ``objective``, ``kkt_residual``, ``gap``, ``seconds``). The result says whether it
        ``converged`` and carries its ``kkt_residual`` and ``gap`` (``relative_error`` exceeds the
        best error with this budget by at most ``gap``); an unconverged fit is feasible and can be
        continued by calling again. ``u0`` warm-starts the QP; by default (``warm_start``) it starts
        from this object's previous budget fit, rescaled to the new bound, which makes a slider
        move cheap (the optimum does not depend on the start; among equal optima of a
        sign-symmetric pool the weights can, and the last bits of the error do).
        ``warm_start=False`` (and no ``u0``) is the first slice of :meth:`budget_solve`: the same
        problem gives the same bits whatever was solved before. ``hint``: the solver's cache between
        calls (:meth:`solve_budget`; default this object's): a caller that runs its own sequence of fits
        from its own ``u0`` passes its own dict, so that its results do not depend on this object's
        other fits.
        """
        m = self._check_width(m)
        magnitude = check_magnitude(magnitude)
        if magnitude is not None and ridge is not None:
            raise ValueError("give either magnitude or ridge, not both")
        _check_limits(tol, 0 if max_iter is None else max_iter, max_seconds)
        if magnitude is not None and u0 is None and not warm_start:
            return self.budget_solve(m, magnitude, tol=tol).advance(max_seconds=max_seconds, max_iter=max_iter,
                                                                    callback=callback)
        if ridge is not None:
            lam = _check_nonneg("ridge", ridge)
            K = self.gram(m)
            eye = torch.eye(m, dtype=K.dtype, device=K.device)
            u = torch.linalg.solve(K + lam * eye, self.k[:m])
            return self._result(m, u, self.objective(m, u), "ridge", None)
        u = self.weights(m)
        if magnitude is None or not self._binds(m, u, magnitude):
            return self._result(m, u, float(self._errors[m - 1]), "exact", magnitude)
        res = self.solve_budget(m, magnitude, u0=u0, tol=tol, max_iter=max_iter, max_seconds=max_seconds,
                                callback=callback, hint=hint)
        return self._budget_result(m, magnitude, res)

    def budget_solve(self, m: int, magnitude, *, tol: float = BUDGET_TOL) -> BudgetSolve:
        """The budget fit at width ``m`` as a :class:`BudgetSolve`: run it in slices of bounded time
        (:meth:`BudgetSolve.advance`), always to the same bits."""
        m = self._check_width(m)
        magnitude = check_magnitude(magnitude)
        if magnitude is None:
            raise ValueError("magnitude must be a positive number for a budget fit, got None")
        _check_limits(tol, 0, None)
        return BudgetSolve(self, m, magnitude, float(tol))

    @staticmethod
    def _binds(m, u, magnitude) -> bool:
        return float(u.abs().max()) * m > magnitude

    def _result(self, m, u, err, method, magnitude, **extra) -> FitResult:
        u_np = u.cpu().numpy()
        return FitResult(m, err, float(np.abs(u_np).max() * m), float(np.linalg.norm(u_np)), u_np, self.pool.seed,
                         self.jitter, method, magnitude, **extra)

    def _budget_result(self, m, magnitude, res) -> FitResult:
        """A :class:`FitResult` of a budget QP's result (its error and gap relative to ``k**``)."""
        # relative error = (u^T K u - 2 k^T u + k**) / k**
        err = (res.objective + self.kss) / self.kss
        return self._result(m, res.weights, err, "constrained", magnitude, converged=res.converged,
                            kkt_residual=res.kkt_residual, gap=res.gap / self.kss, iterations=res.iterations)

    def solve_budget(self, m: int, magnitude, *, u0=None, tol: float = BUDGET_TOL, max_iter=None,
                     max_seconds=BUDGET_MAX_SECONDS, callback=None, hint=None) -> BoxQPResult:
        """The QP of :meth:`fit` with ``|u_i| <= magnitude / m`` (whether or not it binds), as a
        :class:`~rfexplore.boxqp.BoxQPResult`. ``u0=None`` starts from the previous call's solution
        rescaled to the new bound (or the best weights clipped into the box). ``hint``: the solver's
        cache between calls (default: this object's, shared by all its budget fits)."""
        m = self._check_width(m)
        magnitude = check_magnitude(magnitude)
        if magnitude is None:
            raise ValueError("magnitude must be a positive number for a budget fit, got None")
        bound = magnitude / m
        if u0 is None:
            u0 = self._warm_start(m, bound)
        u0 = torch.as_tensor(u0, dtype=self.k.dtype, device=self.k.device)
        if u0.shape != (m,):
            raise ValueError(f"u0 must have one weight per feature, shape ({m},), got {tuple(u0.shape)}")
        hint = self._budget_hint if hint is None else hint
        limits = dict(tol=tol, max_seconds=max_seconds, callback=callback, hint=hint)
        if isinstance(self._factor, _PairedFactor):
            n, lone = (m + 1) // 2, m % 2 == 1
            E, V = self._factor.even_gram(), self._factor.V
            # the pairs' even and odd moments E[|<w,x>| y], E[<w,x> y] (also for a lone feature's pair)
            ke, ko = self.k[0::2] + self.k[1::2], self.k[0::2] - self.k[1::2]
            res = solve_paired_qp(E[:n, :n], V[:n], ke[:n], ko[:n], bound, lone=lone, u0=u0,
                                  max_iter=5000 if max_iter is None else max_iter, **limits)
        else:
            res = solve_dense_qp(self.gram(m), self.k[:m], bound, u0=u0,
                                 max_iter=20000 if max_iter is None else max_iter, **limits)
        self._budget_last = (m, bound, res.weights)
        return res

    def _warm_start(self, m, bound):
        """The previous budget solution, cut or padded to ``m`` weights and scaled to ``bound``; else
        the best weights (clipped into the box by the solver)."""
        if self._budget_last is None:
            return self.weights(m)
        m0, b0, u_prev = self._budget_last
        u = torch.zeros(m, dtype=u_prev.dtype, device=u_prev.device)
        u[: min(m, m0)] = u_prev[: min(m, m0)] * (bound / b0)
        return u


class BudgetSolve:
    """One budget fit (width ``m``, ``r max|u_i| <= magnitude``) that runs in slices and always
    ends at the same bits.

    Made by :meth:`NestedFit.budget_solve`. It starts from one fixed point (the best weights,
    clipped into the box by the solver) with its own solver cache, so what it computes depends
    only on the problem, not on what was solved before; :meth:`advance` runs it further for at
    most ``max_seconds`` (or ``max_iter`` steps) and continues exactly where the last call
    stopped, so however the work is sliced the result is bit for bit that of one long call. A
    dashboard shows :attr:`result` after each slice, marked not converged until :attr:`done`.
    An exception inside a slice (``KeyboardInterrupt``) keeps the last result and starts the
    solve again from its fixed point on the next :meth:`advance` (so it still ends at the same bits).
    """

    def __init__(self, nested: NestedFit, m: int, magnitude: float, tol: float):
        self.nested, self.width, self.magnitude, self.tol = nested, m, magnitude, tol
        self.result: FitResult | None = None      # after the latest slice
        self._hint, self._u, self._best = {}, None, None
        self.slices, self.steps = 0, 0             # slices run, solver steps in all

    @property
    def done(self) -> bool:
        """True once the result is final (converged to ``tol``, or the budget does not bind)."""
        return self.result is not None and self.result.converged

    def advance(self, *, max_seconds=None, max_iter=None, callback=None) -> FitResult:
        """Run one slice: at most ``max_seconds`` of wall time (``None``: no limit) and ``max_iter``
        steps (default 5000 paired, 20000 dense) past one step or one factorization, or until
        ``callback(info)`` returns true; returns (and keeps in :attr:`result`) the fit so far."""
        if self.done:
            return self.result
        nested, m = self.nested, self.width
        if self._best is None:
            self._best = nested.weights(m)
        u = self._best
        if not nested._binds(m, u, self.magnitude):
            self.result = nested._result(m, u, float(nested._errors[m - 1]), "exact", self.magnitude)
            return self.result
        try:
            res = nested.solve_budget(m, self.magnitude, u0=u if self._u is None else self._u, tol=self.tol,
                                      max_iter=max_iter, max_seconds=max_seconds, callback=callback,
                                      hint=self._hint)
        except BaseException:
            self._hint, self._u, self.steps = {}, None, 0    # start again from the fixed point next time
            raise
        self._u, self.slices, self.steps = res.weights, self.slices + 1, self.steps + res.iterations
        self.result = nested._budget_result(m, self.magnitude, res)
        return self.result


class NestedSolve:
    """:func:`fit_nested` in slices of bounded time, for a page that must keep answering while it runs.

    The work is a fixed list of blocks: the cross-moments ``k``, the Gram matrix :data:`GRAM_BLOCK` rows at
    a time (:func:`gram_rows`), then the Cholesky factor of ``K + eps I`` as many columns at a time
    (:func:`_cholesky_columns`; a failed block raises the jitter x10 and starts the factor again). A
    sign-symmetric pool without biases is one block (its even/odd factorization, an eighth of the work).
    :meth:`advance` runs blocks for about ``max_seconds`` (at least one) and continues where the last call
    stopped; the blocks are the same whatever the slices, so :attr:`result` is bit for bit
    :func:`fit_nested`'s. ``done`` and ``total`` count blocks (the "k of n" a page shows), ``stage`` names
    the one running next."""

    def __init__(self, pool: FeaturePool, target=None, *, jitter: float = DEFAULT_JITTER, device=None):
        self.pool, self.target = _check_pool(pool), check_target(target)
        self.jitter, self.device = _check_nonneg("jitter", jitter), _device(device)
        R = pool.width
        self._paired = _is_paired(pool)
        self._blocks = -(-R // GRAM_BLOCK)
        self.total = 2 if self._paired else 1 + 2 * self._blocks
        self.done = 0
        self.result: NestedFit | None = None
        self._k = self._K = self._L = None
        if not self._paired:
            check_memory(factor_bytes(R, pool.b is not None), f"the Gram matrix of {R} features", self.device)

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def stage(self) -> str:
        """What the next block computes."""
        if self.done == 0:
            return "cross-moments"
        if self._paired:
            return "even/odd factorization"
        return "Gram matrix rows" if self.done <= self._blocks else "Cholesky factor columns"

    def advance(self, *, max_seconds=None) -> NestedFit | None:
        """Run blocks for about ``max_seconds`` (past one block; ``None``: to the end); the fit once finished."""
        if max_seconds is not None:
            max_seconds = positive("max_seconds", max_seconds)
        t0 = time.perf_counter()
        while self.result is None:
            self._block()
            if max_seconds is not None and time.perf_counter() - t0 >= max_seconds:
                break
        return self.result

    def _block(self):
        pool, dev, n = self.pool, self.device, self._blocks
        if self.done == 0:
            k, self._kss = _moments(pool, self.target, pool.d)
            self._k = torch.as_tensor(k, device=dev)
        elif self._paired:
            factor = _PairedFactor(torch.as_tensor(pool.W[0::2], dtype=torch.float64, device=dev), self.jitter)
            self.result = NestedFit(pool, self.target, self._k, self._kss, factor)
        elif self.done <= n:
            if self._K is None:
                self._K = torch.empty(pool.width, pool.width, dtype=torch.float64, device=dev)
            start = (self.done - 1) * GRAM_BLOCK
            stop = min(pool.width, start + GRAM_BLOCK)
            self._K[start:stop] = gram_rows(pool, start, stop, device=dev)
        else:
            if self._L is None:
                self._L, self._scale = torch.zeros_like(self._K), _diag_scale(self._K)
            start = (self.done - 1 - n) * GRAM_BLOCK
            if not _cholesky_columns(self._K, self._L, start, self.jitter * self._scale):
                self.jitter, self._L = _more_jitter(self.jitter), None     # the factor again, from column 0
                self.done = 1 + n
                return
            if self.done == self.total - 1:
                factor = _DenseFactor(self._K, self.jitter, L=self._L)
                self.result = NestedFit(pool, self.target, self._k, self._kss, factor)
                self._K = self._L = None
        self.done += 1


def fit_nested(pool: FeaturePool, target=None, *, jitter: float = DEFAULT_JITTER, device=None) -> NestedFit:
    """Factor the Gram matrix of ``pool`` once; see :class:`NestedFit` (in slices: :class:`NestedSolve`)."""
    target = check_target(target)
    if not isinstance(pool, FeaturePool):
        raise TypeError(f"pool must be a FeaturePool (from sample_features), got {type(pool).__name__}")
    return NestedSolve(pool, target, jitter=jitter, device=device).advance()


def fit_population(pool: FeaturePool, target=None, *, magnitude=None, ridge=None, device=None) -> FitResult:
    """Exact population fit with all features of ``pool`` (optionally constrained or ridge)."""
    return fit_nested(pool, target, device=device).fit(pool.width, magnitude=magnitude, ridge=ridge)


# --------------------------------------------------------------------------- box-constrained QP


def solve_box_qp(K: torch.Tensor, k: torch.Tensor, bound: float, *, u0=None, tol: float = BUDGET_TOL,
                 max_iter: int = 20000, max_seconds=None, callback=None) -> torch.Tensor:
    """Minimize ``u^T K u - 2 k^T u`` subject to ``|u_i| <= bound`` (K positive semi-definite): the
    weights of :func:`~rfexplore.boxqp.solve_dense_qp`, which also reports whether it converged
    (relative KKT residual at most ``tol``), the residual and a certified gap. ``u0`` is a warm
    start (clipped into the box), e.g. the unconstrained solution; ``max_iter``, ``max_seconds``
    and ``callback`` bound the work."""
    return solve_dense_qp(K, k, bound, u0=u0, tol=tol, max_iter=max_iter, max_seconds=max_seconds,
                          callback=callback).weights


# --------------------------------------------------------------------------- from samples


# Streams of random inputs are domain-separated from feature seeds (SeedSequence(seed) draws the
# weights in features.py), so that equal seeds never make training inputs equal the feature directions.
INPUT_STREAM = 1


def sample_inputs(n: int, d: int, seed: int, *, n_test: int = 0):
    """The Gaussian training inputs ``(n, d)`` and test inputs ``(n_test, d)`` that
    :func:`fit_samples` draws for ``seed`` (independent of the feature pool with the same seed)."""
    n, d = check_positive_int("n", n), check_positive_int("d", d)
    n_test = validation.nonneg_int("n_test", n_test)
    check_memory(8.0 * (n + n_test) * d + 2**16, f"{n + n_test} Gaussian inputs in dimension {d}",
                 fix="use fewer samples or a smaller d")
    ss_train, ss_test = np.random.SeedSequence([check_seed(seed), INPUT_STREAM]).spawn(2)
    return (np.random.default_rng(ss_train).standard_normal((n, d)),
            np.random.default_rng(ss_test).standard_normal((n_test, d)))


def sample_fit_bytes(n: int, n_test: int, r: int, d: int) -> float:
    """Peak memory of :func:`fit_samples` (tests compare it with a measured peak): the inputs
    ``(n + n_test, d)``, the training features ``(n, r)`` alive while the test features are evaluated
    (``relu(X W^T + b)`` holds two ``(n_test, r)`` arrays at once), three ``(r, r)`` matrices for the
    normal equations and a few length-``n`` vectors."""
    return 8.0 * ((n + n_test) * (d + 6) + n * r + 2 * n_test * r + 4 * r * r)


def fit_samples(pool: FeaturePool, target=None, *, n: int, n_test: int | None = None, ridge: float = 0.0,
                seed: int = 0, device=None) -> SampleFitResult:
    """Least squares on ``n`` Gaussian samples, tested on ``n_test`` fresh ones (default ``max(n, 10000)``).

    Works for any target, including plain callables. Errors are relative to ``E[y^2]`` (exact when
    the target has a closed form, else estimated on the test samples).
    """
    pool = _check_pool(pool)
    target = check_target(target)
    n = check_positive_int("n", n)
    n_test = max(n, 10000) if n_test is None else check_positive_int("n_test", n_test)
    ridge = _check_nonneg("ridge", ridge)
    seed = check_seed(seed)
    dev = _device(device)
    r, d = pool.width, pool.d
    check_memory(sample_fit_bytes(n, n_test, r, d), f"fitting {r} features on {n} samples", dev,
                 fix=f"use fewer samples (n = {n}, n_test = {n_test}) or fewer features")
    X, Xt = sample_inputs(n, d, seed, n_test=n_test)
    y, yt = target(X), target(Xt)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(yt))):
        raise ValueError(f"target {target.label()!r} must be finite on Gaussian inputs, got NaN or inf values")
    F = torch.as_tensor(pool.evaluate(X), device=dev)
    Ft = torch.as_tensor(pool.evaluate(Xt), device=dev)
    yy, yyt = torch.as_tensor(y, device=dev), torch.as_tensor(yt, device=dev)
    A = F.T @ F / n
    rhs = F.T @ yy / n
    L, _ = _cholesky(A + ridge * torch.eye(r, dtype=A.dtype, device=dev), DEFAULT_JITTER)
    u = torch.cholesky_solve(rhs[:, None], L)[:, 0]
    ey2 = target.second_moment(d)
    if ey2 is None:
        ey2 = float((yyt ** 2).mean())
        lo, hi = MOMENT_RANGE
        if not lo <= ey2 <= hi:
            raise ValueError(f"target {target.label()!r} has mean square {ey2:g} on the {n_test} test samples, "
                             f"outside [{lo:g}, {hi:g}]: its relative error is not defined in float64 (a target "
                             "that is zero on every sample explains nothing to compare with); rescale it")
    train = float(((F @ u - yy) ** 2).mean()) / ey2
    test = float(((Ft @ u - yyt) ** 2).mean()) / ey2
    u_np = u.cpu().numpy()
    return SampleFitResult(r, n, train, test, float(np.abs(u_np).max() * r), float(np.linalg.norm(u_np)),
                           u_np, seed, ridge)


# --------------------------------------------------------------------------- the public curve


def _check_widths(widths):
    if isinstance(widths, (str, bytes, dict, set)):
        raise TypeError(f"widths must be a sequence of positive integers, got {type(widths).__name__}")
    vals = np.atleast_1d(np.asarray(widths, dtype=object)).ravel().tolist()
    if not vals:
        raise ValueError("widths must contain at least one width, got an empty list")
    for w in vals:
        if check_positive_int("width", w) > WIDTH_MAX:
            raise ValueError(f"width must be at most 2**40 (beyond any machine's memory), got {w}")
    return np.array(vals, dtype=np.int64)


def rf_error_curve(d, widths, *, target=None, distribution="sphere", symmetric=False, magnitude=None,
                   bias_std=0.0, seed=0, samples=None, device=None) -> CurveResult:
    """Random-features error against width for nested pools drawn once.

    Parameters
    ----------
    d : int
        Input dimension.
    widths : sequence of int
        Widths ``r`` to report; one pool of ``max(widths)`` features serves all of them.
    target : target or callable, optional
        ``None`` is the unit ReLU neuron ``[<e_1, x>]_+``. Targets without a closed form
        (plain callables) are fitted on samples.
    distribution : {"sphere", "gaussian"}
    symmetric : bool
        Sign-symmetric pairs ``(w, -w)``.
    magnitude : float, optional
        Budget ``M`` on ``r * max|u_i|`` (the constraint ``|u_i| <= M / r``); ``None``: no limit.
    bias_std : float
        Standard deviation of random feature biases (0: no biases).
    seed : int
    samples : int, optional
        Training samples for targets without a closed form (default ``10 * max(widths)``).
    device : str, optional

    Returns
    -------
    CurveResult
        ``.widths``, ``.relative_errors`` (population error / ``E[y^2]``, exact for closed-form
        targets), ``.magnitudes`` (``r * max|u_i|``), ``.l2_norms``, ``.jitter``, ``.seed``.

    Examples
    --------
    >>> import rfexplore
    >>> c = rfexplore.rf_error_curve(10, [20, 100, 500], seed=0)
    >>> c.relative_errors.round(2)
    array([0.26, 0.03, 0.01])
    >>> bool((c.magnitudes > 0).all())
    True
    """
    d = check_positive_int("d", d)
    widths = _check_widths(widths)
    target = check_target(target)
    magnitude = check_magnitude(magnitude)
    device = _device(device)
    exact = target.second_moment(d) is not None               # refuses E[y^2] outside MOMENT_RANGE
    if samples is not None:
        samples = check_positive_int("samples", samples)
        if exact:
            raise ValueError(f"samples is used only for targets without a closed form, but {target.label()!r} "
                             f"has one (its error is exact); drop samples={samples}")
    R = int(widths.max())
    if exact:     # the pool and the Gram matrix (or the even Gram of sign-symmetric pairs) with its factor
        # the Gram matrix and its factor stay while a budget QP runs: two more (R, R) arrays (its matrix and a
        # temporary; measured 2.75-3.7 R^2 in all on 1200 biased features, tests/test_tails.py: one more array
        # fell short of the 3.7 by 5 %)
        budget = 2 * 8.0 * R * R if magnitude is not None else 0.0
        check_memory(8.0 * 3 * R * d + factor_bytes(R, bool(bias_std)) + budget,
                     f"the pool and Gram matrix of {R} features", device)
    pool = sample_features(d, R, distribution=distribution, symmetric=symmetric, bias_std=bias_std, seed=seed)
    fits, jitter = [], 0.0
    if exact:
        nested = fit_nested(pool, target, device=device)
        jitter = nested.jitter
        fits = [nested.fit(int(m), magnitude=magnitude) for m in widths]
        errs = [f.relative_error for f in fits]
    else:
        if magnitude is not None:
            raise ValueError("magnitude budgets need a target with a closed form (not a plain callable)")
        n = samples if samples is not None else 10 * R
        fits = [fit_samples(pool.head(int(m)), target, n=n, seed=seed, device=device) for m in widths]
        errs = [f.test_relative_error for f in fits]
    return CurveResult(
        d=d, widths=widths, relative_errors=np.array(errs),
        magnitudes=np.array([f.magnitude for f in fits]), l2_norms=np.array([f.l2_norm for f in fits]),
        seed=pool.seed, jitter=jitter, exact=exact, target=target.label(), distribution=distribution,
        symmetric=bool(symmetric), magnitude_budget=magnitude,
    )


# ------------------------------------------------------------------- width needed (notebooks 02, 04, 05)


def width_needed(errors, eps: float) -> int | None:
    """Smallest width ``m`` with ``errors[m-1] <= eps``: the first width of a nested curve to reach ``eps``.

    ``errors`` is an error-vs-width curve for widths ``1, 2, ..., R`` (e.g.
    :meth:`NestedFit.relative_errors`). Returns ``None`` when no width up to ``R`` reaches ``eps``.

    >>> width_needed([0.9, 0.6, 0.5, 0.2], 0.5)
    3
    >>> width_needed([0.9, 0.6], 0.5) is None
    True
    """
    arr = np.asarray(errors, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"errors must be a non-empty 1-D curve (one error per width), got shape {arr.shape}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) \
            or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite non-negative error level, got {eps!r}")
    hit = np.flatnonzero(arr <= eps)
    return int(hit[0]) + 1 if hit.size else None


__all__ += ["width_needed"]
