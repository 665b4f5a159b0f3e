"""Gaussian expectations of biased ReLUs that keep their relative precision far in the tails.

``Z ~ N(0, 1)``. Everything is built on the upper partial moments

    ``J_n(t) = E[(Z - t)_+^n] / n! = phi(t) m_n(t)``,   ``m_n(t) = int_0^oo u^n / n! exp(-t u - u^2 / 2) du``,

with ``m_0`` the Mills ratio ``sqrt(pi/2) erfcx(t / sqrt 2)`` and ``n m_n = m_{n-2} - t m_{n-1}`` (``m_{-1} = 1``).
That recurrence cancels for large ``t`` (``m_1 = 1 - t m_0 ~ 1/t^2``), so beyond ``t = 3.5`` the ratios
``m_n / m_{n-1} = 1 / (t + (n+1) m_{n+1} / m_n)`` come from Laplace's continued fraction, evaluated
backwards (stable for ``Re t > 0``). Results are kept as logarithms until the end, so a value is lost
only when it is itself outside the float range.

* :func:`log_partial_moments`: ``log J_n(t)`` for every real ``t``.
* :func:`relu_moments`: ``E[(Z + b)_+^n]``, ``n = 0, 1, 2`` (``Phi(b)``, ``phi(b) + b Phi(b)``, ...).
* :func:`log_relu_product_moment`: ``log E[(a + X)_+ (c + Y)_+]`` for standard normals of correlation
  ``rho``: condition on the variable with the lower offset, ``Y``, split ``E[(a + X)_+ | Y]`` into its
  kink ``(a + rho Y)_+`` (exact, by partial moments) and a smooth positive remainder; the remainder is a
  one-dimensional integral against a Gaussian weight, done by Gauss-Legendre in logarithms on the window
  where the integrand is within ``e^-45`` of its maximum. Both parts are positive: no cancellation.
* :func:`log_relu_fourier`: ``log`` of ``E[(Z + b)_+ exp(i tau Z)]`` (complex), for periodic targets.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["log_partial_moments", "relu_moments", "log_relu_product_moment", "relu_fourier_scaled"]

_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SWITCH = 3.5            # forward recurrence up to |t| = 3.5 (loses at most ~|t|^4 = 150 ulps), else CF
_DEPTH = 40              # continued-fraction depth: 1e-15 at |t| = 3.5, rounding level beyond 4
_CUT = 45.0              # quadrature windows hold the integrand down to e^-45 of its maximum
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
_GL_LOGW = np.log(_GL_W)[:, None]
_GL_1PX, _GL_1MX = (1.0 + _GL_X)[:, None], (1.0 - _GL_X)[:, None]
CHUNK = 4096            # entries per quadrature block: ~13 (48, 4096) float64 temporaries, ~20 MB


def mills(t, nmax: int) -> np.ndarray:
    """``m_n(t)``, ``n = 0..nmax``, for ``Re t >= 0`` (real or complex arrays); shape ``(nmax+1,) + t.shape``."""
    t = np.asarray(t)
    shape = t.shape
    t = t.astype(np.complex128 if np.iscomplexobj(t) else np.float64).ravel()
    out = np.empty((nmax + 1,) + t.shape, dtype=t.dtype)
    out[0] = _SQRT_HALF_PI * special.erfcx(t / math.sqrt(2.0))           # Mills ratio
    if nmax == 0:
        return out.reshape((nmax + 1,) + shape)
    prev, cur = np.ones_like(t), out[0]
    for n in range(1, nmax + 1):                                           # n m_n = m_{n-2} - t m_{n-1}
        prev, cur = cur, (prev - t * cur) / n
        out[n] = cur
    # the continued fraction converges fast for Re t > 3.5 and, off the real axis, for |t| > 10 (checked
    # against mpmath: <1e-15); the forward recurrence loses ~|t|^2 ulps for m_1 inside that (< 3e-14)
    far = (t.real > _SWITCH) | (np.abs(t) > 10.0)
    if np.any(far):
        tf = t[far]
        r = np.zeros_like(tf)
        ratios = np.empty((nmax + 1,) + tf.shape, dtype=t.dtype)
        for n in range(_DEPTH, 0, -1):                                     # r_n = 1 / (t + (n+1) r_{n+1})
            r = 1.0 / (tf + (n + 1) * r)
            if n <= nmax:
                ratios[n] = r
        m = out[0][far]
        for n in range(1, nmax + 1):
            m = m * ratios[n]
            out[n][far] = m
    return out.reshape((nmax + 1,) + shape)


def log_partial_moments(t, nmax: int = 2) -> np.ndarray:
    """``log J_n(t) = log(E[(Z - t)_+^n] / n!)``, ``n = 0..nmax``, for real ``t``; shape ``(nmax+1,) + t.shape``.

    ``t > 0``: ``log phi(t) + log m_n(t)``; ``t <= 0``: the recurrence ``n J_n = J_{n-2} + |t| J_{n-1}``
    (``J_{-1} = phi(t)``, ``J_0 = Phi(|t|)``) has only positive terms.
    """
    t = np.asarray(t, dtype=np.float64)
    shape = t.shape
    t = t.ravel()
    out = np.empty((nmax + 1,) + t.shape)
    pos = t > 0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if np.any(pos):
            tp = t[pos]
            out[:, pos] = (-0.5 * tp * tp - _LOG_SQRT_2PI) + np.log(np.abs(mills(tp, nmax)))
        neg = ~pos
        if np.any(neg):
            u = -t[neg]
            prev, cur = np.exp(-0.5 * u * u - _LOG_SQRT_2PI), special.ndtr(u)
            out[0][neg] = np.log(cur)
            for n in range(1, nmax + 1):
                prev, cur = cur, (prev + u * cur) / n
                out[n][neg] = np.log(cur)
    return out.reshape((nmax + 1,) + shape)


def relu_moments(b, nmax: int = 2) -> np.ndarray:
    """``E[(Z + b)_+^n] = n! J_n(-b)``, ``n = 0..nmax``: ``Phi(b)``, ``phi(b) + b Phi(b)``,
    ``(1 + b^2) Phi(b) + b phi(b)``, each without cancellation."""
    lj = log_partial_moments(-np.asarray(b, dtype=np.float64), nmax)
    fact = np.array([math.lgamma(n + 1.0) for n in range(nmax + 1)]).reshape((-1,) + (1,) * (lj.ndim - 1))
    return np.exp(lj + fact)


# --------------------------------------------------------------------------- E[(a + X)_+ (c + Y)_+]


def _mass_window(lo, hi):
    """Where ``phi(v)`` on ``[lo, hi]`` (``hi`` may be ``inf``) is within ``e^-45`` of its maximum there."""
    R = math.sqrt(2.0 * _CUT)

    def cut(A):                                                            # A u + u^2/2 = 45, A >= 0
        return 2.0 * _CUT / (np.sqrt(A * A + 2.0 * _CUT) + A)

    with np.errstate(invalid="ignore", over="ignore"):
        left = np.where(hi <= 0, np.maximum(lo, hi - cut(np.abs(hi))), np.where(lo >= 0, lo, np.maximum(lo, -R)))
        right = np.where(lo >= 0, np.minimum(hi, lo + cut(np.abs(lo))), np.where(hi <= 0, hi, np.minimum(hi, R)))
    return left, right


def _log_gauss_legendre(lo, hi, log_f):
    """``log int_lo^hi f`` for positive ``f``, 48-point Gauss-Legendre in logarithms (``-inf`` if ``hi <= lo``).

    ``log_f(v, u_lo, u_hi)`` gets the nodes ``v`` ``(48, m)`` and their distances to ``lo`` and ``hi``
    (computed without cancellation)."""
    half = 0.5 * (hi - lo)
    ok = half > 0
    h = np.where(ok, half, 1.0)
    u_lo, u_hi = h * _GL_1PX, h * _GL_1MX
    v = np.where(_GL_X[:, None] < 0, lo + u_lo, hi - u_hi)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lf = log_f(v, u_lo, u_hi) + _GL_LOGW
        res = np.log(h) + special.logsumexp(lf, axis=0)
    return np.where(ok, res, -np.inf)


def _log_lin_part(a, t, rho):
    """``log E[(Y - t)_+ (a + rho Y)_+]``: the kink of ``E[(a + X)_+ | Y]`` (partial moments, positive terms)."""
    out = np.full(a.shape, -np.inf)
    up = rho >= 0
    if np.any(up):
        aa, tt, rr = a[up], t[up], rho[up]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            yk = np.where(rr > 0, -aa / np.where(rr > 0, rr, 1.0), np.where(aa > 0, -np.inf, np.inf))
            T = np.maximum(tt, yk)
            lj = log_partial_moments(np.where(np.isfinite(T), T, 0.0), 2)
            lin = np.where(yk >= tt, 0.0, rr * tt + aa)                 # rho T + a >= 0
            c1 = rr * (T - tt) + lin
            c0 = (T - tt) * lin
            terms = np.stack([np.log(2.0 * rr) + lj[2], np.log(c1) + lj[1], np.log(c0) + lj[0]])
            res = special.logsumexp(terms, axis=0)
        out[up] = np.where(np.isfinite(T), res, -np.inf)
    down = ~up
    if np.any(down):
        aa, tt, rr = a[down], t[down], -rho[down]
        yk = aa / rr                                                      # a + rho y > 0 for y < yk
        lo, hi = _mass_window(tt, yk)

        def log_f(v, u_lo, u_hi):
            # (y - t) |rho| (yk - y) phi(y)
            return (np.log((lo - tt) + u_lo) + np.log(rr) + np.log((yk - hi) + u_hi)
                    - 0.5 * v * v - _LOG_SQRT_2PI)

        out[down] = _log_gauss_legendre(lo, hi, log_f)
    return out


def _log_smooth_part(a, t, rho, s):
    """``log E[(Y - t)_+ s g(-|a + rho Y| / s)]``, ``g(z) = E[(Z + z)_+]``: the smooth rest, ``s > 0``.

    ``phi(y) phi(z) = phi(a) phi(v)`` with ``v = (y + a rho) / s``, so it equals
    ``s^3 phi(a) int_{v0}^oo (v - v0) phi(v) m_1(|rho v + a s|) dv``, ``v0 = (t + a rho) / s``, split at the kink
    ``v_k = -a s / rho`` of ``|rho v + a s|``.
    """
    v0 = (t + a * rho) / s
    with np.errstate(divide="ignore", invalid="ignore"):
        vk = np.where(rho != 0, -a * s / np.where(rho != 0, rho, 1.0), -np.inf)

    def log_f_for(lo):
        def log_f(v, u_lo, u_hi):
            x = np.abs(rho * v + a * s)
            return np.log((lo - v0) + u_lo) - 0.5 * v * v - _LOG_SQRT_2PI + np.log(mills(x, 1)[1])
        return log_f

    A = np.maximum(v0, vk)
    lo, hi = _mass_window(A, np.full(A.shape, np.inf))
    right = _log_gauss_legendre(lo, hi, log_f_for(lo))
    lo2, hi2 = _mass_window(v0, np.where(vk > v0, vk, v0))
    left = _log_gauss_legendre(lo2, hi2, log_f_for(lo2))
    with np.errstate(divide="ignore"):
        return 3.0 * np.log(s) - 0.5 * a * a - _LOG_SQRT_2PI + np.logaddexp(left, right)


def log_relu_product_moment(a, c, rho) -> np.ndarray:
    """``log E[(a + X)_+ (c + Y)_+]`` for standard normals ``X, Y`` with correlation ``rho`` in ``[-1, 1]``.

    Broadcast, relative precision ~1e-13 for every offset (``-inf`` only where the value is exactly 0);
    ``|rho| = 1`` exactly is the one-dimensional limit."""
    a, c, rho = (np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(a, c, rho))
    shape = a.shape
    a, c, rho = a.ravel(), c.ravel(), rho.ravel()
    swap = c > a                                                          # condition on the lower offset
    a, c = np.where(swap, c, a), np.where(swap, a, c)
    out = np.empty(a.shape)
    for i in range(0, a.size, CHUNK):
        sl = slice(i, i + CHUNK)
        aa, tt, rr = a[sl], -c[sl], rho[sl]
        s = np.sqrt((1.0 - rr) * (1.0 + rr))
        lin = _log_lin_part(aa, tt, rr)
        smooth = np.full(aa.shape, -np.inf)
        pos = s > 0
        if np.any(pos):
            smooth[pos] = _log_smooth_part(aa[pos], tt[pos], rr[pos], s[pos])
        out[sl] = np.logaddexp(lin, smooth)
    return out.reshape(shape)


# --------------------------------------------------------------------------- periodic targets


def relu_fourier_scaled(b, tau, log_scale):
    """``exp(log_scale) E[(Z + b)_+ exp(i tau Z)]`` (complex), without overflow or cancellation in the tail.

    ``E[(Z + b)_+ e^{i tau Z}] = e^{-tau^2/2} g(b + i tau)`` with ``g(z) = phi(z) + z Phi(z)`` continued to
    complex ``z`` (complete the square). ``g(z) = phi(z) m_1(-z)`` for ``Re z <= 0`` and
    ``z + phi(z) m_1(z)`` otherwise (``g(z) - g(-z) = z``); ``phi(z) e^{-tau^2/2}`` is formed in one exponent.
    """
    b, tau, log_scale = (np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(b, tau, log_scale))
    z = b + 1j * tau
    left = b <= 0
    m1 = mills(np.where(left, -z, z), 1)[1]
    # log(phi(z) e^{-tau^2/2}) = -(b^2 - tau^2 + 2 i b tau)/2 - tau^2/2 - log sqrt(2 pi) = -b^2/2 - i b tau - ...
    log_phi = -0.5 * b * b - 1j * b * tau - _LOG_SQRT_2PI + log_scale
    with np.errstate(over="ignore", invalid="ignore"):
        kink = np.exp(log_phi) * m1
        lin = np.where(left, 0.0, z * np.exp(log_scale - 0.5 * tau * tau))
    return kink + lin
