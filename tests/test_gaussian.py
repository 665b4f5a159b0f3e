"""Oracle tests for rfexplore.gaussian: closed forms against Monte Carlo, quadrature and series.

Tolerances are stated where they are used. Monte Carlo checks allow 5 standard errors (the standard
error is estimated from the same samples), so they shrink like ``1/sqrt(n)``; each is shown at two
sample sizes. Every random draw has its own seed: these tests are deterministic.
"""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, special, stats

from rfexplore import gaussian as g

MC_SIGMAS = 5.0


def relu(z):
    return np.maximum(z, 0.0)


def mc_gram_check(exact, F, *, sigmas=MC_SIGMAS):
    """Monte Carlo estimate ``F^T F / n`` of ``E[f_i f_j]`` from feature samples ``F`` (n, r).

    Each entry must be within ``sigmas`` standard errors (estimated from the same samples) of ``exact``.
    Returns the standard errors, so callers can show them shrinking like ``1/sqrt(n)``.
    """
    n = F.shape[0]
    mean = F.T @ F / n
    F2 = F * F
    se = np.sqrt(np.maximum(F2.T @ F2 / n - mean ** 2, 0.0) / n)
    assert np.all(np.abs(mean - exact) <= sigmas * se + 1e-12), (np.abs(mean - exact) / se).max()
    return se


def unit(v):
    return v / np.linalg.norm(v)


def pair_at_angle(theta, d=5, seed=0):
    """Two unit vectors in R^d at angle theta, in a random plane."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, 2)))
    return q[:, 0], math.cos(theta) * q[:, 0] + math.sin(theta) * q[:, 1]


# --------------------------------------------------------------------------- ReLU kernel


@pytest.fixture(scope="module")
def weights7():
    """Five weight vectors in d=7 of mixed norms, including a near-parallel and an antipodal pair."""
    rng = np.random.default_rng(11)
    W = rng.standard_normal((5, 7)) * np.array([[0.3], [1.0], [2.5], [1.0], [1.0]])
    W[3] = 1.7 * W[1] + 1e-3 * rng.standard_normal(7)
    W[4] = -0.6 * W[2]
    return W


def test_relu_kernel_matches_monte_carlo(weights7):
    # tolerance 5 standard errors = c / sqrt(n), at n = 2e4 and at n = 1e6 (7x tighter)
    W = weights7
    K = g.relu_kernel(W)
    ses = []
    for n in (20_000, 1_000_000):
        X = np.random.default_rng(n).standard_normal((n, 7))
        ses.append(mc_gram_check(K, relu(X @ W.T)))
    live = ses[0] > 0                                       # the antipodal pair's product is always 0
    assert np.allclose(ses[1][live] / ses[0][live], math.sqrt(20_000 / 1_000_000), rtol=0.1)


def test_relu_kernel_closed_values():
    e = np.eye(3)
    K = g.relu_kernel(e)
    assert np.allclose(np.diag(K), 0.5, rtol=0, atol=1e-16)
    assert np.allclose(K[~np.eye(3, dtype=bool)], 1 / (2 * math.pi), rtol=1e-15)   # orthogonal: 1/(2 pi)
    w, v = pair_at_angle(math.pi / 3)
    # theta = pi/3: (sin + (pi - theta) cos) / (2 pi)
    exact = (math.sin(math.pi / 3) + (2 * math.pi / 3) * 0.5) / (2 * math.pi)
    assert g.relu_kernel(w, v)[0, 0] == pytest.approx(exact, rel=1e-14)


def test_relu_kernel_diagonal_parallel_antipodal_zero():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((200, 9)) * rng.uniform(0.01, 50, (200, 1))
    n2 = (W * W).sum(1)
    # kappa(w, w) = |w|^2 / 2, kappa(w, c w) = c |w|^2 / 2 (c > 0), kappa(w, -c w) = 0: to rounding
    assert np.allclose(np.diag(g.relu_kernel(W)), n2 / 2, rtol=1e-14, atol=0)
    assert np.allclose(np.diag(g.relu_kernel(W, 3.0 * W)), 1.5 * n2, rtol=1e-14, atol=0)
    assert np.all(np.abs(np.diag(g.relu_kernel(W, -0.5 * W))) <= 1e-15 * n2)
    Z = np.zeros((2, 9))
    assert np.array_equal(g.relu_kernel(Z, W), np.zeros((2, 200)))
    assert np.array_equal(g.relu_kernel(W[:3], Z), np.zeros((3, 2)))


def test_relu_kernel_symmetry_homogeneity_rotation(weights7):
    rng = np.random.default_rng(5)
    W, V = weights7, rng.standard_normal((4, 7))
    K = g.relu_kernel(W, V)
    assert np.allclose(g.relu_kernel(V, W), K.T, rtol=1e-14, atol=0)
    KW = g.relu_kernel(W)
    assert np.array_equal(KW, KW.T) or np.allclose(KW, KW.T, rtol=1e-15, atol=0)
    assert np.allclose(g.relu_kernel(2.5 * W, 0.3 * V), 0.75 * K, rtol=1e-14, atol=0)   # 1-homogeneous
    Q, _ = np.linalg.qr(rng.standard_normal((7, 7)))
    assert np.allclose(g.relu_kernel(W @ Q, V @ Q), K, rtol=1e-13, atol=1e-15)   # x ~ N(0, I) is isotropic
    lam = np.linalg.eigvalsh(g.relu_kernel(rng.standard_normal((60, 7))))
    assert lam.min() > -1e-13 * lam.max()                  # a Gram matrix: positive semi-definite


def test_relu_kernel_equals_hermite_series():
    # kappa(w, v) = sum_k a_k^2 rho^k for unit w, v (DESIGN 2.5); the series converges geometrically
    # for |rho| < 1 (1e-15 at rho = 0.3 as in DESIGN), and at rho = +-1 its tail is the residual.
    for rho in [-0.95, -0.5, 0.0, 0.3, 0.7, 0.95]:
        w, v = pair_at_angle(math.acos(rho))
        assert g.relu_kernel_series(rho, kmax=600) == pytest.approx(g.relu_kernel(w, v)[0, 0], abs=1e-15)
    kmax = 200
    tail = g.relu_hermite_residuals(kmax)[0] / 2          # sum_{k > kmax} a_k^2 = (1/2) * residual
    assert g.relu_kernel_series(1.0, kmax) == pytest.approx(0.5 - tail, abs=1e-15)
    assert 0 < tail < 1e-3
    rho = np.linspace(-1, 1, 7)
    assert g.relu_kernel_series(rho, 50).shape == (7,)


# --------------------------------------------------------------------------- gradient (DESIGN 2.6)


def test_relu_kernel_torch_gradcheck_away_from_parallel():
    rng = np.random.default_rng(3)
    W = torch.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    V = torch.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(g.relu_kernel_torch, (W, V))


def test_relu_kernel_torch_gradcheck_gram_including_diagonal():
    # K(W, W): the diagonal is theta = 0 exactly; the closed backward is finite and correct there
    W = torch.tensor(np.random.default_rng(2).standard_normal((4, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda A: g.relu_kernel_torch(A), (W,))


def closed_grad(w, v):
    """DESIGN 2.6: grad_w kappa = ((pi - theta) v + sin(theta) |v| w / |w|) / (2 pi), in numpy."""
    c = np.clip(w @ v / (np.linalg.norm(w) * np.linalg.norm(v)), -1, 1)
    th = math.acos(c)
    return ((math.pi - th) * v + math.sin(th) * np.linalg.norm(v) * w / np.linalg.norm(w)) / (2 * math.pi)


def test_relu_kernel_grad_matches_finite_differences_and_autograd():
    rng = np.random.default_rng(4)
    for _ in range(5):
        w, v = rng.standard_normal(6), rng.standard_normal(6)
        gc = g.relu_kernel_grad(w, v)
        assert np.allclose(gc, closed_grad(w, v), rtol=1e-13, atol=1e-15)
        # 5-point central differences, h = 1e-3: truncation ~h^4, rounding ~1e-16/h; DESIGN: 7e-11
        h = 1e-3

        def k(x, v=v):
            return g.relu_kernel(x, v)[0, 0]

        fd = np.array([(-k(w + 2 * h * e) + 8 * k(w + h * e) - 8 * k(w - h * e) + k(w - 2 * h * e)) / (12 * h)
                       for e in np.eye(6)])
        assert np.abs(gc - fd).max() < 7e-11
        wt = torch.tensor(w, requires_grad=True)
        g.relu_kernel_torch(wt[None], torch.tensor(v)[None])[0, 0].backward()
        assert np.allclose(wt.grad.numpy(), gc, rtol=1e-14, atol=1e-16)


def test_gradient_finite_at_theta_zero():
    w = np.random.default_rng(6).standard_normal(5)
    # parallel: theta = 0, grad_w kappa(w, c w) = (pi c w) / (2 pi) = c w / 2
    for c in [0.5, 1.0, 3.0]:
        assert np.allclose(g.relu_kernel_grad(w, c * w), c * w / 2, rtol=1e-14, atol=1e-16)
        wt = torch.tensor(w, requires_grad=True)
        g.relu_kernel_torch(wt[None], torch.tensor(c * w)[None])[0, 0].backward()
        assert torch.isfinite(wt.grad).all()
        assert np.allclose(wt.grad.numpy(), c * w / 2, rtol=1e-14, atol=1e-16)
    # antipodal: theta = pi, kappa = 0 to third order: gradient 0
    assert np.allclose(g.relu_kernel_grad(w, -w), 0, atol=1e-16)
    # the diagonal of a Gram matrix: d/dw (|w|^2 / 2) = w through both arguments
    W = torch.tensor(np.random.default_rng(7).standard_normal((6, 5)), requires_grad=True)
    g.relu_kernel_torch(W).diagonal().sum().backward()
    assert np.allclose(W.grad.numpy(), W.detach().numpy(), rtol=1e-14, atol=1e-15)
    # ...where plain autograd through arccos is not finite (why the custom backward exists)
    Wp = torch.tensor(np.random.default_rng(7).standard_normal((3, 5)), requires_grad=True)
    n = Wp.norm(dim=1)
    cos = ((Wp @ Wp.T) / (n[:, None] * n[None, :])).clamp(-1, 1)
    naive = n[:, None] * n[None, :] * (torch.sqrt(1 - cos ** 2) + (math.pi - torch.arccos(cos)) * cos)
    naive.diagonal().sum().backward()
    assert not torch.isfinite(Wp.grad).all()


def test_relu_kernel_torch_value_matches_numpy():
    W = np.random.default_rng(8).standard_normal((30, 4))
    Wt = torch.tensor(W, requires_grad=True)
    assert np.allclose(g.relu_kernel_torch(Wt).detach().numpy(), g.relu_kernel(W), rtol=1e-14, atol=1e-15)
    with torch.no_grad():
        K = g.relu_kernel_torch(torch.tensor(W)).numpy()
    assert np.allclose(K, g.relu_kernel(W), rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- biased ReLU kernel


def conditional_mean_oracle(w, b, v, c):
    """E[relu(<w,x>+b) relu(<v,x>+c)] as a 1-D integral of the conditional mean (adaptive quadrature).

    With X = <w,x>/|w| and Y = rho X + s Z: E[(c' + Y)_+ | X] = E[relu(N(c' + rho X, s^2))], so the
    kernel is |w||v| int_{-a}^{oo} (a + x) m(c' + rho x, s) phi(x) dx, smooth on the range (the kink
    at x = -a is the end point).
    """
    s1, s2 = np.linalg.norm(w), np.linalg.norm(v)
    rho = float(np.clip(w @ v / (s1 * s2), -1, 1))
    a, cc, s = b / s1, c / s2, math.sqrt(max(1 - rho * rho, 0.0))

    def f(x):
        return (a + x) * g.relu_gaussian_mean(cc + rho * x, s) * stats.norm.pdf(x)

    val, _ = integrate.quad(f, -a, np.inf, epsabs=1e-14, epsrel=1e-13, limit=200)
    return s1 * s2 * val


def conditional_mean_gauss_hermite(w, b, v, c, nodes):
    """The same integral by Gauss–Hermite quadrature over the whole line (kink inside: slow)."""
    s1, s2 = np.linalg.norm(w), np.linalg.norm(v)
    rho = float(np.clip(w @ v / (s1 * s2), -1, 1))
    s = math.sqrt(max(1 - rho * rho, 0.0))
    z, wt = g.gauss_hermite(nodes)
    return float(wt @ (relu(s1 * z + b) * s2 * g.relu_gaussian_mean(c / s2 + rho * z, s)))


ANGLES = [0.0, 1e-9, 1e-5, 1e-3, 0.1, 1.0, math.pi / 2, 2.5, math.pi - 1e-5, math.pi]
BIASES = [(0.3, -0.7), (-1.3, 0.7), (0.0, 0.0), (1.5, 2.0), (-2.0, -1.0)]


@pytest.mark.parametrize("theta", ANGLES)
def test_biased_kernel_matches_quadrature(theta):
    # including rho = +-1 exactly (the degenerate branch) and within 1e-9 of it; tolerance 1e-11
    w, v = pair_at_angle(theta, seed=1)
    w, v = 1.3 * w, 0.7 * v
    for b, c in BIASES:
        K = g.biased_relu_kernel(w, [b], v, [c])[0, 0]
        assert K == pytest.approx(conditional_mean_oracle(w, b, v, c), abs=1e-11), (b, c)


def test_biased_kernel_gauss_hermite_converges():
    # Gauss–Hermite on the conditional mean, kink inside the range: error shrinks with the node count
    w, v = pair_at_angle(1.0, seed=2)
    for b, c in [(0.3, -0.7), (-1.3, 0.7)]:
        K = g.biased_relu_kernel(w, [b], v, [c])[0, 0]
        errs = [abs(conditional_mean_gauss_hermite(w, b, v, c, n) - K) for n in (25, 100, 1000)]
        assert errs[2] < errs[0] and errs[2] < 1e-4, errs


def test_biased_kernel_matches_monte_carlo(weights7):
    # tolerance 5 standard errors = c / sqrt(n), at n = 2e4 and at n = 1e6
    W = np.vstack([weights7, np.zeros(7)])                  # a zero weight vector: constant relu(b)
    b = np.array([0.5, -0.3, 1.2, -0.3, 0.4, 0.8])
    K = g.biased_relu_kernel(W, b)
    ses = []
    for n in (20_000, 1_000_000):
        X = np.random.default_rng(n + 1).standard_normal((n, 7))
        ses.append(mc_gram_check(K, relu(X @ W.T + b)))
    assert np.all(ses[1][:5, :5] < 0.2 * ses[0][:5, :5])
    assert ses[1][5, 5] == 0                                 # relu(0.8)^2, no randomness
    assert np.allclose(K[5], 0.8 * g.relu_gaussian_mean(b, np.linalg.norm(W, axis=1)), rtol=1e-15, atol=0)


def test_biased_kernel_special_cases(weights7):
    W = weights7
    rng = np.random.default_rng(9)
    V = rng.standard_normal((3, 7))
    # zero biases: the plain kernel
    assert np.allclose(g.biased_relu_kernel(W, np.zeros(5), V, np.zeros(3)), g.relu_kernel(W, V), rtol=1e-14,
                       atol=1e-16)
    assert np.allclose(g.biased_relu_kernel(W, 0.0), g.relu_kernel(W), rtol=1e-14, atol=1e-16)
    # symmetric in swapping (W, b) and (V, c); diagonal is E[relu(|w| Z + b)^2]
    b, c = rng.standard_normal(5), rng.standard_normal(3)
    assert np.allclose(g.biased_relu_kernel(V, c, W, b), g.biased_relu_kernel(W, b, V, c).T, rtol=1e-13,
                       atol=1e-16)
    s, bb = np.linalg.norm(W, axis=1), b
    # E[relu(s Z + b)^2] = (s^2 + b^2) Phi(b/s) + s b phi(b/s)
    diag = (s * s + bb * bb) * special.ndtr(bb / s) + s * bb * stats.norm.pdf(bb / s)
    assert np.allclose(np.diag(g.biased_relu_kernel(W, b)), diag, rtol=1e-12, atol=1e-16)
    # zero vectors: constants relu(b) times E[relu(<v,x> + c)]
    Z = np.zeros((2, 7))
    zb = np.array([0.7, -0.4])
    K = g.biased_relu_kernel(Z, zb, V, c)
    mean_v = g.relu_gaussian_mean(c, np.linalg.norm(V, axis=1))
    assert np.allclose(K, relu(zb)[:, None] * mean_v[None, :], rtol=1e-15, atol=0)
    assert np.allclose(g.biased_relu_kernel(Z, zb), np.outer(relu(zb), relu(zb)), rtol=1e-15, atol=0)
    # homogeneity: relu(t <w,x> + t b) = t relu(<w,x> + b)
    assert np.allclose(g.biased_relu_kernel(2 * W, 2 * b, 3 * V, 3 * c), 6 * g.biased_relu_kernel(W, b, V, c),
                       rtol=1e-12, atol=1e-15)


def test_biased_kernel_continuous_at_degenerate_correlation():
    # the closed form switches to exact 1-D formulas at |rho| > 1 - 1e-12: no jump there
    for sign in (1, -1):
        vals = []
        for theta in [1e-4, 1e-5, 1e-6, 1e-7, 0.0]:
            w, v = pair_at_angle(theta if sign > 0 else math.pi - theta, seed=3)
            vals.append(g.biased_relu_kernel(w, [0.4], v, [-0.2 if sign > 0 else 0.5])[0, 0])
        assert np.all(np.abs(np.diff(vals)) < 1e-4), vals
        assert abs(vals[-2] - vals[-1]) < 1e-6


def test_bivariate_normal_cdf_matches_scipy_and_quadrature():
    rng = np.random.default_rng(10)
    cases = [(0.3, -0.5, 0.4), (-1.0, -2.0, -0.9), (0.0, 0.0, 0.5), (2.0, 0.0, -0.3), (0.0, -1.0, 0.99),
             (1.5, 1.5, -0.99), (-0.2, 0.0, 0.0), (0.0, 0.0, -0.7)]
    cases += [tuple(x) for x in np.column_stack([rng.normal(0, 1.5, 6), rng.normal(0, 1.5, 6),
                                                 rng.uniform(-0.98, 0.98, 6)])]
    h, k, r = (np.array(t) for t in zip(*cases, strict=True))
    P = g.bivariate_normal_cdf(h, k, r)
    for hi, ki, ri, pi in zip(h, k, r, P, strict=True):
        ref = stats.multivariate_normal([0, 0], [[1, ri], [ri, 1]]).cdf([hi, ki])
        assert pi == pytest.approx(ref, abs=1e-7)          # scipy's own accuracy (Genz) is ~1e-8 here
        # exact oracle: P(X < h, Y < k) = int_{-oo}^{h} phi(x) Phi((k - rho x)/s) dx, adaptive quadrature
        s = math.sqrt(1 - ri * ri)
        def f(x, ri=ri, ki=ki, s=s):
            return stats.norm.pdf(x) * special.ndtr((ki - ri * x) / s)

        quad, _ = integrate.quad(f, -np.inf, hi, epsabs=1e-15, epsrel=1e-13)
        assert pi == pytest.approx(quad, abs=1e-14)


def test_relu_gaussian_mean():
    for m, s in [(0.3, 1.2), (-2.0, 0.5), (1.0, 0.0), (-1.0, 0.0), (0.0, 2.0)]:
        if s == 0:
            ref = max(m, 0.0)
        else:
            ref, _ = integrate.quad(lambda z, m=m, s=s: (m + s * z) * stats.norm.pdf(z), -m / s, np.inf,
                                    epsabs=1e-14)
        assert g.relu_gaussian_mean(m, s) == pytest.approx(ref, abs=1e-13)


# --------------------------------------------------------------------------- Hermite (DESIGN 2.5, 2.7)


def double_factorial(n):
    return math.prod(range(n, 0, -2)) if n > 0 else 1


def hermite_coefficient_by_quadrature(k, b=0.0):
    """E[relu(Z + b) h_k(Z)] by adaptive quadrature on (-b, oo), where the integrand is smooth."""
    def f(z):
        return (z + b) * special.eval_hermitenorm(k, z) / math.sqrt(math.factorial(k)) * stats.norm.pdf(z)

    return integrate.quad(f, -b, np.inf, epsabs=1e-14, epsrel=1e-13, limit=200)[0]


def test_relu_hermite_coefficients_closed_form():
    a = g.relu_hermite_coefficients(30)
    assert a[0] == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert a[1] == 0.5
    assert round(a[2], 5) == 0.28209 and round(a[4], 5) == -0.08143      # DESIGN 2.5
    assert np.all(a[3::2] == 0)                                          # odd k >= 3 vanish exactly
    for k in range(2, 31, 2):
        # a_k = (-1)^(k/2+1) (k-3)!! / sqrt(2 pi k!)
        ref = (-1) ** (k // 2 + 1) * double_factorial(k - 3) / math.sqrt(2 * math.pi * math.factorial(k))
        assert a[k] == pytest.approx(ref, rel=1e-12, abs=1e-300)
    assert np.allclose(a[:9], [hermite_coefficient_by_quadrature(k) for k in range(9)], rtol=0, atol=1e-10)


@pytest.mark.parametrize("b", [-1.3, 0.0, 0.7])
def test_biased_relu_hermite_coefficients_by_quadrature(b):
    # DESIGN 2.7: checked by quadrature at b = -1.3, 0, 0.7 to 1e-8 (adaptive quadrature handles the kink)
    c = g.biased_relu_hermite_coefficients(8, b)
    ref = [hermite_coefficient_by_quadrature(k, b) for k in range(9)]
    assert np.allclose(c, ref, rtol=0, atol=1e-10)
    assert c[0] == pytest.approx(stats.norm.pdf(b) + b * special.ndtr(b), rel=1e-15)
    assert c[1] == pytest.approx(special.ndtr(b), rel=1e-15)


def test_biased_coefficients_vectorized_over_b():
    bs = np.array([[-1.3, 0.0], [0.7, 2.0]])
    C = g.biased_relu_hermite_coefficients(6, bs)
    assert C.shape == (7, 2, 2)
    for i in range(2):
        for j in range(2):
            assert np.array_equal(C[:, i, j], g.biased_relu_hermite_coefficients(6, bs[i, j]))


def test_hermite_functions_orthonormal():
    z, w = g.gauss_hermite(60)                              # exact for degree < 120
    H = g.hermite_functions(20, z)
    assert np.allclose((H * w) @ H.T, np.eye(21), atol=1e-12)
    h4 = special.eval_hermitenorm(4, 0.7) / math.sqrt(24)
    assert g.hermite_functions(4, 0.7)[4] == pytest.approx(h4, rel=1e-14)


def test_hermite_coefficients_quadrature():
    # exact for polynomials: z^3 - 2 z = He_3 + He_1 = sqrt(6) h_3 + h_1
    c = g.hermite_coefficients(lambda z: z ** 3 - 2 * z, 5, nodes=20)
    assert np.allclose(c, [0, 1, 0, math.sqrt(6), 0, 0], atol=1e-13)
    # the ReLU's kink: Gauss–Hermite converges slowly, towards the closed form
    a = g.relu_hermite_coefficients(6)
    errs = [np.abs(g.hermite_coefficients(relu, 6, nodes=n) - a).max() for n in (50, 200, 800)]
    assert errs[0] > errs[1] > errs[2] and errs[1] < 2e-3, errs


def test_relu_hermite_residuals_match_design():
    L = [0, 1, 2, 4, 6, 10, 20]
    res = g.relu_hermite_residuals(L)
    assert np.array_equal(np.round(res, 4), [0.6817, 0.1817, 0.0225, 0.0093, 0.0053, 0.0026, 0.0009])
    # residual = 1 - 2 sum_{k <= L} a_k^2 (E[relu^2] = 1/2); decays like L^(-3/2)
    assert res[0] == pytest.approx(1 - 1 / math.pi, rel=1e-14)
    r = g.relu_hermite_residuals([100, 400, 1600])
    assert r[0] / r[1] == pytest.approx(8.0, rel=0.02) and r[1] / r[2] == pytest.approx(8.0, rel=0.01)
    assert np.all(np.diff(g.relu_hermite_residuals(np.arange(40))) <= 0)


# --------------------------------------------------------------------------- validation and memory


@pytest.mark.parametrize("call, exc, match", [
    (lambda: g.relu_kernel(np.full((2, 3), np.nan)), ValueError, "W must contain only finite"),
    (lambda: g.relu_kernel([[1.0, np.inf]]), ValueError, "W must contain only finite"),
    (lambda: g.relu_kernel("abc"), TypeError, "W must be a real 2-D array"),
    (lambda: g.relu_kernel(np.ones((2, 2, 2))), ValueError, r"W must be a 2-D array .* shape \(2, 2, 2\)"),
    (lambda: g.relu_kernel(np.ones((2, 3)), np.ones((2, 4))), ValueError, r"V must have d=3 columns.*2, 4"),
    (lambda: g.relu_kernel(np.ones((2, 3)), [[np.nan] * 3]), ValueError, "V must contain only finite"),
    (lambda: g.relu_kernel_grad([1.0, 2.0], [1.0]), ValueError, "v must have d=2 columns"),
    (lambda: g.relu_kernel_grad([np.nan, 2.0], [1.0, 0.0]), ValueError, "w must contain only finite"),
    (lambda: g.biased_relu_kernel(np.ones((3, 2)), [0.0, 1.0]), ValueError, r"b must have shape \(3,\)"),
    (lambda: g.biased_relu_kernel(np.ones((3, 2)), [0, np.nan, 1]), ValueError, "b must contain only finite"),
    (lambda: g.biased_relu_kernel(np.ones((3, 2)), 0.0, np.ones((2, 2)), [1.0]), ValueError,
     r"c must have shape \(2,\)"),
    (lambda: g.biased_relu_kernel(np.ones((3, 2)), 0.0, np.ones((2, 5))), ValueError, "V must have d=2"),
    (lambda: g.biased_relu_kernel(np.ones((3, 2)), "b"), TypeError, "b must be a real vector"),
    (lambda: g.relu_hermite_coefficients(-1), ValueError, "kmax must be a non-negative integer, got -1"),
    (lambda: g.relu_hermite_coefficients(2.5), TypeError, "kmax must be a non-negative integer, got 2.5"),
    (lambda: g.biased_relu_hermite_coefficients(3, np.nan), ValueError, "b must be finite"),
    (lambda: g.hermite_coefficients(3.0, 4), TypeError, "f must be a callable"),
    (lambda: g.hermite_coefficients(relu, -2), ValueError, "kmax must be a non-negative integer, got -2"),
    (lambda: g.hermite_coefficients(relu, 4, nodes=0), ValueError, "nodes must be a positive integer, got 0"),
    (lambda: g.hermite_coefficients(relu, 4, nodes=10.5), TypeError, "nodes must be a non-negative integer"),
    (lambda: g.relu_kernel_series(1.5), ValueError, r"rho must be a correlation in \[-1, 1\]"),
    (lambda: g.relu_kernel_series(np.nan), ValueError, "rho must be a correlation"),
    (lambda: g.relu_kernel_series(0.3, kmax=-1), ValueError, "kmax must be a non-negative integer"),
    (lambda: g.relu_hermite_residuals([2, -1]), ValueError, r"degrees must be non-negative integers, got"),
    (lambda: g.relu_hermite_residuals([1.5]), ValueError, "degrees must be non-negative integers"),
])
def test_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_kernel_refused_before_it_would_exhaust_memory():
    # a 200000 x 200000 kernel needs ~1.2 TB: refused up front, naming the size
    W = np.ones((200_000, 3))
    with pytest.raises(MemoryError, match=r"200000 x 200000 kernel matrix needs about \d+\.\d GiB"):
        g.relu_kernel(W)
    with pytest.raises(MemoryError, match=r"biased kernel matrix needs about"):
        g.biased_relu_kernel(W, 0.0)


def test_abs_kernel_is_the_even_part_of_a_sign_symmetric_pair():
    # |z| = relu(z) + relu(-z): E|v.x||w.x| = 2 (kappa(v, w) + kappa(v, -w)), by the arc-cosine kernel
    V = np.random.default_rng(3).standard_normal((30, 7)) * np.linspace(0.2, 3.0, 30)[:, None]
    E = g.abs_kernel_torch(torch.as_tensor(V)).numpy()
    ref = 2.0 * (g.relu_kernel(V) + g.relu_kernel(V, -V))
    assert np.allclose(E, ref, rtol=1e-12, atol=1e-14)
    # the diagonal is set from the norms, so no arcsin rounding near cos = 1 (last-bit rounding only)
    assert np.allclose(np.diag(E), (V ** 2).sum(1), rtol=4e-16, atol=0)
