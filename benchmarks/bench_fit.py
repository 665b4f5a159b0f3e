"""Cost of the exact random-features fit against the naive ways, measured in one run.

(i)   The nested error-vs-width curve from one factorization of a pool of 4000 features (DESIGN
      2.3) against re-solving each of 20 widths separately (its own Gram matrix and Cholesky), for
      log-spaced and evenly spaced widths, and the projected cost of all 4000 widths separately.
(ii)  The exact population error (DESIGN 2.2) against a sampled least-squares estimate of equal
      precision: enough training samples that the excess error of the fitted weights (about
      r / n times the error) is below 1% of it, and enough test samples that the test-set
      standard error is 1% of it (sized from a pilot run).
(iii) Gram-build and Cholesky throughput as a fraction of this machine's float64 matrix-multiply
      rate, measured in the same run (DESIGN 3 quotes Cholesky at 70% of it on 2 cores).
(iv)  The magnitude budget on the tour's default pool (4096 sign-symmetric features, d = 40, unit
      ReLU target): kernel-side time of ``NestedFit.fit(width, magnitude=M)`` for a budget move (one
      step of the tour's budget slider, x 10^0.05) and a width move under a budget (5 %), at widths
      256 .. 4096, each move warm-started from the previous one as the tour makes them; against
      the solver this replaced (FISTA on the dense Gram matrix with periodic active-set steps,
      copied below, called as the tour called it), which is capped at ``--old-cap`` seconds a call.

(v)   The tour's budget fit in slices, kernel side: a headless ``TourDashboard`` with the on-screen slice
      (``BUDGET_SLICE``) makes budget moves (x 10^0.05) and width moves (-5 %) under a budget at
      widths 256 .. 4096; for each move the time until ``set_config`` returns (the page's answer,
      the fit's first slice), the longest later slice, the slices and the time until the number is
      final, and whether that final number has the bits of one uninterrupted fit.

(vi)  The biased Gram matrix (feature biases ``b ~ N(0, 1)``, the tour's "feature biases" box): ``gram_matrix``
      (Price's-theorem quadrature in torch; for sign-symmetric pools the half pool's kernel and the pair
      identity) against the way it was built before (the Owen's T closed form on every entry of the whole
      pool, copied below), on the tour's pool (4096 sign-symmetric features, d = 40), an i.i.d. one and a
      d = 2 one (most correlations near +-1), with the largest difference in units of the stated absolute
      precision ``2e-15 (1 + |b_i|)(1 + |b_j|)``; and the whole factorization (``fit_nested``) of the tour's pool.

Ratios, not absolute times, are the point: they compare methods on the same machine and load.
Usage: ``python benchmarks/bench_fit.py [--quick] [--device cuda] [--only budget|slices|gram] [--old-cap 60]``.
Not a test: it prints tables.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

import rfexplore as rf
from rfexplore.fit import gram_matrix
from rfexplore.targets import ReluTarget


def best_time(fn, repeat=3):
    """Smallest wall time of ``repeat`` calls (the least disturbed by other load), and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        out = fn()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def nested_vs_separate(d, R, device, repeat):
    print(f"\n(i) error-vs-width curve, pool of {R} features, d = {d} (sphere, unit ReLU target)")
    pool = rf.sample_features(d, R, seed=0)
    t_nested, nested = best_time(lambda: rf.fit_nested(pool, device=device), repeat)
    curve = nested.relative_errors()
    print(f"{'widths':<30} {'nested (s)':>11} {'separate (s)':>13} {'ratio':>8} {'max |diff|':>11}")
    for name, widths in [("20 log-spaced, 20..R", np.unique(np.geomspace(20, R, 20).round().astype(int))),
                         ("20 evenly spaced, R/20..R", np.linspace(R // 20, R, 20).astype(int))]:
        per_width = {}

        def separate(widths=widths, per_width=per_width):
            errs = []
            for m in widths:
                t0 = time.perf_counter()
                errs.append(rf.fit_population(pool.head(int(m)), device=device).relative_error)
                sync()
                per_width[int(m)] = time.perf_counter() - t0
            return np.array(errs)

        t_sep, errs = best_time(separate, 1)
        diff = np.abs(errs - curve[widths - 1]).max()
        print(f"{name:<30} {t_nested:>11.3f} {t_sep:>13.3f} {t_sep / t_nested:>7.1f}x {diff:>11.1e}")
    # every width 1..R separately: fit t(m) = a + b m^2 + c m^3 on the measured widths and sum
    ms = np.array(sorted(per_width))
    ts = np.array([per_width[m] for m in ms])
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(ms), ms ** 2.0, ms ** 3.0]), ts, rcond=None)
    coef = np.maximum(coef, 0.0)
    allm = np.arange(1, R + 1.0)
    t_all = float(coef[0] * R + coef[1] * (allm ** 2).sum() + coef[2] * (allm ** 3).sum())
    print(f"{'all ' + str(R) + ' widths (projected)':<30} {t_nested:>11.3f} {t_all:>13.1f} "
          f"{t_all / t_nested:>7.0f}x {'':>11}")


def exact_vs_sampled(d, r, device, rel_precision=0.01, seed=0):
    print(f"\n(ii) one fit, d = {d}, r = {r}: exact population error vs sampled least squares "
          f"at {rel_precision:.0%} relative precision")
    pool = rf.sample_features(d, r, seed=seed)
    t_exact, fit = best_time(lambda: rf.fit_population(pool, device=device), 3)
    exact = fit.relative_error
    # pilot: spread of the squared residual of the exact weights, to size the test set
    X = np.random.default_rng(12345).standard_normal((50_000, d))
    res2 = (pool.evaluate(X) @ fit.weights - rf.ReluTarget()(X)) ** 2 / 0.5
    n_test = int(math.ceil((res2.std() / (rel_precision * exact)) ** 2))
    n = int(math.ceil(1.5 * r / rel_precision))           # excess ~ (1.2-1.5) r/n of the error
    t_sampled, s = best_time(lambda: rf.fit_samples(pool, n=n, n_test=n_test, seed=seed, device=device), 1)
    print(f"{'method':<34} {'time (s)':>10} {'relative error':>15} {'vs exact':>10}")
    print(f"{'exact (Gram, Cholesky, solve)':<34} {t_exact:>10.3f} {exact:>15.6f} {'':>10}")
    print(f"{f'sampled, n = {n}, n_test = {n_test}':<34} {t_sampled:>10.3f} {s.test_relative_error:>15.6f} "
          f"{s.test_relative_error / exact - 1:>+9.2%}")
    print(f"{'ratio (sampled / exact)':<34} {t_sampled / t_exact:>9.0f}x")


def throughput(d, R, device, repeat):
    dev = torch.device(device or "cpu")
    print(f"\n(iii) throughput, R = {R}, d = {d}, float64 on {dev} ({torch.get_num_threads()} threads)")
    A = torch.randn(R, R, dtype=torch.float64, device=dev)
    B = torch.randn(R, R, dtype=torch.float64, device=dev)
    t_mm, _ = best_time(lambda: A @ B, repeat)
    mm = 2.0 * R ** 3 / t_mm / 1e9
    pool = rf.sample_features(d, R, seed=1)
    t_gram, K = best_time(lambda: gram_matrix(pool, device=device), repeat)
    K = K + 1e-10 * float(K.diagonal().mean()) * torch.eye(R, dtype=K.dtype, device=dev)
    t_chol, L = best_time(lambda: torch.linalg.cholesky(K), repeat)
    k = torch.randn(R, dtype=torch.float64, device=dev)
    t_tri, _ = best_time(lambda: torch.linalg.solve_triangular(L, k[:, None], upper=False), repeat)
    small = rf.sample_features(d, R // 4, bias_std=1.0, seed=1)
    t_bgram, _ = best_time(lambda: gram_matrix(small, device=device), 1)
    rows = [
        ("matrix multiply R x R x R", t_mm, 2.0 * R ** 3, None, "2 R^3"),
        ("Cholesky of the Gram matrix", t_chol, R ** 3 / 3.0, None, "R^3 / 3"),
        ("Gram build, ReLU kernel (torch)", t_gram, 2.0 * R * R * d, R * R, "2 R^2 d (inner products only)"),
        ("forward substitution L^-1 k", t_tri, 1.0 * R * R, None, "R^2"),
        (f"Gram build, biased (numpy), R/4 = {R // 4}", t_bgram, 2.0 * (R // 4) ** 2 * d, (R // 4) ** 2,
         "2 (R/4)^2 d"),
    ]
    print(f"{'operation':<40} {'time (s)':>9} {'GFLOP/s':>9} {'of matmul':>10} {'entries/s':>10}  flop model")
    for name, t, flops, n_entries, model in rows:
        rate = flops / t / 1e9
        entries = "" if n_entries is None else f"{n_entries / t:10.2e}"
        print(f"{name:<40} {t:>9.3f} {rate:>9.1f} {rate / mm:>9.0%} {entries:>10}  {model}")
    print("(the Gram build is elementwise work on R^2 entries: its rate is bounded by memory traffic and "
          "arccos/sqrt, not by the inner products)")


# --------------------------------------------------------------------------- (iv) the budget


def old_box_qp(K, k, bound, u0, cap_seconds, tol=1e-10, max_iter=20000):
    """The solver before the even/odd one (rfexplore 292ad2e, ``fit.solve_box_qp``), verbatim but for
    a wall-time cap; returns ``(u, finished)``."""
    t0 = time.perf_counter()
    m = K.shape[0]
    v = torch.ones(m, dtype=K.dtype, device=K.device) / math.sqrt(m)
    for _ in range(30):
        v = K @ v
        v = v / v.norm().clamp_min(1e-300)
    lip = 2.0 * float(v @ (K @ v)) * 1.05 + 1e-300
    u = torch.as_tensor(u0, dtype=K.dtype, device=K.device).clamp(-bound, bound)
    y, t = u.clone(), 1.0
    for it in range(1, max_iter + 1):
        if time.perf_counter() - t0 > cap_seconds:
            return u, False
        u_new = (y - 2.0 * (K @ y - k) / lip).clamp(-bound, bound)
        if float((u_new - y).abs().max()) < tol * bound:
            return u_new, True
        if float((y - u_new) @ (u_new - u)) > 0:
            t_new, beta = 1.0, 0.0
        else:
            t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            beta = (t - 1.0) / t_new
        y = u_new + beta * (u_new - u)
        u, t = u_new, t_new
        if it % 50 == 0:
            c = _old_active_set(K, k, bound, u)
            if c is not None:
                if _old_is_kkt(K, k, bound, c, tol):
                    return c, True
                if _obj(K, k, c) < _obj(K, k, u):
                    u, y, t = c, c.clone(), 1.0
    return u, True


def _obj(K, k, u):
    return float(u @ (K @ u) - 2.0 * (k @ u))


def _old_active_set(K, k, bound, u):
    active = u.abs() >= bound * (1.0 - 1e-9)
    free = ~active
    c = torch.sign(u) * bound * active
    if bool(free.any()):
        A = K[free][:, free].clone()
        A.diagonal().add_(1e-13 * float(A.diagonal().mean()))
        L, info = torch.linalg.cholesky_ex(A)
        if int(info) != 0:
            return None
        c[free] = torch.cholesky_solve((k[free] - K[free][:, active] @ c[active])[:, None], L)[:, 0]
    return c.clamp(-bound, bound) if bool(torch.isfinite(c).all()) else None


def _old_is_kkt(K, k, bound, u, rtol):
    g = 2.0 * (K @ u - k)
    tol = rtol * 2.0 * (float(K.diagonal().max()) * float(u.abs().sum()) + float(k.abs().max()))
    upper, lower = u >= bound * (1.0 - 1e-9), u <= -bound * (1.0 - 1e-9)
    free = ~(upper | lower)
    return bool((g[free].abs() <= tol).all() and (g[upper] <= tol).all() and (g[lower] >= -tol).all())


def budget_moves(widths, pool_size, device, old_cap, old_moves, M0=10.0, steps=4):
    print(f"\n(iv) budget moves, tour's default pool: {pool_size} sign-symmetric features, d = 40, unit ReLU "
          f"target, budget M = {M0:g} ({torch.get_num_threads()} threads; load average "
          f"{open('/proc/loadavg').read().split()[0]} at the start)")
    pool = rf.sample_features(40, pool_size, symmetric=True, seed=0)
    target = ReluTarget(norm=1.0)
    K_all = None
    # calibration, to compare runs under different load: one (2048 x 2048) float64 matrix-vector
    # product, and one elementwise operation on 2048 numbers (the solver's two kinds of work)
    mat = torch.randn(2048, 2048, dtype=torch.float64, device=device)
    x = torch.randn(2048, dtype=torch.float64, device=device)
    t_mv, _ = best_time(lambda: [mat @ x for _ in range(20)], 3)
    t_op, _ = best_time(lambda: [x + x for _ in range(200)], 3)
    print(f"calibration: matvec 2048 {1e3 * t_mv / 20:.2f} ms, elementwise op {1e6 * t_op / 200:.1f} us")
    print(f"{'width':>6} {'move':<22} {'n':>3} {'median ms':>10} {'max ms':>9} {'iters':>6} {'KKT max':>8} "
          f"{'conv':>5} {'old ms':>10} {'old/new':>8} {'|err - old|':>11}")
    for m in widths:
        nested = rf.fit_nested(pool, target, device=device)
        t0 = time.perf_counter()
        first = nested.fit(m, magnitude=M0)
        t_first = time.perf_counter() - t0
        print(f"{m:>6} {'first tick (cold)':<22} {1:>3} {1e3 * t_first:>10.0f} {1e3 * t_first:>9.0f} "
              f"{first.iterations:>6} "
              f"{first.kkt_residual:>8.0e} {str(first.converged):>5}")
        budgets = [M0 * 10 ** (0.05 * j) for j in list(range(1, steps + 1)) + list(range(steps - 1, -1, -1))]
        down = [round(m * 0.95 ** j) for j in range(1, steps + 1)]
        moves = {"budget x10^+-0.05": [(m, M) for M in budgets],
                 "width -+5 % (budget on)": [(w, M0) for w in down + down[-2::-1] + [m]]}
        for name, seq in moves.items():
            times, iters, kkts, convs, fits = [], [], [], [], []
            for w, M in seq:
                sync()
                t0 = time.perf_counter()
                f = nested.fit(w, magnitude=M)
                sync()
                times.append(time.perf_counter() - t0)
                kkts.append(f.kkt_residual)
                iters.append(f.iterations)
                convs.append(f.converged)
                fits.append((w, M, f))
            # the old solver on the first moves of the same sequence, called as the tour called it:
            # the dense Gram matrix (built once for the whole pool beforehand, as the old code cached it)
            # and the clipped best weights as its start
            if K_all is None:
                K_all = gram_matrix(pool, device=device)
            old_t, old_done, diffs = [], True, []
            for w, M, f in fits[:old_moves]:
                u_free = nested.weights(w)
                t0 = time.perf_counter()
                u_old, done = old_box_qp(K_all[:w, :w], nested.k[:w], M / w, u_free, old_cap)
                old_t.append(time.perf_counter() - t0)
                old_done &= done
                err_old = (_obj(K_all[:w, :w], nested.k[:w], u_old) + nested.kss) / nested.kss
                diffs.append(abs(err_old - f.relative_error))
            med = float(np.median(times))
            old_ms = float(np.mean(old_t)) * 1e3
            old_txt = f"{old_ms:.0f}" if old_done else f">{old_ms:.0f}"
            print(f"{'':>6} {name:<22} {len(seq):>3} {1e3 * med:>10.1f} {1e3 * max(times):>9.1f} "
                  f"{float(np.median(iters)):>6.0f} {max(kkts):>8.0e} {str(all(convs)):>5} {old_txt:>10} "
                  f"{old_ms / (1e3 * float(np.mean(times[:old_moves]))):>7.0f}x {max(diffs):>11.1e}")
    print("(median and max over the moves of one sequence, each warm-started from the one before; 'old': the "
          f"first {old_moves} move(s) of the sequence, '>' where it hit the {old_cap:g} s cap; |err - old|: "
          "relative errors of the two solvers)")


def sliced_moves(widths, pool_size, M0=10.0):
    from rfexplore.dashboards import TourConfig, TourDashboard
    from rfexplore.dashboards.tour import BUDGET_SLICE
    from rfexplore.experiments import Cache, tour_point

    print(f"\n(v) the tour's budget fit in slices of {BUDGET_SLICE:g} s (headless TourDashboard, pool {pool_size}, "
          f"d = 40, budget from M = {M0:g}; {torch.get_num_threads()} threads, load average "
          f"{open('/proc/loadavg').read().split()[0]})")
    print(f"{'width':>6} {'move':<26} {'answer ms':>10} {'max slice ms':>13} {'slices':>7} {'final s':>8} "
          f"{'steps':>6} {'= one call':>11}")
    for m in widths:
        dash = TourDashboard(TourConfig(width=m), pool_size=pool_size, headless=True, budget_seconds=BUDGET_SLICE)
        dash.result.curve.nested._factor.even_gram()           # once per pool (the first budget fit computes it)
        w1, w2 = round(m * 0.95), round(m * 0.95 ** 2)
        moves = [("budget on, M = 10", dict(magnitude=M0)), ("budget x10^0.05", dict(magnitude=M0 * 10 ** 0.05)),
                 ("budget x10^0.05", dict(magnitude=M0 * 10 ** 0.1)),
                 ("budget /10^0.05 (seen)", dict(magnitude=M0 * 10 ** 0.05)),
                 (f"width -5 % ({w1})", dict(width=w1)), (f"width -5 % ({w2})", dict(width=w2))]
        for name, change in moves:
            t0 = time.perf_counter()
            dash.set_config(**change)
            answer = time.perf_counter() - t0
            slices = []
            while dash.pending:
                t1 = time.perf_counter()
                dash.finish(max_slices=1)
                slices.append(time.perf_counter() - t1)
            total = answer + sum(slices)
            c, fit = dash.config, dash.result.point.constrained
            one = tour_point(dash.result.curve, c.width, c.magnitude, cache=Cache()).constrained
            same = bool(np.array_equal(one.weights, fit.weights)) and one.relative_error == fit.relative_error
            steps = fit.iterations if not slices else "-"
            print(f"{m:>6} {name:<26} {1e3 * answer:>10.0f} {1e3 * max(slices, default=0.0):>13.0f} "
                  f"{len(slices) + 1:>7} {total:>8.2f} {steps!s:>6} {str(same):>11}")
    print("(answer: set_config's time, the page's wait; later slices run between the page's events; 'final s': "
          "answer plus every slice; '= one call': the final fit has the bits of tour_point without a time limit)")


# --------------------------------------------------------------------------- (vi) the biased Gram matrix


def old_biased_gram(pool):
    """The biased Gram matrix as ``gram_matrix`` built it before: the Owen's T closed form on all R^2 entries."""
    from rfexplore.gaussian import _truncated_product_moment, pair_angles
    n, _, rho, _, _ = pair_angles(torch.as_tensor(pool.W), torch.as_tensor(pool.W))
    n, rho = n.numpy(), rho.numpy()
    a = pool.b / n
    return _truncated_product_moment(a[:, None], a[None, :], rho, scale=n[:, None] * n[None, :], precise=False)


def biased_gram(quick):
    R = 1024 if quick else 4096
    print(f"\n(vi) biased Gram matrix, b ~ N(0, 1), sphere weights ({torch.get_num_threads()} threads)")
    print(f"{'pool':<40} {'old (s)':>9} {'new (s)':>9} {'ratio':>7} {'max diff / tol':>15}")
    for name, pool in [(f"tour's: {R} sign-symmetric, d = 40", rf.sample_features(40, R, symmetric=True,
                                                                                   bias_std=1.0, seed=0)),
                       (f"{R} i.i.d., d = 40", rf.sample_features(40, R, bias_std=1.0, seed=0)),
                       (f"{R // 2} i.i.d., d = 2", rf.sample_features(2, R // 2, bias_std=1.0, seed=0))]:
        t_old, K_old = best_time(lambda pool=pool: old_biased_gram(pool), 1)
        t_new, K_new = best_time(lambda pool=pool: gram_matrix(pool), 1)
        s = 1.0 + np.abs(pool.b)
        diff = float(np.max(np.abs(K_new.numpy() - K_old) / np.outer(s, s))) / 2e-15
        print(f"{name:<40} {t_old:>9.2f} {t_new:>9.2f} {t_old / t_new:>6.1f}x {diff:>15.2f}")
    pool = rf.sample_features(40, R, symmetric=True, bias_std=1.0, seed=0)
    t_fit, _ = best_time(lambda: rf.fit_nested(pool, ReluTarget()), 1)
    print(f"{'fit_nested of the tour pool (Gram + Cholesky)':<40} {'':>9} {t_fit:>9.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller pools (a smoke run)")
    ap.add_argument("--device", default=None, help="torch device, e.g. cuda (default: cpu)")
    ap.add_argument("--only", choices=["budget", "slices", "gram"], default=None,
                    help="run only section (iv) (budget), (v) (slices) or (vi) (gram)")
    ap.add_argument("--old-cap", type=float, default=60.0, help="seconds allowed to the old budget solver a call")
    ap.add_argument("--old-moves", type=int, default=1, help="moves of each sequence timed with the old solver")
    args = ap.parse_args()
    R = 1000 if args.quick else 4000
    repeat = 1 if args.quick else 3
    print(f"rfexplore {rf.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.only is None:
        nested_vs_separate(20, R, args.device, repeat)
        exact_vs_sampled(20, 100 if args.quick else 200, args.device)
        throughput(50, R, args.device, repeat)
    if args.only in (None, "gram"):
        biased_gram(args.quick)
    if args.only == "gram":
        return
    widths = [256, 1024] if args.quick else [256, 1024, 2048, 3000, 4096]
    if args.only != "slices":
        budget_moves(widths, 4096, args.device, args.old_cap, args.old_moves)
    if args.only != "budget":
        sliced_moves(widths, 4096)


if __name__ == "__main__":
    main()
