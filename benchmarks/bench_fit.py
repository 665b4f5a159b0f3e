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

Ratios, not absolute times, are the point: they compare methods on the same machine and load.
Usage: ``python benchmarks/bench_fit.py [--quick] [--device cuda]``. Not a test: it prints tables.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

import rfexplore as rf
from rfexplore.fit import gram_matrix


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pool of 1000 instead of 4000 (a smoke run)")
    ap.add_argument("--device", default=None, help="torch device, e.g. cuda (default: cpu)")
    args = ap.parse_args()
    R = 1000 if args.quick else 4000
    repeat = 1 if args.quick else 3
    print(f"rfexplore {rf.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    nested_vs_separate(20, R, args.device, repeat)
    exact_vs_sampled(20, 100 if args.quick else 200, args.device)
    throughput(50, R, args.device, repeat)


if __name__ == "__main__":
    main()
