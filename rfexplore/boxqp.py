"""The magnitude budget ``|u_i| <= M / r`` (DESIGN 2.8): a box-constrained convex QP, solved to a
stated tolerance, in bounded time.

Minimize ``f(u) = u^T K u - 2 k^T u`` (the population error times ``E[y^2]``, less ``E[y^2]``)
subject to ``|u_i| <= B`` with ``B = M / r``. ``K`` is positive semi-definite.

**Optimality, and what the results report** (this explorer's definitions). With the gradient
``g = 2 (K u - k)``, a feasible ``u`` is optimal iff every coordinate satisfies the KKT conditions:
``g_i = 0`` where ``|u_i| < B``, ``g_i <= 0`` at ``u_i = B`` and ``g_i >= 0`` at ``u_i = -B``.

* ``kkt_residual``: the largest violation (``|g_i|`` on free coordinates, ``max(g_i, 0)`` at the
  upper bound, ``max(-g_i, 0)`` at the lower one; a coordinate counts as at a bound within
  ``1e-9 B``), relative to ``2 |k|_inf``, the size of the gradient at ``u = 0``.
* ``gap``: ``sum_i (g_i u_i + B |g_i|)``, the Frank-Wolfe duality gap; by convexity
  ``f(u) - min f <= gap`` for every feasible ``u``, so it certifies the objective of any iterate.

**Sign-symmetric pools** (features ``relu(<w_j, x>)``, ``relu(-<w_j, x>)`` in rows ``2j, 2j+1``,
no biases) are solved in even/odd coordinates (:func:`solve_paired_qp`): the pair's function
``u_+ relu(z) + u_- relu(-z) = e |z| + o z`` with ``e = (u_+ + u_-)/2``, ``o = (u_+ - u_-)/2``; the
box ``|u_+|, |u_-| <= B`` is exactly the diamond ``|e| + |o| <= B``; even and odd functions are
orthogonal under the Gaussian, so ``f = e^T E e - 2 k_e^T e + o^T W W^T o - 2 k_o^T o`` with the even
Gram matrix ``E`` and the odd one ``W W^T`` (rank ``<= d``), coupled only by the diamonds. An odd
width adds a lone ``relu(<w, x>) = (|<w,x>| + <w,x>)/2``: its pair holds ``e = o``, ``|e| <= B/2``.

The method (this explorer's; accelerated projected gradient as in Beck & Teboulle 2009, with the
gradient restart of O'Donoghue & Candes 2015): each step minimizes the quadratic upper bound
``g.(x - y) + |x - y|_H^2 / 2`` over the diamonds, in a metric ``H`` that follows the two ways
the problem is ill-conditioned: ``E`` has one eigenvalue far above the rest (the mean of the
features), and ``W W^T`` is large on its ``d``-dimensional range and zero on the rest, where only
the shared budget with the even part curves the problem. ``H`` is a multiple of the identity
on each block plus those ``1 + d`` directions, so a step's projection is the exact per-pair
projection onto the diamonds after a shift found by a ``(1 + d)``-dimensional Newton solve.
Whenever the set of coordinates at a bound has settled, an exact step solves the QP on that face
(a Cholesky factorization of the free part) and keeps it if it is feasible and optimal.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["BoxQPResult", "box_qp_optimality", "solve_dense_qp", "solve_paired_qp"]

AT_BOUND = 1e-9          # a coordinate within this fraction of B from a bound counts as at it
DEFAULT_TOL = 1e-10      # stop when kkt_residual <= tol
DEFAULT_MAX_ITER = 5000
ODD_NULL_WEIGHT = 0.01   # metric on the null space of W W^T, relative to the even block's
FACE_FIRST, FACE_STABLE, FACE_EVERY = 10, 3, 15   # exact face steps: first step, settled steps, spacing


@dataclass(frozen=True)
class BoxQPResult:
    """A feasible point of the budget QP and how close to optimal it is (definitions: module doc)."""

    weights: torch.Tensor = field(repr=False)    # u, |u_i| <= bound exactly
    objective: float                             # u^T K u - 2 k^T u
    kkt_residual: float                          # relative; 0 at the optimum
    gap: float                                   # certified: objective - optimum <= gap
    converged: bool                              # kkt_residual <= tol
    iterations: int
    seconds: float
    tol: float
    method: str                                  # "paired" or "dense"


# --------------------------------------------------------------------------- optimality


def box_qp_optimality(u, g, bound, scale, *, present=None):
    """``(kkt_residual, gap)`` of a feasible ``u`` with gradient ``g = 2 (K u - k)``; ``scale`` is
    ``2 |k|_inf``. ``present`` masks out coordinates that do not exist (fixed at 0)."""
    upper, lower = u >= bound * (1 - AT_BOUND), u <= -bound * (1 - AT_BOUND)
    viol = torch.where(upper, g.clamp_min(0), torch.where(lower, (-g).clamp_min(0), g.abs()))
    gap_terms = g * u + bound * g.abs()                   # max over |y_i| <= B of g_i (u_i - y_i)
    if present is not None:
        viol, gap_terms = viol[present], gap_terms[present]
    res = float(viol.max()) / scale if viol.numel() else 0.0
    return res, float(gap_terms.sum().clamp_min(0)) if gap_terms.numel() else 0.0


def _check_bound(bound):
    if isinstance(bound, bool) or not isinstance(bound, (int, float, np.integer, np.floating)) \
            or not math.isfinite(bound) or bound <= 0:
        raise ValueError(f"bound must be a finite positive number, got {bound!r}")
    return float(bound)


def _check_limits(tol, max_iter, max_seconds):
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not math.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be a finite positive number, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    if max_seconds is not None and (isinstance(max_seconds, bool)
                                    or not isinstance(max_seconds, (int, float, np.integer, np.floating))
                                    or not max_seconds > 0):
        raise ValueError(f"max_seconds must be a positive number or None (no time limit), got {max_seconds!r}")
    return float(tol), int(max_iter), None if max_seconds is None else float(max_seconds)


class _Clock:
    """Iteration and wall-time budget; ``callback(info) -> True`` also stops."""

    def __init__(self, max_iter, max_seconds, callback):
        self.t0 = time.perf_counter()
        self.max_iter, self.max_seconds, self.callback = max_iter, max_seconds, callback

    def seconds(self):
        return time.perf_counter() - self.t0

    def out_of_time(self):
        return self.max_seconds is not None and self.seconds() >= self.max_seconds

    def stop(self, it, info, *, timed=True):
        """Past the steps, the time (``timed``: not before the first step, so every call makes progress)
        or told so by the callback."""
        if it >= self.max_iter or timed and self.out_of_time():
            return True
        return bool(self.callback(info)) if self.callback is not None else False


# --------------------------------------------------------------------------- paired pools


class _Pairs:
    """The QP of ``n`` sign-symmetric pairs in even/odd coordinates (``lone``: the last pair has
    only its ``relu(<w, x>)`` feature). Objective ``e^T E e - 2 ke.e + |W^T o|^2 - 2 ko.o``."""

    def __init__(self, E, W, ke, ko, bound, lone):
        self.E, self.W, self.ke, self.ko, self.B, self.lone = E, W, ke, ko, bound, bool(lone)
        self.n = E.shape[0]
        k_plus, k_minus = (ke + ko) / 2, (ke - ko) / 2
        kmax = max(float(k_plus.abs().max()), float(k_minus[: self.n - self.lone].abs().max()) if
                   self.n - self.lone else 0.0)
        self.scale = 2.0 * kmax if kmax > 0 else 1.0
        self.present = torch.ones(2 * self.n, dtype=torch.bool, device=E.device)
        if self.lone:
            self.present[2 * self.n - 1] = False              # u_- of the lone pair

    def odd_target(self):
        """``g`` with ``W g = ko`` (exact for closed-form targets, where ``ko_j = <w_j, E[x y]>``),
        the minimum-norm least-squares solution."""
        if not hasattr(self, "_g"):
            lam, Q = torch.linalg.eigh(self.W.T @ self.W)
            keep = lam > 1e-12 * max(float(lam[-1]), 1e-300)
            Qk = Q[:, keep]
            self._g = Qk @ ((Qk.T @ (self.W.T @ self.ko)) / lam[keep])
        return self._g

    def value(self, e, o, Ee, s):
        """``f`` from the products ``E e`` and ``s = W^T o``."""
        return float(e @ Ee - 2 * (self.ke @ e) + s @ s - 2 * (self.ko @ o))

    def u_of(self, e, o):
        """Interleaved ``u`` (``u_+`` in even rows, ``u_-`` in odd rows), ``2n`` long."""
        u = torch.empty(2 * self.n, dtype=e.dtype, device=e.device)
        u[0::2], u[1::2] = e + o, e - o
        if self.lone:
            u[-1] = 0.0
        return u.clamp(-self.B, self.B)

    def grad_u(self, Ee, s):
        """``g = 2 (K u - k)`` interleaved, from ``d f / d u_+- = (E e - ke) +- (W W^T o - ko)``."""
        ge, go = Ee - self.ke, self.W @ s - self.ko
        g = torch.empty(2 * self.n, dtype=ge.dtype, device=ge.device)
        g[0::2], g[1::2] = ge + go, ge - go
        return g

    def optimality(self, e, o, Ee, s):
        u = self.u_of(e, o)
        return box_qp_optimality(u, self.grad_u(Ee, s), self.B, self.scale, present=self.present)

    def feasible(self, u):
        """``u`` (interleaved) into the diamonds: Euclidean projection of each pair's ``(e, o)``."""
        e, o = (u[0::2] + u[1::2]) / 2, (u[0::2] - u[1::2]) / 2
        if self.lone:
            e[-1] = o[-1] = u[2 * self.n - 2] / 2
        x = _diamond(e, o, self.B, 1.0, 1.0, self.lone)
        return x[0], x[1]


def _diamond(a, b, B, al, ga, lone, *, state=False):
    """Per pair, ``argmin al (e - a)^2 + ga (o - b)^2`` over ``|e| + |o| <= B`` (the lone last pair:
    over ``e = o``, ``|e| <= B/2``); with ``state``, also which piece of this piecewise-linear map
    each pair is on: 0 inside, 1 or 3 on an edge (``sign(a) sign(b)`` positive or negative),
    2 at a vertex (the lone pair: 0 inside, 2 at an end)."""
    aa, bb, sa, sb = a.abs(), b.abs(), torch.sign(a), torch.sign(b)
    out = aa + bb > B
    edge_e = ((al * aa + ga * (B - bb)) / (al + ga)).clamp(0.0, B)        # on the quadrant's edge
    e = sa * torch.where(out, edge_e, aa)
    o = sb * torch.where(out, B - edge_e, bb)
    if lone:
        t = ((al * a[-1] + ga * b[-1]) / (al + ga)).clamp(-B / 2, B / 2)  # segment e = o
        e[-1], o[-1] = t, t
    if not state:
        return e, o
    edge = out & (edge_e > 0) & (edge_e < B)
    # 0 inside, 2 at a vertex, 1 / 3 on an edge with sign(a) sign(b) positive / negative
    code = (2 * out.to(torch.int8) - edge.to(torch.int8)) + 2 * (edge & (sa * sb < 0)).to(torch.int8)
    if lone:
        code[-1] = 0 if abs(float(t)) < B / 2 else 2
    return e, o, code


def _diamond_jacobian(code, al, ga, dtype):
    """``(de/da, de/db, do/da, do/db)`` per pair on the pieces ``code`` of :func:`_diamond`
    (a lone pair's are set by the caller)."""
    ce, co = al / (al + ga), ga / (al + ga)
    inner, edge = (code == 0).to(dtype), ((code == 1) | (code == 3)).to(dtype)
    cross = 1.0 - 2.0 * (code == 3).to(dtype)
    return inner + ce * edge, (-co) * cross * edge, (-ce) * cross * edge, inner + co * edge


class _Metric:
    """``H = diag(al I + beta v v^T, gp I + (ga - gp) U U^T)``: ``v`` the top eigenvector of ``E``
    (``beta = 2 lambda_1 - al``), ``U`` an orthonormal basis of the range of ``W`` (``ga`` twice
    ``W``'s largest squared singular value). ``H >= 2 diag(E, W W^T)`` (the Hessian) when
    ``al >= 2 lambda_2(E)``; otherwise a step fails its check and ``al`` grows."""

    def __init__(self, v, lam1, al, U, ga, lone):
        self.v, self.lam1, self.U, self.ga, self.lone, self.n = v, lam1, U, ga, lone, v.shape[0]
        self.nu = torch.zeros(1 + U.shape[1], dtype=v.dtype, device=v.device)
        self.set_al(al)

    def set_al(self, al):
        self.al = al
        self.beta = max(2.0 * self.lam1 * (1 + 1e-9) - al, 0.0)
        full = self.U.shape[1] == self.U.shape[0]              # W W^T regular: no null space to weigh
        self.gp = self.ga if full else min(ODD_NULL_WEIGHT * self.al, self.ga)
        self._key, self._lu, self._A, self._updates = None, None, None, 0

    def solve(self, ge, go):
        """``H^{-1} (ge, go)``."""
        v, U = self.v, self.U
        de = (ge - v * (self.beta / (self.al + self.beta) * float(v @ ge))) / self.al
        Ug = U.T @ go
        do = (go - U @ Ug) / self.gp + (U @ Ug) / self.ga
        return de, do

    def norm2(self, de, do):
        """``d^T H d``."""
        Ud = self.U.T @ do
        return float(self.al * (de @ de) + self.beta * float(self.v @ de) ** 2 + self.gp * (do @ do)
                     + (self.ga - self.gp) * (Ud @ Ud))

    def _newton_lu(self, code):
        """LU factors of the Newton matrix of :meth:`project` on the pieces ``code``: ``I`` plus
        per-pair terms, updated for the pairs whose piece changed (rebuilt when many did, and every
        64 updates against rounding)."""
        if self._key is not None and torch.equal(code, self._key):
            return self._lu
        if self._key is None or self._updates >= 64:
            changed = None
        else:
            changed = torch.nonzero(code != self._key)[:, 0]
            if changed.numel() > code.numel() // 8:
                changed = None
        if changed is None:
            A = self._terms(code, None)
            self._updates = 0
        else:
            A = self._A + self._terms(code, changed) - self._terms(self._key, changed)
            self._updates += 1
        self._A, self._key = A, code
        M = A.clone()
        M.diagonal().add_(1.0)
        self._lu = torch.linalg.lu_factor(M)
        return self._lu

    def _terms(self, code, rows):
        """``sum_j`` over ``rows`` (all pairs: ``None``) of pair ``j``'s term of the Newton matrix."""
        kap_e, kap_o = self.beta / self.al, (self.ga - self.gp) / self.gp
        v, U = self.v, self.U
        if rows is not None:
            code, v, U = code[rows], v[rows], U[rows]
        jee, jeo, joe, joo = _diamond_jacobian(code, self.al, self.gp, v.dtype)
        at = self.n - 1 if rows is None else torch.nonzero(rows == self.n - 1)[:, 0]
        if self.lone and (rows is None or at.numel()):          # the lone pair lives on the segment e = o
            at = int(at) if rows is not None else at
            free = int(code[at]) == 0
            ce, co = self.al / (self.al + self.gp), self.gp / (self.al + self.gp)
            jee[at] = joe[at] = ce if free else 0.0
            jeo[at] = joo[at] = co if free else 0.0
        q = U.shape[1]
        A = torch.empty(1 + q, 1 + q, dtype=v.dtype, device=v.device)
        A[0, 0] = kap_e * float(v @ (jee * v))
        A[0, 1:] = kap_e * ((jeo * v) @ U)
        A[1:, 0] = kap_o * (U.T @ (joe * v))
        live = joo != 0
        Ul = U[live]
        A[1:, 1:] = kap_o * (Ul.T @ (joo[live][:, None] * Ul))
        return A

    def project(self, ze, zo, B, lone, max_newton=50):
        """``argmin_{x in diamonds} |x - z|_H^2``. With ``H = D + S S^T`` (``D`` the diagonal part),
        ``x = P^D(z - D^{-1} S nu)`` where ``nu = S^T (x - z)``: a ``(1 + d)``-dimensional
        piecewise-linear equation, solved by Newton's method with backtracking on its residual
        (from the previous step's ``nu``, usually one Newton step) until the residual has fallen
        by ``1e-9``: an inexact proximal step whose error shrinks with the steps; the result is
        always exactly in the diamonds."""
        kap_e, kap_o = self.beta / self.al, (self.ga - self.gp) / self.gp
        v, U, nu = self.v, self.U, self.nu.clone()

        def at(nu):
            e, o, code = _diamond(ze - nu[0] * v, zo - U @ nu[1:], B, self.al, self.gp, lone, state=True)
            F = torch.cat([(kap_e * float(v @ (e - ze))) * v.new_ones(1), kap_o * (U.T @ (o - zo))]) - nu
            return e, o, code, F

        e, o, code, F = at(nu)
        fn = float(F.norm())
        enough = max(1e-9 * fn, 1e-13 * (1.0 + float(nu.abs().max())))
        for _ in range(max_newton):
            if fn <= enough:
                break
            step = torch.linalg.lu_solve(*self._newton_lu(code), F[:, None])[:, 0]
            t = 1.0
            while True:
                e2, o2, code2, F2 = at(nu + t * step)
                f2 = float(F2.norm())
                if f2 <= (1 - 1e-4 * t) * fn or t < 1e-10:
                    break
                t *= 0.5
            nu, e, o, code, F, fn = nu + t * step, e2, o2, code2, F2, f2
        self.nu = nu
        return e, o


def _top_eig(E, v0, iters):
    """Power iteration for the top eigenpair of ``E`` (its eigenvalue is far above the rest)."""
    v = v0 / v0.norm()
    for _ in range(iters):
        v = E @ v
        v = v / v.norm()
    return v, float(v @ (E @ v))


def _second_eig_estimate(E, v, lam1, iters=8):
    """A Rayleigh-quotient estimate (from below) of ``lambda_2(E)``: power iteration on ``E``
    deflated by its top eigenpair, from a fixed start."""
    n = E.shape[0]
    x = torch.cos(torch.arange(n, dtype=E.dtype, device=E.device) * 2.399963)   # deterministic
    x = x - v * float(v @ x)
    rq = 0.0
    for _ in range(iters):
        nx = float(x.norm())
        if nx == 0:
            return 0.0
        x = x / nx
        y = E @ x - v * (lam1 * float(v @ x))
        rq = float(x @ y)
        x = y - v * float(v @ y)
    return max(rq, 0.0)


def _odd_basis(W):
    """Orthonormal basis ``U`` of the range of ``W`` (``(n, q)``) and ``lambda_max(W^T W)``."""
    lam, Q = torch.linalg.eigh(W.T @ W)
    top = float(lam[-1]) if lam.numel() else 0.0
    keep = lam > 1e-12 * max(top, 1e-300)
    U = (W @ Q[:, keep]) / lam[keep].sqrt()
    return U, top


def solve_paired_qp(E, W, ke, ko, bound, *, lone=False, u0=None, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER,
                    max_seconds=None, callback=None, hint=None) -> BoxQPResult:
    """The budget QP of a sign-symmetric pool in even/odd coordinates (module doc).

    Parameters
    ----------
    E : torch.Tensor, ``(n, n)``
        Even Gram matrix ``E|<w_i,x>||<w_j,x>|`` of the ``n`` pairs.
    W : torch.Tensor, ``(n, d)``
        The pairs' weight vectors (``W W^T`` is the odd Gram matrix).
    ke, ko : torch.Tensor, ``(n,)``
        ``E[|<w_j,x>| y]`` and ``E[<w_j,x> y]``.
    bound : float
        ``B``: every feature's weight satisfies ``|u_i| <= B``.
    lone : bool
        The last pair has only its ``relu(<w, x>)`` feature (odd width ``2n - 1``).
    u0 : tensor, optional
        Warm start in feature coordinates (``2n - lone`` long); projected into the box. Default:
        zero. Pass a previous result's weights (scaled with the bound) to continue.
    tol, max_iter, max_seconds, callback
        Stop when ``kkt_residual <= tol``, after ``max_iter`` steps, after ``max_seconds`` of wall
        time (checked after every step and every factorization of a face step, so a call with
        ``max_iter >= 1`` always does some work), or when ``callback(info)`` returns true
        (``info``: a dict with ``iteration``, ``objective``, ``kkt_residual``, ``gap``,
        ``seconds``; called once per step). A result
        that stopped early has ``converged=False`` and is still feasible; its ``gap`` bounds how
        far its objective is from the optimum, and its weights warm-start a later call.
    hint : dict, optional
        A cache that a caller keeps between calls (eigenvector estimates, the step metric); it
        only changes how fast the solver gets there. A caller may also set when the exact face steps
        come: ``face_first`` (the first at this step, default ``FACE_FIRST``), ``face_stable`` (once the
        set of bounds in force has held this many steps, default ``FACE_STABLE``) and ``face_every``
        (the steps between them, default ``FACE_EVERY``); a start that is the solution of a nearby
        problem (a previous budget's, scaled) usually sits on the right face already, and
        ``face_first=1, face_stable=0`` then finishes in a step or two (``budget_needed``).

    Returns
    -------
    BoxQPResult
        ``weights`` of length ``2n - lone`` in feature order ``(relu(<w_j,x>), relu(-<w_j,x>))``.
    """
    bound = _check_bound(bound)
    tol, max_iter, max_seconds = _check_limits(tol, max_iter, max_seconds)
    clock = _Clock(max_iter, max_seconds, callback)
    P = _Pairs(E, W, ke, ko, bound, lone)
    hint = {} if hint is None else hint
    if u0 is None:
        e = torch.zeros(P.n, dtype=E.dtype, device=E.device)
        o = torch.zeros_like(e)
    else:
        u = torch.zeros(2 * P.n, dtype=E.dtype, device=E.device)
        u0 = torch.as_tensor(u0, dtype=E.dtype, device=E.device)
        u[: 2 * P.n - P.lone] = u0[: 2 * P.n - P.lone]
        e, o = P.feasible(u)
    # the same problem, started where the last call stopped: continue that iteration as it was
    resume = hint.pop("resume", None)
    if resume is not None and not (u0 is not None and resume["key"] == (P.n, bound, P.lone)
                                   and torch.equal(resume["u"], u)):
        resume = None
    if resume is not None:
        e, o = resume["e"], resume["o"]
    Ee, s = E @ e, W.T @ o
    kkt, gap = P.optimality(e, o, Ee, s)
    it = 0
    if kkt > tol and not clock.stop(0, _info(0, P.value(e, o, Ee, s), kkt, gap, clock), timed=False):
        steps = _fista_pairs(P, e, o, Ee, s, tol, hint) if resume is None else resume["steps"]
        H = None
        for state in steps:
            step, e, o, Ee, s, f, kkt, gap, H = state
            it += step
            if kkt <= tol:
                break
            if step and clock.stop(it, _info(it, f, kkt, gap, clock)) or not step and clock.out_of_time():
                hint["resume"] = dict(key=(P.n, P.B, P.lone), u=P.u_of(e, o), e=e, o=o, steps=steps)
                break
        if H is not None:
            hint.update(v=H.v, al=H.al, n=P.n)
    return BoxQPResult(P.u_of(e, o)[: 2 * P.n - P.lone], P.value(e, o, Ee, s), kkt, gap, kkt <= tol, it,
                       clock.seconds(), tol, "paired")


def _info(it, f, kkt, gap, clock):
    return {"iteration": it, "objective": f, "kkt_residual": kkt, "gap": gap, "seconds": clock.seconds()}


def _metric_for(P, hint):
    """The step metric for this width, from the caller's cache where it has one."""
    E, n = P.E, P.n
    v_prev = hint.get("v")
    v0 = E.diagonal().sqrt() if v_prev is None else _resize(v_prev, n, E.diagonal().sqrt())
    v, lam1 = _top_eig(E, v0, 3 if v_prev is not None else 6)
    if "al" in hint and "n" in hint:
        al = hint["al"] * (n / hint["n"]) ** 0.6           # lambda_2 grows about like n^0.6 here
    else:
        al = 2.2 * _second_eig_estimate(E, v, lam1)
    al = max(al, 0.04 * float(E.diagonal().mean()))          # a floor for tiny pools (no bulk to estimate)
    U, top = _odd_basis(P.W)
    return _Metric(v, lam1, al, U, 2.0 * top * (1 + 1e-9) if top > 0 else 1.0, P.lone)


def _resize(v, n, fill):
    out = fill.clone()
    m = min(n, v.shape[0])
    out[:m] = v[:m] * (fill[:m].norm() / max(float(v[:m].norm()), 1e-300))
    return out


def _fista_pairs(P, e, o, Ee, s, tol, hint):
    """Accelerated projected gradient in the metric of :class:`_Metric`, with gradient restart,
    a check of the quadratic upper bound at every step (``al`` grows when it fails), and exact
    face steps (:func:`_face_step`) once the active set has settled.

    A generator: it yields ``(step, e, o, Ee, s, f, kkt, gap, H)`` after every step (``step``
    True) and after every factorization inside a face step (``step`` False; the point is then
    the one the face step started from), and ends once ``kkt <= tol``. The caller stops it
    between yields (time, steps, callback) and keeps it to continue: what it computes does not
    depend on where it was paused."""
    E, W, B = P.E, P.W, P.B
    f = P.value(e, o, Ee, s)
    kkt, gap = P.optimality(e, o, Ee, s)
    H = _metric_for(P, hint)
    ye, yo, Ey, sy, t = e, o, Ee, s, 1.0
    # when the exact face steps come: a caller whose start is a nearby solution asks for them early (hint)
    first, settled, every = (int(hint.get(key, dflt)) for key, dflt in
                             (("face_first", FACE_FIRST), ("face_stable", FACE_STABLE), ("face_every", FACE_EVERY)))
    pattern, stable, next_face, face_cache, done = None, 0, first, {}, 0
    while True:
        done += 1
        fy = P.value(ye, yo, Ey, sy)
        ge, go = 2 * (Ey - P.ke), 2 * (W @ sy - P.ko)        # gradient of f in (e, o)
        while True:
            de, do = H.solve(ge, go)
            en, on = H.project(ye - de, yo - do, B, P.lone)
            Een, sn = E @ en, W.T @ on
            fn = P.value(en, on, Een, sn)
            dxe, dxo = en - ye, on - yo
            bound_ = fy + float(ge @ dxe + go @ dxo) + 0.5 * H.norm2(dxe, dxo)
            if fn <= bound_ + 1e-13 * (abs(fy) + abs(fn) + 1e-300) or H.al > 1e6 * H.lam1:
                break
            H.set_al(H.al * 1.5)                               # the quadratic bound failed: larger metric
        # restart when the momentum points uphill (a test on the step, not on objective values)
        if float((ye - en) @ (en - e) + (yo - on) @ (on - o)) > 0:
            t_new, mom = 1.0, 0.0
        else:
            t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            mom = (t - 1.0) / t_new
        ye, yo = en + mom * (en - e), on + mom * (on - o)
        Ey, sy = Een + mom * (Een - Ee), sn + mom * (sn - s)
        e, o, Ee, s, f, t = en, on, Een, sn, fn, t_new
        kkt, gap = P.optimality(e, o, Ee, s)
        if kkt <= tol:
            yield True, e, o, Ee, s, f, kkt, gap, H
            return
        # exact face step once the set of bounds in force has been the same for a few steps
        u = P.u_of(e, o)
        pat = (u >= B * (1 - 1e-12)).to(torch.int8) - (u <= -B * (1 - 1e-12)).to(torch.int8)
        stable = stable + 1 if pattern is not None and torch.equal(pat, pattern) else 0
        pattern = pat
        if done >= next_face and stable >= settled and kkt < 1e-2:
            steps = _face_step(P, e, o, f, face_cache)
            face = None
            while True:                                        # a pause after each factorization
                try:
                    next(steps)
                except StopIteration as stop:
                    face = stop.value
                    break
                yield False, e, o, Ee, s, f, kkt, gap, H
            next_face = done + every
            if face is not None:
                e, o, Ee, s, f = face
                kkt, gap = P.optimality(e, o, Ee, s)
                ye, yo, Ey, sy, t = e, o, Ee, s, 1.0
                if kkt <= tol:
                    yield True, e, o, Ee, s, f, kkt, gap, H
                    return
        yield True, e, o, Ee, s, f, kkt, gap, H


# --------------------------------------------------------------------------- exact face step


def _face_step(P, e, o, f, cache, rounds=20, factorizations=3, near=1e-3):
    """Finish exactly: solve the QP on the face of the current point (coordinates at a bound stay
    there) and move towards that solution as far as the box allows. A step that stops at the box
    fixes the coordinates that block it (a primal active-set step); a face solution inside the box
    whose bounds all have multipliers of the right sign is the optimum; bounds with the wrong sign
    are released. Up to ``rounds`` face solutions and ``factorizations`` new Cholesky factors
    (rounds that keep the set of pairs with a free even part reuse the factor); returns the last feasible point
    ``(e, o, E e, W^T o, f)`` if it lowers ``f``, else ``None``. A generator that yields after each
    face solution (so a caller can pause between factorizations) and returns that point."""
    B = P.B
    u = P.u_of(e, o)
    g = P.grad_u(P.E @ e, P.W.T @ o)
    # the face: coordinates at a bound, and those near one that the gradient pushes onto it
    fixed = (u.abs() >= B * (1 - 1e-12)) | ((u.abs() >= B * (1 - near)) & (torch.sign(u) * g < 0)) | ~P.present
    sign = torch.sign(u) * fixed
    u = torch.where(fixed, sign * B, u)
    best = None
    cache["new"] = 0
    for _ in range(rounds):
        if cache.get("new", 0) >= factorizations:
            break
        cand = _face_solve(P, sign * B, fixed, e, o, cache)
        yield                                                    # a pause point: a factorization may be done
        if cand is None:
            break
        cu = torch.empty_like(u)
        cu[0::2], cu[1::2] = cand[0] + cand[1], cand[0] - cand[1]
        if P.lone:
            cu[-1] = 0.0
        d = cu - u
        room = torch.where(d > 0, (B - u) / d.clamp_min(1e-300), torch.where(d < 0, (-B - u) / d.clamp_max(-1e-300),
                                                                             torch.full_like(u, math.inf)))
        room = torch.where(fixed, torch.full_like(u, math.inf), room)
        step = min(float(room.min()), 1.0)
        if step < 1.0:                                           # blocked: fix what blocks
            u = (u + step * d).clamp(-B, B)
            blocking = ~fixed & (room <= step * (1 + 1e-12))
            fixed = fixed | blocking
            sign = torch.where(blocking, torch.sign(d), sign)
            u = torch.where(blocking, sign * B, u)
        else:
            u = cu.clamp(-B, B)
        e, o = P.feasible(u)
        Ee, s = P.E @ e, P.W.T @ o
        fu = P.value(e, o, Ee, s)
        if fu <= f:
            best, f = (e, o, Ee, s, fu), fu
        if step < 1.0:
            continue
        g = P.grad_u(Ee, s)
        wrong = fixed & P.present & (sign * g > 0)                # multiplier of the wrong sign
        if not bool(wrong.any()):
            break
        fixed, sign = fixed & ~wrong, torch.where(wrong, 0 * sign, sign)
    return best


def _face_solve(P, values, fixed, e_now, o_now, cache):
    """Minimize ``f`` with the fixed coordinates of ``u`` at ``values`` (interleaved) and the rest
    free, in even/odd form: the free even coefficients solve ``(E_SS + G G^T) e_S = rhs`` where
    ``G`` carries what the odd part adds (the free odd coefficients of pairs with both weights
    free absorb the odd target within their span; the rest of it is fitted through the single
    free weights). Among equal optima, the odd coefficients of pairs with both weights free
    change least from ``o_now``. ``None`` if the linear algebra fails."""
    E, W = P.E, P.W
    fp, fm = ~fixed[0::2], ~fixed[1::2]
    cp, cm = values[0::2], values[1::2]
    both, only_p, only_m = fp & fm, fp & ~fm, ~fp & fm
    S = fp | fm
    # e, o with every free weight at 0; the odd coefficient of a one-free pair is o = sigma e + tau
    e_fix = torch.where(S, 0 * cp, (cp + cm) / 2)
    o_fix = torch.where(S, 0 * cp, (cp - cm) / 2)
    sigma = torch.where(only_p, 1.0, torch.where(only_m, -1.0, 0.0)).to(E.dtype)
    tau = torch.where(only_p, -cm, torch.where(only_m, cp, 0 * cp))
    idx = torch.nonzero(S)[:, 0]
    if idx.numel() == 0:
        return e_fix, o_fix
    r0 = P.odd_target() - W.T @ (o_fix + tau)                             # odd residual with the free parts at 0
    G = sigma[idx, None] * W[idx]                                # d s / d e_S
    Wb = W[both]
    if Wb.shape[0]:
        lam, Q = torch.linalg.eigh(Wb.T @ Wb)
        keep = lam > 1e-12 * max(float(lam[-1]), 1e-300)
        N = Q[:, ~keep]                                          # odd directions the both-free pairs miss
    else:
        N, Q, lam, keep = torch.eye(W.shape[1], dtype=E.dtype, device=E.device), None, None, None
    Gh = G @ N
    rhs = P.ke[idx] - E[idx] @ e_fix + Gh @ (N.T @ r0)
    L = _face_factor(E, idx, cache)
    if L is None:
        return None
    # (E_SS + Gh Gh^T) e_S = rhs by the Woodbury identity on the factor of E_SS (reused while S stays)
    Z = _cho_solve(L, torch.cat([rhs[:, None], Gh], 1))
    z0, Zg = Z[:, 0], Z[:, 1:]
    if Zg.shape[1]:
        cap = Gh.T @ Zg
        cap.diagonal().add_(1.0)
        eS = z0 - Zg @ torch.linalg.solve(cap, Gh.T @ z0)
    else:
        eS = z0
    e = e_fix.clone()
    e[idx] = eS
    o = o_fix + tau
    o[idx] = o[idx] + sigma[idx] * eS
    if Wb.shape[0]:
        # both-free odd coefficients: W_b^T o_b = its share of the residual, closest to o_now
        res = r0 - G.T @ eS - Wb.T @ o_now[both]
        Qk = Q[:, keep]
        o[both] = o_now[both] + Wb @ (Qk @ ((Qk.T @ res) / lam[keep]))
    if not (torch.isfinite(e).all() and torch.isfinite(o).all()):
        return None
    return e, o


def _face_factor(E, idx, cache):
    """Cholesky factor of ``E[idx][:, idx]``, kept in ``cache`` while ``idx`` stays the same."""
    if cache.get("idx") is not None and cache["idx"].shape == idx.shape and torch.equal(cache["idx"], idx):
        return cache["L"]
    L, info = torch.linalg.cholesky_ex(E.index_select(0, idx).index_select(1, idx))
    if int(info) != 0:
        return None
    cache.update(idx=idx, L=L, new=cache.get("new", 0) + 1)
    return L


def _cho_solve(L, R):
    """``(L L^T)^{-1} R`` by two triangular solves (faster than ``cholesky_solve`` for few columns)."""
    return torch.linalg.solve_triangular(L.mT, torch.linalg.solve_triangular(L, R, upper=False), upper=True)


# --------------------------------------------------------------------------- any pool


def solve_dense_qp(K, k, bound, *, u0=None, tol=DEFAULT_TOL, max_iter=20000, max_seconds=None,
                   callback=None, hint=None) -> BoxQPResult:
    """The budget QP for any positive semi-definite ``K`` (``(m, m)``): accelerated projected
    gradient (FISTA with gradient restart) and, every 50 steps, an exact step on the free
    coordinates (Cholesky of ``K_FF``) kept when it lowers the objective. Bounded by ``max_iter``,
    ``max_seconds`` and ``callback`` as :func:`solve_paired_qp` (same result fields; the callback
    is called every 50 steps, where the optimality is checked). ``hint``: a dict kept by the
    caller; an unfinished solve leaves its state there and the next call on the same problem from
    its weights continues it exactly."""
    bound = _check_bound(bound)
    tol, max_iter, max_seconds = _check_limits(tol, max_iter, max_seconds)
    clock = _Clock(max_iter, max_seconds, callback)
    hint = {} if hint is None else hint
    m = K.shape[0]
    scale = 2.0 * float(k.abs().max()) or 1.0
    u = torch.zeros(m, dtype=K.dtype, device=K.device) if u0 is None else \
        torch.as_tensor(u0, dtype=K.dtype, device=K.device).clamp(-bound, bound)
    resume = hint.pop("resume", None)
    if resume is not None and not (u0 is not None and resume["key"] == (m, bound) and torch.equal(resume["u"], u)):
        resume = None
    Ku = K @ u
    kkt, gap = box_qp_optimality(u, 2 * (Ku - k), bound, scale)
    it = 0
    if kkt > tol and not clock.stop(0, _info(0, float(u @ Ku - 2 * (k @ u)), kkt, gap, clock), timed=False):
        steps = _fista_dense(K, k, bound, u, _lipschitz(K), tol, scale) if resume is None else resume["steps"]
        for u, checked, kkt, gap in steps:
            it += 1
            if checked and kkt <= tol:
                break
            if it >= clock.max_iter or clock.out_of_time() or checked and clock.stop(
                    it, _info(it, _objective(K, k, u), kkt, gap, clock)):
                hint["resume"] = dict(key=(m, bound), u=u, steps=steps)
                break
        Ku = K @ u
        kkt, gap = box_qp_optimality(u, 2 * (Ku - k), bound, scale)
    return BoxQPResult(u, float(u @ Ku - 2 * (k @ u)), kkt, gap, kkt <= tol, it, clock.seconds(), tol, "dense")


def _lipschitz(K):
    """``2 lambda_max(K)`` from a few power iterations, with a safety margin."""
    v = torch.ones(K.shape[0], dtype=K.dtype, device=K.device) / math.sqrt(K.shape[0])
    for _ in range(30):
        v = K @ v
        v = v / v.norm().clamp_min(1e-300)
    return 2.0 * float(v @ (K @ v)) * 1.05 + 1e-300


def _fista_dense(K, k, bound, u, lip, tol, scale):
    """Accelerated projected gradient with gradient restart and periodic active-set steps. A
    generator: yields ``(u, checked, kkt, gap)`` after every step (``checked``: the optimality was
    computed, every 50 steps) and ends after a check finds ``kkt <= tol``."""
    y, t, it = u.clone(), 1.0, 0
    while True:
        it += 1
        u_new = (y - 2.0 * (K @ y - k) / lip).clamp(-bound, bound)
        # Restart when the momentum points uphill: (y - u_new) . (u_new - u) > 0. A test on the
        # step, not on objective values, which stop decreasing at rounding level near the optimum.
        if float((y - u_new) @ (u_new - u)) > 0:
            t_new, beta = 1.0, 0.0
        else:
            t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_new
        y = u_new + beta * (u_new - u)
        u, t = u_new, t_new
        if it % 50 == 0:
            c = _active_set_solution(K, k, bound, u)
            if c is not None and _objective(K, k, c) < _objective(K, k, u):
                u, y, t = c, c.clone(), 1.0
            kkt, gap = box_qp_optimality(u, 2 * (K @ u - k), bound, scale)
            yield u, True, kkt, gap
            if kkt <= tol:
                return
        else:
            yield u, False, math.inf, math.inf


def _objective(K, k, u):
    return float(u @ (K @ u) - 2.0 * (k @ u))


def _jittered_cholesky(A, rel=1e-13):
    """Cholesky of ``A + rel * mean(diag A) I`` (against exact singularity); ``None`` if that fails."""
    A = A.clone()
    A.diagonal().add_(rel * float(A.diagonal().mean()))
    L, info = torch.linalg.cholesky_ex(A)
    return L if int(info) == 0 else None


def _active_set_solution(K, k, bound, u):
    """Solve ``K_FF c_F = k_F - K_FA u_A`` on the free set of ``u`` (bounds kept elsewhere); project."""
    active = u.abs() >= bound * (1.0 - 1e-9)
    free = ~active
    c = torch.sign(u) * bound * active
    if bool(free.any()):
        L = _jittered_cholesky(K[free][:, free])
        if L is None:
            return None
        rhs = k[free] - K[free][:, active] @ c[active]
        c[free] = torch.cholesky_solve(rhs[:, None], L)[:, 0]
    return c.clamp(-bound, bound) if bool(torch.isfinite(c).all()) else None
