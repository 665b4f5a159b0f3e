"""Exact expectations over standard Gaussian inputs ``x ~ N(0, I_d)``.

Everything here is a closed form (or a deterministic quadrature) — no sampling.

* ``relu_kernel``: the degree-1 arc-cosine kernel ``E[relu(<w,x>) relu(<v,x>)]``
  (Cho & Saul 2009), in torch with a closed-form backward that is finite everywhere.
* ``biased_relu_kernel``: ``E[relu(<w,x>+b) relu(<v,x>+c)]`` through the bivariate normal
  CDF (Owen's T), vectorized, and — where that closed form loses relative precision (offsets far in
  the tails, near-(anti)parallel pairs) — the tail-stable form of :mod:`rfexplore.tails`; for Gram
  matrices (absolute precision) a faster one-dimensional quadrature by Price's theorem, in torch.
* Hermite coefficients: of the ReLU (closed form), of a biased ReLU (closed form), and of any
  activation (Gauss–Hermite quadrature).
* :func:`pair_angles`, the one angle routine every kernel here uses (and ``train`` may).

Numerical guards (clipped cosines, zero vectors, degenerate correlations, the float range of kernel
entries) live here and only here; the tail maths lives in :mod:`rfexplore.tails`.
"""

from __future__ import annotations

import contextlib
import functools
import math

import numpy as np
import torch
from scipy import special

from . import tails
from .validation import as_matrix, as_vector, boolean, check_memory, nonneg_int
from .validation import device as check_device

__all__ = [
    "pair_angles",
    "relu_kernel",
    "relu_kernel_torch",
    "relu_kernel_grad",
    "biased_relu_kernel",
    "biased_relu_pair_gram",
    "biased_relu_pair_rows",
    "relu_hermite_coefficients",
    "biased_relu_hermite_coefficients",
    "hermite_coefficients",
    "hermite_functions",
    "relu_kernel_series",
    "relu_hermite_residuals",
    "gauss_hermite",
    "harmonic_dimension",
    "relu_staircase",
]

_TWO_PI = 2.0 * math.pi
_TINY = 1e-300


# --------------------------------------------------------------------------- ReLU kernel


SCALE_MAX = 1e150     # row norms (plus |bias|): a kernel entry, a product of two, stays below 1e300


def _in_scale(name, W, b=None, bname=None):
    """``W`` (rows, with their biases ``b``) refused when a kernel entry could overflow the float range."""
    top = np.abs(W).max(axis=1, initial=0.0)                        # row norms scaled by their largest entry
    size = top * np.linalg.norm(W / np.where(top > 0, top, 1.0)[:, None], axis=1)
    if b is not None:
        size = size + np.abs(b)
    big = float(size.max(initial=0.0))
    if big > SCALE_MAX:
        what = f"{name} rows (norm + |{bname}|)" if b is not None else f"{name} rows"
        raise ValueError(f"{what} must be at most {SCALE_MAX:g} in size, so that kernel entries (products of "
                         f"two) stay in the float range, got up to {big:g}; rescale them")
    return W


def pair_angles(W: torch.Tensor, V: torch.Tensor, *, precise: bool = False):
    """The package's one angle routine: norms and angles between the rows of ``W`` ``(n, d)`` and ``V`` ``(m, d)``.

    Returns ``(nw, nv, cos, sin, theta)``: ``|w_i|`` ``(n,)``, ``|v_j|`` ``(m,)`` and the ``(n, m)`` cosine,
    sine and angle ``theta`` in ``[0, pi]`` (fresh tensors the caller may overwrite in place). A zero
    vector has ``cos = 0``, ``sin = 1``, ``theta = pi/2`` (its kernel terms then vanish through ``|w| = 0``).

    * Default (every Gram matrix): ``cos = <w/|w|, v/|v|>`` clipped to ``[-1, 1]``,
      ``sin = sqrt((1 - cos)(1 + cos))`` (no cancellation: one factor is exact near each end),
      ``theta = arccos(cos)``. Sine and angle are accurate functions of the same rounded cosine, so
      the arc-cosine kernel ``sin + (pi - theta) cos`` and its gradient stay accurate to rounding even
      where ``theta`` itself is only known to ``~1e-8`` (near 0 and pi, where ``cos`` carries the
      rounding of the inner product).
    * ``precise=True`` (a few vectors, e.g. a training readout of the angle): Kahan's
      ``theta = 2 atan2(|a - b|, |a + b|)`` for unit ``a, b``, accurate to a few ``1e-16`` radians at every
      angle (the default mode: ``~1e-8`` near 0 and pi),
      with ``cos``/``sin`` taken from it; it holds ``(n, m, d)`` temporaries.
    """
    nw = W.norm(dim=1)
    nv = V.norm(dim=1)
    iw = torch.where(nw > 0, 1.0 / torch.where(nw > 0, nw, 1.0), 0.0)
    iv = torch.where(nv > 0, 1.0 / torch.where(nv > 0, nv, 1.0), 0.0)
    A, B = W * iw[:, None], V * iv[:, None]
    if precise:
        zero = (nw == 0)[:, None] | (nv == 0)[None, :]
        diff = (A[:, None, :] - B[None, :, :]).norm(dim=2)
        summ = (A[:, None, :] + B[None, :, :]).norm(dim=2)
        theta = torch.where(zero, math.pi / 2, 2.0 * torch.atan2(diff, summ))     # Kahan
        return nw, nv, torch.where(zero, 0.0, torch.cos(theta)), torch.where(zero, 1.0, torch.sin(theta)), theta
    c = A @ B.T
    c.clamp_(-1.0, 1.0)
    s = torch.rsub(c, 1.0).mul_(c.add(1.0)).sqrt_()          # sin = sqrt((1 - cos)(1 + cos)), no cancellation
    return nw, nv, c, s, torch.arccos(c)


def _relu_kernel_parts(W, V):
    """Shared pieces of the arc-cosine kernel: (kappa, pi - theta, S, |w|^2, |v|^2), ``S = |w||v| sin(theta)``."""
    nw, nv, c, s, theta = pair_angles(W, V)
    N = nw[:, None] * nv[None, :]
    S = s.mul_(N)                                          # |w||v| sin(theta)
    G = c.mul_(N)                                          # <w, v>
    pi_minus_theta = theta.neg_().add_(math.pi)
    # Cho & Saul (2009): kappa = (|w||v| sin(theta) + (pi - theta) <w,v>) / (2 pi)
    K = torch.addcmul(S, pi_minus_theta, G).div_(_TWO_PI)
    return K, pi_minus_theta, S, nw * nw, nv * nv


class _ReluKernel(torch.autograd.Function):
    """Arc-cosine kernel with the closed gradient (DESIGN 2.6), finite at theta = 0."""

    @staticmethod
    def forward(ctx, W, V):
        K, pmt, S, nw2, nv2 = _relu_kernel_parts(W, V)
        ctx.save_for_backward(W, V, pmt, S, nw2, nv2)
        return K

    @staticmethod
    def backward(ctx, grad):
        W, V, pmt, S, nw2, nv2 = ctx.saved_tensors
        A = grad * pmt
        B = grad * S
        # grad_w kappa(w, v) = ((pi - theta) v + S w / |w|^2) / (2 pi);  zero vector -> S = 0
        inv_w = torch.where(nw2 > 0, 1.0 / torch.where(nw2 > 0, nw2, 1.0), 0.0)
        inv_v = torch.where(nv2 > 0, 1.0 / torch.where(nv2 > 0, nv2, 1.0), 0.0)
        gW = gV = None
        if ctx.needs_input_grad[0]:
            gW = (A @ V + (B.sum(1) * inv_w)[:, None] * W) / _TWO_PI
        if ctx.needs_input_grad[1]:
            gV = (A.T @ W + (B.sum(0) * inv_v)[:, None] * V) / _TWO_PI
        return gW, gV


def _relu_kernel_nograd(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """Arc-cosine kernel without autograd, in place on three ``(n, m)`` buffers (the fast path)."""
    nw, nv, c, s, theta = pair_angles(W, V)
    K = theta.neg_().add_(math.pi).mul_(c).add_(s)                 # sin + (pi - theta) cos
    K.clamp_(min=0.0)               # >= 0 exactly; rounding of arccos near theta = pi could give -1e-16
    # Cho & Saul (2009): kappa = |w||v| (sin(theta) + (pi - theta) cos(theta)) / (2 pi)
    return K.mul_((nw / _TWO_PI)[:, None]).mul_(nv[None, :])


def abs_kernel_torch(V: torch.Tensor) -> torch.Tensor:
    """``E|<v_i, x>||<v_j, x>| = (2/pi)|v_i||v_j| (sin(theta) + cos(theta) arcsin(cos(theta)))``,
    ``x ~ N(0, I)``: twice the sum of the ReLU kernels of ``(v_i, v_j)`` and ``(v_i, -v_j)``, the even
    part of a sign-symmetric pair. No autograd; the diagonal is exactly ``|v_i|^2``."""
    n, _, c, s, theta = pair_angles(V, V)
    E = theta.neg_().add_(math.pi / 2).mul_(c).add_(s)            # arcsin(cos) = pi/2 - theta
    E.mul_((n * (2.0 / math.pi))[:, None]).mul_(n[None, :])
    E.diagonal().copy_(n * n)
    return E


def relu_kernel_torch(W: torch.Tensor, V: torch.Tensor | None = None) -> torch.Tensor:
    """Arc-cosine kernel on torch tensors, differentiable with the closed gradient.

    ``W`` is ``(n, d)``, ``V`` is ``(m, d)`` (``None``: ``W``); returns ``(n, m)``.
    """
    V = W if V is None else V
    if not (torch.is_grad_enabled() and (W.requires_grad or V.requires_grad)):
        return _relu_kernel_nograd(W, V)
    return _ReluKernel.apply(W, V)


def relu_kernel(W, V=None, *, device=None) -> np.ndarray:
    """ReLU (degree-1 arc-cosine) kernel between two sets of weight vectors.

    ``K[i, j] = E_x[relu(<w_i, x>) relu(<v_j, x>)]`` for ``x ~ N(0, I_d)``, which equals
    ``|w||v| (sin(theta) + (pi - theta) cos(theta)) / (2 pi)`` (Cho & Saul 2009).

    Parameters
    ----------
    W : array_like, shape (n, d)
        Weight vectors as rows (a single vector is treated as one row).
    V : array_like, shape (m, d), optional
        Second set of weight vectors; ``None`` means ``W`` itself.
    device : str or torch.device, optional
        Where to compute (default CPU); the result always comes back as numpy.

    Returns
    -------
    numpy.ndarray, shape (n, m)

    Examples
    --------
    >>> import numpy as np, rfexplore
    >>> K = rfexplore.relu_kernel(np.eye(2))
    >>> K.round(4)          # |w|^2 / 2 on the diagonal, 1/(2 pi) for orthogonal unit vectors
    array([[0.5   , 0.1592],
           [0.1592, 0.5   ]])
    """
    W = _in_scale("W", as_matrix("W", W))
    V = W if V is None else _in_scale("V", as_matrix("V", V, d=W.shape[1]))
    device = check_device(device)
    # three (n, m) float64 buffers on the device, one numpy copy
    check_memory(4 * 8.0 * len(W) * len(V), f"the {len(W)} x {len(V)} kernel matrix", device)
    Wt = torch.as_tensor(W, dtype=torch.float64, device=device)
    Vt = torch.as_tensor(V, dtype=torch.float64, device=device)
    return _relu_kernel_nograd(Wt, Vt).cpu().numpy()


def relu_kernel_grad(w, v) -> np.ndarray:
    """Closed gradient in ``w`` of ``kappa(w, v)`` for single vectors (DESIGN 2.6).

    ``grad_w kappa(w, v) = ((pi - theta) v + sin(theta) |v| w / |w|) / (2 pi)``.
    """
    w = as_matrix("w", w)
    v = as_matrix("v", v, d=w.shape[1])
    Wt = torch.as_tensor(w, dtype=torch.float64)
    Vt = torch.as_tensor(v, dtype=torch.float64)
    _, pmt, S, nw2, _ = _relu_kernel_parts(Wt, Vt)
    g = (pmt[0, 0] * Vt[0] + (S[0, 0] / nw2[0] if nw2[0] > 0 else 0.0) * Wt[0]) / _TWO_PI
    return g.numpy()


# --------------------------------------------------------------------------- biased ReLU kernel


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(_TWO_PI)


def _Phi(z):
    return special.ndtr(z)


def bivariate_normal_cdf(h, k, rho, theta=None):
    """``P(X < h, Y < k)`` for standard normals with correlation ``rho`` (|rho| < 1), vectorized.
    ``theta``: the angle with ``cos(theta) = rho``, where it is known more accurately than ``rho`` (the angle
    between two weight vectors): ``sqrt(1 - rho^2)`` and ``1 - rho`` are then taken from it, not from ``rho``,
    which near 1 loses ``1e-16 / (1 - rho)`` of them relatively (a 1e-13 error of ``Phi2`` at ``1 - rho = 5e-8``).

    Owen (1956): ``Phi2 = Phi(h)/2 + Phi(k)/2 - T(h, a_h) - T(k, a_k) - beta`` with
    ``a_h = (k - rho h) / (h s)``, ``s = sqrt(1 - rho^2)`` and ``beta = 1/2`` when ``h k < 0``
    (or ``h k = 0`` with ``h + k < 0``), else 0.
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(t, dtype=np.float64) for t in (h, k, rho)))
    if theta is None:
        s = np.sqrt(1.0 - rho * rho)
    else:
        theta = np.broadcast_to(np.asarray(theta, dtype=np.float64), h.shape)
        s, omr = np.sin(theta), 2.0 * np.sin(0.5 * theta) ** 2
    # An exact zero is a removable singularity of a_h: an offset of 1e-200 changes Phi2 by ~1e-200
    # (1e-12 here cost 4e-13, e.g. a 2e-12 relative error for bias-free features), and keeps
    # a_h = O(1e200 / s) finite for |rho| <= 1 - 1e-12.
    tiny = 1e-200
    hs = np.where(np.abs(h) < tiny, np.where(h < 0, -tiny, tiny), h)
    ks = np.where(np.abs(k) < tiny, np.where(k < 0, -tiny, tiny), k)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if theta is None:
            ah, ak = (ks - rho * hs) / (hs * s), (hs - rho * ks) / (ks * s)
        else:                                       # k - rho h, without cancelling for k ~ h, rho ~ 1
            ah, ak = ((ks - hs) + omr * hs) / (hs * s), ((hs - ks) + omr * ks) / (ks * s)
    beta = np.where((hs < 0) != (ks < 0), 0.5, 0.0)      # h k < 0, by signs: the product can underflow
    return 0.5 * _Phi(hs) + 0.5 * _Phi(ks) - special.owens_t(hs, ah) - special.owens_t(ks, ak) - beta


_TRUST = 1e-3      # closed form kept where E >= 1e-3 (1 + |a|)(1 + |c|): relative error <= 3e-13 there
BIASED_KERNEL_BUFFERS = 24   # (n, m) float64 arrays at the peak of biased_relu_kernel (measured: ~18 numpy + 3 torch)


FAST_KERNEL_BUFFERS = 6     # (n, m) float64 arrays at the peak of the fast path (measured: 3 torch angles + the result)
FAST_BLOCK_BUFFERS = 64     # PRICE_CHUNK-sized arrays of its blocks (quadrature temporaries, the closed form's rest)


def biased_kernel_bytes(n: int, m: int, precise: bool = True) -> float:
    """Peak memory of :func:`biased_relu_kernel` for an ``(n, m)`` result (tests compare it with a measured
    peak): the closed form's temporaries plus the tail-stable quadrature's blocks when ``precise``; the angles,
    the result and Price's quadrature blocks otherwise."""
    if not precise:
        return FAST_KERNEL_BUFFERS * 8.0 * n * m + FAST_BLOCK_BUFFERS * 8.0 * min(n * m, PRICE_CHUNK)
    blocks = 16 * 48 * 8.0 * min(n * m, tails.CHUNK)
    return BIASED_KERNEL_BUFFERS * 8.0 * n * m + blocks


def _closed_product_moment(a, c, rho, theta=None):
    """``E[(a + X)_+ (c + Y)_+]`` for |rho| < 1 from the truncated bivariate normal (Rosenbaum 1961);
    ``theta``: the angle of ``rho`` if known more accurately (see :func:`bivariate_normal_cdf`).

    Absolute error about ``2e-16 (1 + |a|)(1 + |c|)`` (the Owen's T terms are ``O(1)``), so it is
    relatively accurate only where the value is not small: see :func:`_truncated_product_moment`."""
    s = np.sqrt((1.0 - rho) * (1.0 + rho)) if theta is None else np.sin(theta)
    h, k = -a, -c                                          # region X > h, Y > k
    P = bivariate_normal_cdf(a, c, rho, theta)             # P(X > -a, Y > -c)
    Fh = _phi(h) * _Phi((rho * h - k) / s)                 # phi(h) P(Y > k | X = h)
    Fk = _phi(k) * _Phi((rho * k - h) / s)
    EX = Fh + rho * Fk                                     # E[X; region]
    EY = Fk + rho * Fh
    # E[XY; region] by Stein's lemma (symmetric in h, k)
    EXY = rho * h * Fh + rho * k * Fk + rho * P + s * _phi(h) * _phi((k - rho * h) / s)
    return a * c * P + a * EY + c * EX + EXY


# Price's theorem quadrature (the Gram matrices' fast path): (bound on |rho|, Gauss-Legendre nodes) per band,
# calibrated against the Owen's T form (tests/test_gaussian_price.py: absolute error <= 2e-15 (1 + |a|)(1 + |c|),
# measured <= 6e-16 on 2e5 draws a band, |a|, |c| up to ~30: each count is the first of 6, 8, 10, 12, 16, 20, 24
# at that rounding level (the one before it gave 1.0e-15 to 2.0e-15; 6, the least tried, already did below 0.3);
# 32 past 0.925, where 24 already did)
PRICE_BANDS = ((0.3, 6), (0.6, 10), (0.75, 12), (0.925, 20), (0.99, 32))
PRICE_CHUNK = 2**15          # entries per quadrature block: cache-sized temporaries (large ones cost page faults)


@functools.cache
def _gauss_legendre_01(n: int):
    """``n`` Gauss-Legendre nodes and weights on ``[0, 1]`` (python floats)."""
    x, w = np.polynomial.legendre.leggauss(n)
    return tuple(float(t) for t in 0.5 * (x + 1.0)), tuple(float(t) for t in 0.5 * w)


def _e0(a: torch.Tensor) -> torch.Tensor:
    """``E[(a + X)_+] = phi(a) + a Phi(a)``."""
    return torch.exp(-0.5 * a * a) / math.sqrt(_TWO_PI) + a * torch.special.ndtr(a)


def _price_product_moment(a, c, rho, limit, nodes: int, parts=None) -> torch.Tensor:
    """``E[(a + X)_+ (c + Y)_+]`` for standard normals with correlation ``rho`` (``|rho| <= 0.99``), by Price's
    theorem: ``dE/drho = Phi2(a, c, rho)`` and ``dPhi2/drho = phi2(a, c, rho)``, so (Taylor with integral
    remainder, ``s = sin t``) ``E = E0(a) E0(c) + rho Phi(a) Phi(c)
    + (1/2pi) int_0^{asin rho} (rho - sin t) exp(-(a^2 + c^2 - 2ac sin t) / (2 cos^2 t)) dt`` with
    ``E0(a) = phi(a) + a Phi(a)``; the integrand is smooth and vanishes at the upper end (Drezner &
    Wesolowsky 1990 use the same substitution for ``Phi2``). Gauss-Legendre with ``nodes`` points.
    ``limit``: ``asin(rho)``, i.e. ``pi/2 - theta`` with the angle of :func:`pair_angles`.
    ``parts``: ``(E0(a), E0(c), Phi(a), Phi(c))`` if already known."""
    e0a, e0c, pa, pc = (_e0(a), _e0(c), torch.special.ndtr(a), torch.special.ndtr(c)) if parts is None else parts
    xs, ws = _gauss_legendre_01(nodes)
    T = limit
    q, p = 0.5 * (a * a + c * c), a * c
    acc = torch.zeros_like(rho)
    for x, w in zip(xs, ws, strict=True):
        s = torch.sin(T * x)
        # w (rho - s) exp(-(q - p s) / (1 - s^2)): the bivariate normal density times cos t
        acc.addcmul_(rho - s, torch.exp((p * s - q) / (1.0 - s * s)), value=w)
    return e0a * e0c + rho * pa * pc + acc * T / _TWO_PI


@contextlib.contextmanager
def _one_thread():
    """Torch on one thread inside (restored after): the quadrature's small elementwise blocks ran 10 to 40 times
    slower on two threads of a loaded 2-core machine (each op waits for the other thread; benchmarks/bench_fit.py)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _fast_product_moment(a: np.ndarray, c: np.ndarray, rho: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``E[(a_i + X)_+ (c_j + Y)_+]`` with correlations ``rho = cos(theta)`` ``(n, m)``: Price's quadrature
    (:func:`_price_product_moment`) band by band of ``|rho|`` (:data:`PRICE_BANDS`; each row block first
    whole at the first band's nodes, then the entries of wider bands again), the closed form
    (:func:`_truncated_product_moment`, ``precise=False``) beyond the last band; absolutely accurate to
    ``~2e-15 (1 + |a|)(1 + |c|)`` like the closed form. Row blocks of about :data:`PRICE_CHUNK` entries."""
    with _one_thread():
        return _fast_blocks(a, c, rho, theta)


def _fast_blocks(a, c, rho, theta):
    n, m = rho.shape
    out = np.empty((n, m))
    ta, tc = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)), torch.from_numpy(np.ascontiguousarray(c))
    ea, ec, pa, pc = _e0(ta), _e0(tc), torch.special.ndtr(ta), torch.special.ndtr(tc)
    bounds = torch.tensor([b for b, _ in PRICE_BANDS], dtype=torch.float64)
    step = max(1, PRICE_CHUNK // max(m, 1))
    rest, held = [], 0
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        tr = torch.from_numpy(np.ascontiguousarray(rho[r0:r1], dtype=np.float64))
        tt = torch.rsub(torch.from_numpy(np.ascontiguousarray(theta[r0:r1], dtype=np.float64)), math.pi / 2)
        A, EA, PA = ta[r0:r1, None], ea[r0:r1, None], pa[r0:r1, None]
        torch.from_numpy(out[r0:r1]).copy_(_price_product_moment(A, tc[None], tr, tt, PRICE_BANDS[0][1],
                                                                 (EA, ec[None], PA, pc[None])))
        block, tr, tt = torch.from_numpy(out[r0:r1]).reshape(-1), tr.reshape(-1), tt.reshape(-1)   # views
        band = torch.bucketize(tr.abs(), bounds)                 # band k: |rho| <= bounds[k] (NaN: past the last)
        for k, (_, nodes) in enumerate(PRICE_BANDS[1:], start=1):
            idx = torch.nonzero(band == k).reshape(-1)
            if len(idx):
                i, j = idx // m + r0, idx % m
                block[idx] = _price_product_moment(ta[i], tc[j], tr[idx], tt[idx], nodes,
                                                   (ea[i], ec[j], pa[i], pc[j]))
        rest.append(torch.nonzero(band == len(PRICE_BANDS)).reshape(-1) + r0 * m)
        held += len(rest[-1])
        if held >= PRICE_CHUNK or r1 == n:       # the closed form, on at most ~2 PRICE_CHUNK entries at once
            _closed_entries(out, a, c, rho, torch.cat(rest).numpy())
            rest, held = [], 0
    return out


def _closed_entries(out, a, c, rho, flat):
    """``out`` at the flat indices ``flat`` by the closed form (``precise=False``)."""
    if len(flat):
        m = out.shape[1]
        i, j = flat // m, flat % m
        out.reshape(-1)[flat] = _truncated_product_moment(a[i], c[j], rho.reshape(-1)[flat], precise=False)


def _truncated_product_moment(a, c, rho, *, scale=1.0, precise=True, theta=None):
    """``scale * E[(a + X)_+ (c + Y)_+]`` for standard normals X, Y with correlation ``rho``.

    The closed form (:func:`_closed_product_moment`) where it is relatively accurate, i.e. where
    ``E >= 1e-3 (1 + |a|)(1 + |c|)`` (calibrated against the stable form: relative error below 3e-13);
    ``theta``: the angle of ``rho`` if known more accurately (a pair's angle). Elsewhere, and
    wherever ``|rho| > 1 - 1e-12``, the tail-stable one-dimensional form
    :func:`rfexplore.tails.log_relu_product_moment`, multiplied by ``scale`` in logarithms so that a
    representable product is never lost to an underflow of ``E``. ``precise=False`` keeps the closed
    form wherever it is finite (absolute precision ``2e-16 (1 + |a|)(1 + |c|)``: enough for a Gram
    matrix, whose fit adds a jitter of ``1e-10`` times its mean diagonal).
    """
    a, c, rho, scale = (np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(a, c, rho, scale))
    theta = None if theta is None else np.broadcast_to(np.asarray(theta, dtype=np.float64), a.shape)
    out = np.empty(a.shape)
    deg = np.abs(rho) > 1.0 - 1e-12
    g = ~deg
    with np.errstate(all="ignore"):
        closed = _closed_product_moment(a[g], c[g], rho[g], None if theta is None else theta[g])
    bad = ~np.isfinite(closed)
    if precise:
        bad |= closed < _TRUST * (1.0 + np.abs(a[g])) * (1.0 + np.abs(c[g]))
    out[g] = scale[g] * closed
    slow = deg.copy()
    slow[g] = bad
    if np.any(slow):
        with np.errstate(divide="ignore"):
            log_e = tails.log_relu_product_moment(a[slow], c[slow], np.clip(rho[slow], -1.0, 1.0))
            out[slow] = np.exp(np.log(scale[slow]) + log_e)
    return out


def relu_gaussian_mean(mean, std):
    """``E[relu(Z)]`` for ``Z ~ N(mean, std^2)`` (``std = 0`` allowed), to relative precision in the tail.

    ``std (phi(z) + z Phi(z))`` with ``z = mean / std``: directly for ``z >= 0``, as ``std J_1(-z)``
    (:mod:`rfexplore.tails`, no cancellation) for ``z < 0``."""
    mean, std = np.broadcast_arrays(np.asarray(mean, float), np.asarray(std, float))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = mean / std
        direct = mean * _Phi(z) + std * _phi(np.where(np.isfinite(z), z, 0.0)) * np.isfinite(z)
        lower = std * np.exp(tails.log_partial_moments(-np.where(z < 0, z, 0.0), 1)[1])
        val = np.where(z >= 0, direct, np.where(np.isfinite(z), lower, 0.0))
    return np.where(std > 0, val, np.maximum(mean, 0.0))


def biased_relu_kernel(W, b, V=None, c=None, *, precise: bool = True) -> np.ndarray:
    """``K[i, j] = E_x[relu(<w_i,x> + b_i) relu(<v_j,x> + c_j)]`` for ``x ~ N(0, I_d)``.

    With ``rho`` the cosine of ``w_i, v_j`` (:func:`pair_angles`), ``K = |w||v| E[(b/|w| + X)_+ (c/|v| + Y)_+]``:
    the closed form of the truncated bivariate normal (Owen's T) where it is relatively accurate, the
    tail-stable form (:mod:`rfexplore.tails`) elsewhere, so every entry keeps about 13 significant digits
    for offsets ``b/|w|`` far in the tails (``precise=False``: Price's-theorem quadrature in torch,
    :func:`_price_product_moment`, with the closed form only where ``|rho| > 0.99``; absolutely accurate to
    ``2e-15 |w||v| (1 + |b|/|w|)(1 + |c|/|v|)``, several times faster on wide pools — what Gram matrices
    for fitting use). A zero weight vector (or one so short that ``b/|w|`` overflows) makes its
    pre-activation the constant ``b``.

    Parameters
    ----------
    W : array_like, shape (n, d)
    b : array_like, shape (n,)
    V : array_like, shape (m, d), optional (``None``: ``W`` and ``b`` again)
    c : array_like, shape (m,), optional
    precise : bool

    Returns
    -------
    numpy.ndarray, shape (n, m)
    """
    W = as_matrix("W", W)
    b = as_vector("b", b, W.shape[0])
    if V is None:
        V, c = W, b
    else:
        V = as_matrix("V", V, d=W.shape[1])
        c = as_vector("c", np.zeros(V.shape[0]) if c is None else c, V.shape[0])
    _in_scale("W", W, b, "b")
    if V is not W:
        _in_scale("V", V, c, "c")
    precise = boolean("precise", precise)
    check_memory(biased_kernel_bytes(len(W), len(V), precise), f"the {len(W)} x {len(V)} biased kernel matrix")
    n1, n2, rho, _, theta = pair_angles(torch.from_numpy(W), torch.from_numpy(V))
    n1, n2, rho, theta = n1.numpy(), n2.numpy(), rho.numpy(), theta.numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a, cc = b / n1, c / n2
    z1, z2 = ~np.isfinite(a), ~np.isfinite(cc)            # zero (or negligible) weight vectors
    a, cc = np.where(z1, 0.0, a), np.where(z2, 0.0, cc)
    if precise:
        K = _truncated_product_moment(a[:, None], cc[None, :], rho, scale=n1[:, None] * n2[None, :],
                                      theta=theta)    # the angle: accurate for nearly parallel pairs
    else:
        K = _fast_product_moment(a, cc, rho, theta)
        K *= n1[:, None]
        K *= n2[None, :]
    # A constant pre-activation b: E = relu(b) E[relu(<v,x> + c)].
    if np.any(z1) or np.any(z2):
        m1 = relu_gaussian_mean(b, np.where(z1, 0.0, n1))[:, None]
        m2 = relu_gaussian_mean(c, np.where(z2, 0.0, n2))[None, :]
        K[z1, :] = np.maximum(b[z1], 0.0)[:, None] * m2          # in place: rows, then columns, as before
        K[:, z2] = m1 * np.maximum(c[z2], 0.0)[None, :]
    return K


def biased_relu_pair_gram(W, b) -> np.ndarray:
    """The Gram matrix of the sign-symmetric pool ``(w_j, b_j), (-w_j, -b_j)`` (rows ``2j, 2j+1``) from the
    kernel of the half pool ``(W, b)`` alone, a quarter of the work of :func:`biased_relu_kernel` on the
    whole pool (``precise=False``, absolutely accurate like it).

    With ``A_i = <w_i,x> + b_i`` and ``relu(-A) = relu(A) - A``: ``K(-i, +j) = H_ij - M_ji``,
    ``K(+i, -j) = H_ij - M_ij`` and ``K(-i, -j) = H_ij - M_ij - M_ji + C_ij``, where ``H`` is the half pool's
    kernel, ``C_ij = E[A_i A_j] = <w_i,w_j> + b_i b_j`` and, by Stein's lemma,
    ``M_ij = E[relu(A_i) A_j] = E[relu(A_i)] b_j + <w_i,w_j> Phi(b_i / |w_i|)``.
    Returns the ``(2P, 2P)`` matrix, pairs interleaved (:func:`biased_relu_pair_rows` gives its rows in blocks)."""
    W = as_matrix("W", W)
    b = as_vector("b", b, W.shape[0])
    return biased_relu_pair_rows(W, b, 0, len(b))


def biased_relu_pair_rows(W, b, start: int, stop: int) -> np.ndarray:
    """Rows ``2 start .. 2 stop - 1`` of :func:`biased_relu_pair_gram` (pairs ``start .. stop - 1``), shape
    ``(2 (stop - start), 2P)``: the Gram matrix of a wide pool in row blocks (the dashboards compute it in
    slices). All of it (``start = 0, stop = P``) is the whole matrix."""
    W = as_matrix("W", W)
    b = as_vector("b", b, W.shape[0])
    P = len(b)
    start, stop = nonneg_int("start", start), nonneg_int("stop", stop)
    if not start < stop <= P:
        raise ValueError(f"start and stop must satisfy 0 <= start < stop <= {P} (the number of pairs), "
                         f"got start={start}, stop={stop}")
    whole = start == 0 and stop == P
    Wi, bi = W[start:stop], b[start:stop]
    H = biased_relu_kernel(W, b, precise=False) if whole else biased_relu_kernel(Wi, bi, W, b, precise=False)
    n = np.linalg.norm(W, axis=1)
    G = Wi @ W.T                                                               # <w_i, w_j>, i in the block
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(n > 0, special.ndtr(b / np.where(n > 0, n, 1.0)), (b > 0).astype(float))   # P(A_i > 0)
    mean = relu_gaussian_mean(b, n)                                            # E[relu(A_i)]
    M = mean[start:stop, None] * b[None, :] + G * step[start:stop, None]     # M_ij = E[relu(A_i) A_j]
    Mt = b[start:stop, None] * mean[None, :] + G * step[None, :]             # M_ji
    K = np.empty((2 * (stop - start), 2 * P))
    K[0::2, 0::2] = H
    K[0::2, 1::2] = H - M
    K[1::2, 0::2] = H - Mt
    K[1::2, 1::2] = K[0::2, 1::2] - Mt + G + bi[:, None] * b[None, :]
    return K


# --------------------------------------------------------------------------- Hermite


def hermite_functions(kmax: int, z, *, weight=1.0) -> np.ndarray:
    """Normalized probabilists' Hermite polynomials ``h_k(z) = He_k(z)/sqrt(k!)``, k = 0..kmax.

    Stable three-term recurrence ``h_{k+1} = (z h_k - sqrt(k) h_{k-1}) / sqrt(k+1)``, which is
    linear: ``weight * h_k(z)`` is computed by starting it from ``weight`` (with
    ``weight = sqrt(phi(z))`` the values stay bounded, Cramér's inequality, where ``h_k`` alone
    would overflow). Returns an array of shape ``(kmax + 1,) + z.shape``.
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.empty((kmax + 1,) + z.shape)
    out[0] = weight
    if kmax >= 1:
        out[1] = z * out[0]
    for k in range(1, kmax):
        out[k + 1] = (z * out[k] - math.sqrt(k) * out[k - 1]) / math.sqrt(k + 1)
    return out


def relu_hermite_coefficients(kmax: int) -> np.ndarray:
    """Hermite coefficients ``a_0..a_kmax`` of ``relu(z)`` in the basis ``h_k`` (DESIGN 2.5).

    ``a_0 = 1/sqrt(2 pi)``, ``a_1 = 1/2``, ``a_k = 0`` for odd ``k >= 3`` and
    ``a_k = (-1)^(k/2+1) (k-3)!! / sqrt(2 pi k!)`` for even ``k >= 2``.
    """
    return biased_relu_hermite_coefficients(kmax, 0.0)


def biased_relu_hermite_coefficients(kmax: int, b=0.0) -> np.ndarray:
    """Hermite coefficients of ``relu(z + b)`` (DESIGN 2.7), vectorized over ``b``.

    ``c_0 = phi(b) + b Phi(b)``, ``c_1 = Phi(b)``, ``c_k = phi(b) He_{k-2}(-b) / sqrt(k!)``; ``c_0`` and
    ``c_1`` from :func:`rfexplore.tails.relu_moments` (``c_0`` would cancel for ``b << 0``), so every
    coefficient keeps its relative precision for ``|b|`` up to about 50. Returns shape ``(kmax + 1,) + b.shape``.
    """
    kmax = nonneg_int("kmax", kmax)
    try:
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"b must be a real number or array of offsets, got {type(b).__name__}") from exc
    if not np.all(np.isfinite(b)):
        raise ValueError(f"b must be finite, got {b!r}"[:200])
    # the coefficients, the weighted Hermite recurrence and its products: four (kmax + 1, b.size) arrays
    check_memory(4 * 8.0 * (kmax + 1) * max(b.size, 1), f"{kmax + 1} Hermite coefficients for {b.size} offsets",
                 fix="use a smaller kmax")
    out = np.zeros((kmax + 1,) + b.shape)
    low = tails.relu_moments(b, 1)                           # Phi(b), phi(b) + b Phi(b): no cancellation
    out[0] = low[1]
    if kmax >= 1:
        out[1] = low[0]
    if kmax >= 2:
        # sqrt(phi(b)) h_{k-2}(-b) stays bounded for every b and k (no inf * 0 for large |b|)
        root = np.sqrt(_phi(b))
        h = hermite_functions(kmax - 2, -b, weight=root)   # sqrt(phi(b)) He_{k-2}(-b)/sqrt((k-2)!)
        k = np.arange(2, kmax + 1).reshape((-1,) + (1,) * b.ndim)
        out[2:] = root * h / np.sqrt(k * (k - 1.0))          # = phi(b) He_{k-2}(-b)/sqrt(k!)
    return out


def gauss_hermite(n: int):
    """Nodes and weights for ``E[f(Z)]``, ``Z ~ N(0, 1)``: ``sum(w * f(z))`` (exact to degree 2n-1).

    scipy's ``roots_hermitenorm`` (asymptotic formulas for large ``n``); numpy's ``hermegauss``
    overflows to NaN weights beyond about 360 nodes.
    """
    if nonneg_int("n", n) == 0:
        raise ValueError("n must be a positive integer, got 0")
    z, w = special.roots_hermitenorm(n)
    return z, w / math.sqrt(_TWO_PI)


def hermite_coefficients(f, kmax: int, *, nodes: int = 200) -> np.ndarray:
    """Hermite coefficients ``E[f(Z) h_k(Z)]``, k = 0..kmax, of any activation by quadrature.

    Gauss–Hermite quadrature is exact for polynomials of degree ``< 2 nodes - kmax`` and
    converges slowly (like ``nodes^(-3/4)``) for kinks such as ReLU; prefer the closed forms.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable activation, got {type(f).__name__}")
    kmax = nonneg_int("kmax", kmax)
    if nonneg_int("nodes", nodes) == 0:
        raise ValueError("nodes must be a positive integer, got 0")
    z, w = gauss_hermite(nodes)
    return hermite_functions(kmax, z) @ (w * np.asarray(f(z), dtype=np.float64))


def relu_kernel_series(rho, kmax: int = 200) -> np.ndarray:
    """Kernel of unit vectors with correlation ``rho`` from the Hermite series ``sum a_k^2 rho^k``."""
    a2 = relu_hermite_coefficients(kmax) ** 2
    rho = np.asarray(rho, dtype=np.float64)
    if not np.all(np.abs(rho) <= 1.0):                     # also rejects NaN
        raise ValueError(f"rho must be a correlation in [-1, 1], got {rho!r}")
    return np.polynomial.polynomial.polyval(rho, a2)


def relu_hermite_residuals(degrees) -> np.ndarray:
    """Relative residual of the best degree-``<= L`` polynomial approximation of ``relu(z)``.

    ``1 - sum_{k<=L} a_k^2 / E[relu(z)^2]`` with ``E[relu(z)^2] = 1/2`` (DESIGN 2.5).
    """
    degrees = np.atleast_1d(np.asarray(degrees))
    if degrees.size and (degrees.min() < 0 or not np.issubdtype(degrees.dtype, np.integer)):
        raise ValueError(f"degrees must be non-negative integers, got {degrees.tolist()}")
    a2 = relu_hermite_coefficients(int(degrees.max()) if degrees.size else 0) ** 2
    return 1.0 - 2.0 * np.cumsum(a2)[degrees]


# --------------------------------------------------------------------------- the staircase (DESIGN 2.5)


def harmonic_dimension(d: int, l: int) -> int:
    """Number of independent degree-``l`` directions on the sphere in ``R^d`` (spherical harmonics).

    ``N(d, 0) = 1``, ``N(d, 1) = d``, ``N(d, l) = (2l + d - 2) / l * C(l + d - 3, l - 1)``,
    so ``N(d, 2) = (d + 2)(d - 1) / 2`` and ``N(d, l) ~ d^l / l!``.
    """
    if l == 0:
        return 1
    if d == 1:
        return 1 if l == 1 else 0
    return (2 * l + d - 2) * math.comb(l + d - 3, l - 1) // l


def relu_staircase(d: int, max_degree: int = 6):
    """Predicted plateaus of the RF error for a unit ReLU in dimension ``d`` (DESIGN 2.5).

    Returns ``(widths, levels)``: once roughly ``widths[j]`` features are available (the number of
    independent directions of all degrees the ReLU uses up to degree ``l_j``), the relative error
    can fall to ``levels[j]``, the Hermite residual after degree ``l_j``. Odd degrees ``>= 3`` carry
    no energy and are skipped.
    """
    a = relu_hermite_coefficients(max_degree)
    degrees = [l for l in range(max_degree + 1) if abs(a[l]) > 0]
    widths, total = [], 0
    for l in degrees:
        total += harmonic_dimension(d, l)
        widths.append(total)
    return np.array(widths), relu_hermite_residuals(degrees)


# --------------------------------------------------------------------------- staircase in dimension d (nb 05)


def _check_sphere_d(d):
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 2 <= d <= 1000:
        raise ValueError(f"d must be an integer from 2 to 1000 (beyond, the Hermite limit "
                         f"relu_hermite_residuals holds to 2e-4), got {d!r}")
    return int(d)


def relu_sphere_energies(d: int, kmax: int) -> np.ndarray:
    """Share of ``E[relu(<w,x>)^2]`` in each degree ``l = 0..kmax`` of spherical harmonics, ``x ~ N(0, I_d)``.

    Bias-free ReLU features and a bias-free ReLU target are 1-homogeneous,
    ``relu(<w,x>) = |x| relu(<w,u>)`` with ``u = x/|x|`` uniform on the sphere, so random features in
    dimension ``d`` solve a problem on the sphere exactly and the staircase levels in dimension ``d``
    come from the Gegenbauer (not Hermite) expansion. Funk–Hecke: ``e_l = N(d,l) c_l^2 / E[relu(t)^2]``
    with ``c_l = E[relu(t) P_l(t)]``, ``P_l`` the Gegenbauer polynomial with ``P_l(1) = 1``, ``t = <w,u>``
    of density ``(1 - t^2)^((d-3)/2)`` and ``E[relu(t)^2] = 1/(2d)``. Hence ``e_1 = 1/2``, ``e_l = 0`` for odd
    ``l >= 3``, ``e_0 = (d/pi) (Gamma(d/2)/Gamma((d+1)/2))^2 / 2``, and ``e_l -> 2 a_l^2`` as ``d -> oo``.
    Even ``l``: ``E[|t| P_l(t)] = int_0^1 P_l(sqrt s) (1-s)^a ds / B(1/2, a+1)``, ``a = (d-3)/2``, a
    polynomial of degree ``l/2`` in ``s`` against a Jacobi weight: Gauss–Jacobi with ``l/2 + 1`` nodes
    is exact.

    Returns shape ``(kmax + 1,)``; ``d`` from 2 to 1000.
    """
    d = _check_sphere_d(d)
    if isinstance(kmax, bool) or not isinstance(kmax, (int, np.integer)) or kmax < 0:
        raise ValueError(f"kmax must be a non-negative integer, got {kmax!r}")
    a = (d - 3) / 2.0
    out = np.zeros(kmax + 1)
    for l in range(0, kmax + 1, 2):
        x, w = special.roots_jacobi(l // 2 + 1, a, 0.0)         # weight (1-x)^a on [-1, 1]
        s = (1.0 + x) / 2.0
        P = special.eval_jacobi(l, a, a, np.sqrt(s)) / special.eval_jacobi(l, a, a, 1.0)
        mean_abs_t_P = (w @ P) / w.sum() / (a + 1.0) / special.beta(0.5, a + 1.0)   # E[|t| P_l(t)]
        # c_l = E[|t| P_l]/2; N(d, l) can exceed the float range (d = 1000, l = 400: ~1e362) while
        # the product stays below 1, so multiply in logarithms (math.log takes Python's big integers)
        if mean_abs_t_P != 0.0:
            out[l] = math.exp(math.log(harmonic_dimension(d, l)) + 2.0 * math.log(0.5 * abs(mean_abs_t_P))
                              + math.log(2.0 * d))
    if kmax >= 1:
        out[1] = 0.5                                              # c_1 = E[t^2]/2 = 1/(2d), N(d,1) = d
    return out


def relu_sphere_residuals(d: int, degrees) -> np.ndarray:
    """Relative error of the best approximation of a unit ReLU by spherical harmonics of degree ``<= L``.

    The finite-``d`` version of :func:`relu_hermite_residuals` (which is its ``d -> oo`` limit), for
    ``x ~ N(0, I_d)`` and 1-homogeneous approximations (as bias-free ReLU features are); see
    :func:`relu_sphere_energies`.
    """
    degrees = np.atleast_1d(np.asarray(degrees))
    if degrees.size == 0 or degrees.min() < 0 or not np.issubdtype(degrees.dtype, np.integer):
        raise ValueError(f"degrees must be non-negative integers, got {degrees.tolist()}")
    return np.maximum(1.0 - np.cumsum(relu_sphere_energies(d, int(degrees.max())))[degrees], 0.0)


def rf_staircase(d: int, *, symmetric: bool = False, max_degree: int = 6):
    """Predicted plateaus of the exact RF error for a unit ReLU in dimension ``d`` (levels exact in ``d``).

    Returns ``(widths, levels, degrees)``: with about ``widths[j]`` features the error can fall to
    ``levels[j]``, the residual after the spherical harmonics of degree ``<= degrees[j]``
    (:func:`relu_sphere_residuals`). Features are counted as directions: i.i.d. features need
    ``sum_l N(d, l)`` over the degrees the ReLU uses (as :func:`relu_staircase`); sign-symmetric pairs
    ``(w, -w)`` span the linear part with ``d`` pairs but give only ``r/2`` distinct even features, so the
    even degrees ``l >= 2`` need twice the number of even directions.
    """
    d = _check_sphere_d(d)
    if isinstance(max_degree, bool) or not isinstance(max_degree, (int, np.integer)) or max_degree < 1:
        raise ValueError(f"max_degree must be an integer >= 1, got {max_degree!r}")
    degrees = [0, 1] + list(range(2, max_degree + 1, 2))
    widths, total, even = [], 0, 0
    for l in degrees:
        total += harmonic_dimension(d, l)
        even += harmonic_dimension(d, l) if l % 2 == 0 else 0
        widths.append(total if not symmetric else 2 if l == 0 else max(2 * d, 2 * even))
    return np.array(widths), relu_sphere_residuals(d, degrees), np.array(degrees)


__all__ += ["relu_sphere_energies", "relu_sphere_residuals", "rf_staircase"]
