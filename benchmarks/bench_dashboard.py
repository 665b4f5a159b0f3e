"""Responsiveness of the headline dashboard: time from a control change to updated figure data.

For each kind of change (width, magnitude budget, d) it prints the median and 95th percentile over
many changes, and the naive way in the same run: for a width move, re-fitting the RF model from
scratch at the new width (dense Gram matrix, Cholesky, solve) instead of reading the nested curve
of one factorization; for a change of d, the dense factorization of the whole pool (Gram matrix
and Cholesky) instead of the even/odd split of a sign-symmetric pool (``fit._PairedFactor``).

Targets (DESIGN / issue 4, 2-core machine, default settings): width move < 50 ms median,
magnitude move < 100 ms median; a change of d (a new factorization of the whole pool) < 0.5 s
at pool size 4000; a width move of a headless tour (no figures drawn) < 20 ms.

The toggles that need a new pool's factorization (issue 13: nothing blocks the kernel for more than a
second): ticking "feature biases", unticking "sign-symmetric pairs", and the zig-zag target (the same pool,
new cross-moments). For each: the longest single block of kernel time (the control change itself, then
every slice ``Explorer.finish(max_slices=1)`` runs, as the event loop runs them) and the total time to the
final picture, on a dashboard that slices (``factor_seconds = FACTOR_SLICE``) against one that computes at
once (``factor_seconds=None``) in the same run; the first toggle of the process is reported apart (one-time
warm-up).

Usage: ``python benchmarks/bench_dashboard.py [--quick] [--toggles]`` (``--toggles``: only that table).
Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from rfexplore import ReluTarget, fit_nested, sample_features
from rfexplore.dashboards import Progress, TourConfig, TourDashboard
from rfexplore.experiments import CACHE
from rfexplore.gaussian import relu_kernel_torch


def naive_fit(pool):
    """The textbook way: the dense Gram matrix of the pool, its Cholesky (jitter 1e-10), a solve."""
    target = ReluTarget()
    W = torch.as_tensor(pool.W)
    K = relu_kernel_torch(W)
    K.diagonal().add_(1e-10 * float(K.diagonal().mean()))
    L = torch.linalg.cholesky(K)
    k = torch.as_tensor(target.cross_moments(pool.W, None))
    return torch.cholesky_solve(k[:, None], L)[:, 0]


def _forget(*names):
    for key in CACHE.keys():
        if key[0] in names:
            CACHE.pop(key)


def timed(fn, values):
    out = []
    for v in values:
        t0 = time.perf_counter()
        fn(v)
        out.append(time.perf_counter() - t0)
    return np.array(out)


def row(name, times, naive=None):
    med, p95 = statistics.median(times) * 1e3, float(np.percentile(times, 95)) * 1e3
    ratio = "" if naive is None else f"{statistics.median(naive) / statistics.median(times):10.1f}x"
    nv = "" if naive is None else f"{statistics.median(naive) * 1e3:10.1f}"
    print(f"{name:<44} {len(times):>4} {med:>10.1f} {p95:>10.1f} {nv:>10} {ratio:>11}")


TOGGLES = (("tick feature biases", {"biases": True}), ("untick sign-symmetric pairs", {"symmetric": False}),
           ("target: zig-zag", {"target": "periodic"}))


def _toggle(dash, change):
    """Kernel blocks of one control change until its final picture: the change, then one per slice."""
    blocks = []
    t0 = time.perf_counter()
    dash.set_config(**change)
    blocks.append(time.perf_counter() - t0)
    while dash.pending:
        t0 = time.perf_counter()
        dash.finish(max_slices=1)
        blocks.append(time.perf_counter() - t0)
    return blocks


def toggles(pool, repeat):
    from rfexplore.dashboards.tour import FACTOR_SLICE

    print(f"\ntoggles at pool {pool} (new factorization each time; sliced: {FACTOR_SLICE:g} s slices)")
    print(f"{'toggle':<30} {'way':<9} {'runs':>4} {'longest block s':>16} {'total s':>9} {'slices':>7}   first run: "
          "longest / total")
    sliced = TourDashboard(TourConfig(), pool_size=pool, static=False)
    whole = TourDashboard(TourConfig(), pool_size=pool, static=False, factor_seconds=None)
    for name, change in TOGGLES:
        out = {"sliced": [], "one-shot": []}
        for _ in range(repeat):
            for way, dash in (("sliced", sliced), ("one-shot", whole)):
                _forget("tour_pool", "tour_curve")
                dash.set_config(TourConfig())              # back at the default (its own factorization, not timed)
                dash.finish()
                if "target" in change:
                    _forget("tour_curve")                  # the zig-zag's curve anew, on the cached pool
                out[way].append(_toggle(dash, change))
        for way, runs in out.items():
            longest = [max(b) for b in runs]
            total = [sum(b) for b in runs]
            rest = runs[1:] or runs
            print(f"{name:<30} {way:<9} {len(rest):>4} {statistics.median([max(b) for b in rest]):>16.3f} "
                  f"{statistics.median([sum(b) for b in rest]):>9.3f} {statistics.median([len(b) for b in rest]):>7.0f}"
                  f"   {longest[0]:.3f} / {total[0]:.3f}")
    print("(total: kernel time only; on a page each slice also waits REFINE_PAUSE = 10 ms for the page's messages)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer changes, smaller pool")
    ap.add_argument("--toggles", action="store_true", help="only the toggles' table")
    args = ap.parse_args()
    pool = 1024 if args.quick else 4096
    n = 15 if args.quick else 60
    if args.toggles:
        t0 = time.perf_counter()
        TourDashboard(TourConfig(), pool_size=pool, static=False)
        print(f"dashboard built in {time.perf_counter() - t0:.2f} s (pool of {pool} features)")
        toggles(pool, 2 if args.quick else 4)
        return
    rng = np.random.default_rng(0)

    t0 = time.perf_counter()
    dash = TourDashboard(TourConfig(), pool_size=pool, static=False)
    print(f"dashboard built in {time.perf_counter() - t0:.2f} s (pool of {pool} features, d = {dash.config.d})\n")
    print(f"{'change':<44} {'n':>4} {'median ms':>10} {'p95 ms':>10} {'naive ms':>10} {'speed-up':>11}")

    default_width = dash.config.width
    widths = np.unique(np.round(np.logspace(1, np.log10(pool), 4 * n)).astype(int))
    widths = rng.permutation(widths)[:n]
    w_times = timed(lambda w: dash.set_config(width=int(w)), widths)
    row("width move (default settings)", w_times)
    some = widths[: max(3, n // 6)]
    nested = dash.result.curve.nested
    pool_feats = nested.pool
    row("  of which the fit (read off the nested curve)", timed(lambda w: nested.fit(int(w)), some),
        timed(lambda w: naive_fit(pool_feats.head(int(w))), some))

    big = [w for w in widths if w >= pool // 4][: max(3, n // 3)]
    row(f"width move, widths {pool // 4}..{pool}", timed(lambda w: dash.set_config(width=int(w)), big))
    row("  of which the fit (read off the nested curve)", timed(lambda w: nested.fit(int(w)), big[:3]),
        timed(lambda w: naive_fit(pool_feats.head(int(w))), big[:3]))

    dash.set_config(width=default_width)
    budgets = rng.uniform(0, 3, n)
    m_times = timed(lambda b: dash.set_config(magnitude=float(10 ** b)), budgets)
    row(f"magnitude move (width {default_width})", m_times)
    dash.set_config(magnitude=None)

    ds = rng.permutation([d for d in range(20, 81, 5)])[: max(3, n // 10)]

    def new_d(d):
        _forget("tour_pool", "tour_curve")       # every d factorized afresh (the cache would recall a d seen)
        dash.set_config(d=int(d))

    d_times = timed(new_d, ds)
    row(f"d change (new factorization of {pool} features)", d_times)
    pools = [sample_features(int(d), pool, symmetric=True, seed=0) for d in ds[:3]]
    row("  of which the factorization (fit_nested)", timed(fit_nested, pools), timed(naive_fit, pools))

    dash.set_config(d=TourConfig().d)

    def play(_):
        _forget("tour_training")        # train both models afresh, as after any change of settings
        dash.progress = Progress()
        dash.reset()
        dash.run()

    row(f"Play to the end ({dash.config.steps} steps, both models)", timed(play, range(3)))
    ticks = timed(lambda s: setattr(dash.play, "value", int(s)), np.arange(1, dash.config.steps, 7))
    row("one animation frame (play.value += 7)", ticks)

    dash.reset()
    head = TourDashboard(TourConfig(), pool_size=pool, headless=True)
    row("headless tour: width move (no figures drawn)", timed(lambda w: head.set_config(width=int(w)), widths))

    print("\n(naive: for a width, the dense Gram + Cholesky + solve at that width; for a d, the dense Gram "
          f"+ Cholesky of all {pool} features)")
    toggles(pool, 2 if args.quick else 4)


if __name__ == "__main__":
    main()
