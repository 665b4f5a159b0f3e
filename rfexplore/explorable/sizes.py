"""Size of the best output weights at every nested width at once: ``r * max|u_i|`` and ``|u|_2``.

:meth:`rfexplore.fit.NestedFit.fit` gives the weights at one width with a triangular solve, ``O(m^2)``;
a page that offers every width ``1..R`` would pay ``O(R^3)`` in ``R`` separate solves (about 130 s for
``R = 4096`` on two cores). Instead (this explorer's computation, from DESIGN 2.3):

* With ``K + eps I = L L^T`` and ``a = L^{-1} k``, the best weights with the first ``m`` features are
  ``u^(m) = L_m^{-T} a_m``, and ``L_m^{-1}`` is the leading block of ``L^{-1}``. So
  ``u^(m)_i = sum_{i <= j < m} (L^{-1})_{ji} a_j``: row ``m - 1`` of the partial sums down the columns of
  ``L^{-1} diag(a)``. One triangular inverse (``R^3 / 3``) and one cumulative sum give every width.
* Sign-symmetric pools without biases follow the even/odd split of :mod:`rfexplore.fit` (its paired
  factor): with ``k`` pairs, ``u_{2j} = alpha_j + beta_j`` and ``u_{2j+1} = alpha_j - beta_j``, where the
  even coefficients ``alpha`` come from the partial sums above over the even Gram matrix and the
  minimum-norm odd coefficients ``beta`` from the odd Gram matrix ``V V^T`` while ``k < d`` (partial sums
  again) and from ``V_k (V_k^T V_k)^{-1} g`` once ``k >= d`` (a batch of ``d x d`` solves). So
  ``max(|u_{2j}|, |u_{2j+1}|) = |alpha_j| + |beta_j|`` and ``|u|^2 = 2 sum_j (alpha_j^2 + beta_j^2)``.
  Odd widths below ``2d`` (a lone feature couples the two parts) are few and small: they are taken from
  :meth:`NestedFit.weights` itself.

The same numbers as ``NestedFit.fit(m).magnitude`` and ``.l2_norm`` up to rounding (tests/test_explorable.py
compares every width). A candidate to become a method of :class:`rfexplore.fit.NestedFit`.
"""

from __future__ import annotations

import numpy as np
import torch

from ..fit import NestedFit
from ..gaussian import abs_kernel_torch

__all__ = ["weight_sizes"]


def _cholesky(A: torch.Tensor, jitter: float) -> torch.Tensor:
    """Cholesky of ``A + eps I`` with ``eps = jitter * mean(diag A)``, raised x10 until it succeeds
    (the rule of :mod:`rfexplore.fit`, which reports the jitter it used as ``NestedFit.jitter``)."""
    scale = float(A.diagonal().mean()) or 1.0
    j = float(jitter)
    while True:
        B = A.clone()
        B.diagonal().add_(j * scale)
        L, info = torch.linalg.cholesky_ex(B)
        if int(info) == 0 and bool(torch.isfinite(L.diagonal()).all()):
            return L
        if j >= 1e-4:
            raise np.linalg.LinAlgError(f"matrix not positive definite even with jitter {j:g} x mean(diag)")
        j = max(j * 10.0, 1e-14)


def _prefix_solutions(L: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``U`` of shape ``(n, n)`` with ``U[m-1, :m] = L_m^{-T} a_m`` for every ``m`` (zeros beyond ``m``):
    the partial sums down the columns of ``L^{-1} diag(a)``, ``L`` lower triangular ``(n, n)``."""
    n = L.shape[0]
    X = torch.linalg.solve_triangular(L, torch.eye(n, dtype=L.dtype, device=L.device), upper=False)
    X.tril_().mul_(a[:, None])                       # (L^{-1})_{ji} a_j, zero above the diagonal
    return X.cumsum_(0)


def _dense_sizes(nested: NestedFit):
    L = _cholesky(nested.K, nested.jitter)
    a = torch.linalg.solve_triangular(L, nested.k[:, None], upper=False)[:, 0]
    U = _prefix_solutions(L, a)                      # row m-1: u^(m)
    widths = torch.arange(1, U.shape[0] + 1, dtype=U.dtype, device=U.device)
    return widths * U.abs().amax(1), U.norm(dim=1)


def _is_paired(pool) -> bool:
    """The pools :mod:`rfexplore.fit` factors by parts: bias-free sign-symmetric pairs in rows 2j, 2j+1."""
    return pool.b is None and pool.width % 2 == 0 and pool.width >= 2 \
        and np.array_equal(pool.W[1::2], -pool.W[0::2])


def _gram_inverses(V: torch.Tensor, ks, rhs: torch.Tensor, jitter: float = 0.0) -> torch.Tensor:
    """``(V_k^T V_k)^{-1} rhs_k`` for each ``k`` in ``ks`` (``rhs`` of shape ``(len(ks), d)``), batched."""
    outer = V[:, :, None] * V[:, None, :]
    G = torch.cumsum(outer, 0)[torch.as_tensor(ks, device=V.device) - 1]      # V_k^T V_k
    L, info = torch.linalg.cholesky_ex(G)
    for i in torch.nonzero(info).flatten().tolist():                          # rare: singular V_k^T V_k
        L[i] = _cholesky(G[i], max(jitter, 1e-14))
    return torch.cholesky_solve(rhs[:, :, None], L)[:, :, 0]


def _paired_sizes(nested: NestedFit):
    pool, jit = nested.pool, nested.jitter
    V = torch.as_tensor(pool.W[0::2], dtype=torch.float64, device=nested.k.device)   # (P, d): w_j
    P, d = V.shape
    q = min(P, d)
    k = nested.k
    ke, ko = k[0::2] + k[1::2], k[0::2] - k[1::2]
    L_E = _cholesky(abs_kernel_torch(V), jit)
    A = _prefix_solutions(L_E, torch.linalg.solve_triangular(L_E, ke[:, None], upper=False)[:, 0])
    Vq = V[:q]
    L_O = _cholesky(Vq @ Vq.T, jit)
    g = Vq.T @ torch.cholesky_solve(ko[:q, None], L_O)[:, 0]         # the target's odd part, g.x
    B = _prefix_solutions(L_O, torch.linalg.solve_triangular(L_O, (Vq @ g)[:, None], upper=False)[:, 0])

    R = pool.width
    mags = torch.empty(R, dtype=V.dtype, device=V.device)
    l2 = torch.empty_like(mags)
    j = torch.arange(P, device=V.device)
    # even widths 2k, k = 1..P: alpha = A[k-1], beta = B[k-1] (k < d) or V_k (V_k^T V_k)^{-1} g (k >= d)
    ks = np.arange(1, P + 1)
    beta = torch.zeros(P, P, dtype=V.dtype, device=V.device)
    small = ks[ks < d]
    beta[: len(small), :q] = B[: len(small)]
    big = ks[ks >= d]
    if len(big):
        H = _gram_inverses(V, big, g.expand(len(big), d))
        beta[len(small):] = (H @ V.T) * (j[None, :] < torch.as_tensor(big, device=V.device)[:, None])
    m_even = torch.as_tensor(2 * ks, dtype=V.dtype, device=V.device)
    mags[1::2] = m_even * (A.abs() + beta.abs()).amax(1)
    l2[1::2] = torch.sqrt(2.0 * (A * A + beta * beta).sum(1))
    # odd widths 2k+1, k = 0..P-1: below 2q from NestedFit itself; beyond, alpha = A[k] (k+1 even
    # features), beta = V_k (V_k^T V_k)^{-1} (g - alpha_k w_k), and the lone weight 2 alpha_k
    for kk in range(min(q, P)):
        u = nested.weights(2 * kk + 1)
        mags[2 * kk], l2[2 * kk] = (2 * kk + 1) * u.abs().max(), u.norm()
    odd = np.arange(q, P)
    if len(odd):
        ot = torch.as_tensor(odd, device=V.device)
        alpha = A[ot]                                               # (n, P): alpha^(k+1)
        lone = alpha[torch.arange(len(odd), device=V.device), ot]   # alpha_k
        H = _gram_inverses(V, odd, g.expand(len(odd), d) - lone[:, None] * V[ot])
        mask = j[None, :] < ot[:, None]
        beta = (H @ V.T) * mask
        pairs = (alpha.abs() + beta.abs()) * mask
        m_odd = torch.as_tensor(2 * odd + 1, dtype=V.dtype, device=V.device)
        mags[2 * odd] = m_odd * torch.maximum(pairs.amax(1), 2.0 * lone.abs())
        l2[2 * odd] = torch.sqrt(2.0 * ((alpha * alpha + beta * beta) * mask).sum(1) + 4.0 * lone * lone)
    return mags, l2


def weight_sizes(nested: NestedFit) -> tuple[np.ndarray, np.ndarray]:
    """``(magnitudes, l2_norms)``, each of shape ``(R,)``: at index ``m - 1`` the paper's measure
    ``m * max_i |u_i|`` and ``|u|_2`` of the best weights with the first ``m`` features of ``nested``
    (the minimum-norm ones for sign-symmetric pools), for every width ``m = 1..R``."""
    if not isinstance(nested, NestedFit):
        raise TypeError(f"nested must be a NestedFit (from rfexplore.fit_nested), got {type(nested).__name__}")
    with torch.no_grad():
        mags, l2 = _paired_sizes(nested) if _is_paired(nested.pool) else _dense_sizes(nested)
    return mags.cpu().numpy(), l2.cpu().numpy()
