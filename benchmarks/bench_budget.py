"""Cost of ``budget_needed`` in the tour's budget cell (notebook 00, "the smallest budget M = r·max|u_i| reaching
relative error 0.7 at width 300"), the safeguarded Newton search against plain bisection, measured in one run.

The cell's 24 searches: targets unit and offset neuron (c = 1.25), seeds 0-2, d = 5, 10, 20, 40, width 300
of a sign-symmetric pool of 300 (``tour_curve(d, pool_size=300, ...)``), eps = 0.7, rtol = 5e-3. For each
search and method: the budget fits it made (``NestedFit.fit`` with a magnitude; the plain fits at ``low`` and
``high`` included) and its seconds (the smallest of ``--repeat`` runs, the least disturbed by other load);
their ratio; the two thresholds' relative difference (both are within rtol of the threshold, so it is at most
rtol) and whether their brackets overlap (both hold the threshold). Then the whole cell (its pools from a
fresh cache, then the 24 searches) once per method, wall and CPU seconds.

One torch thread by default, as a pooled Voila kernel of the app runs (``.ci/app/voila.py``). Ratios, not
absolute times, are the point: they compare the methods on the same machine and load.
Usage: ``python benchmarks/bench_budget.py [--repeat 3] [--threads 1]``. Not a test: it prints tables.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from rfexplore.experiments import Cache, budget_needed, tour_curve
from rfexplore.fit import NestedFit

DS, SEEDS, TARGETS, WIDTH, EPS, RTOL = (5, 10, 20, 40), (0, 1, 2), ("offset", "unit"), 300, 0.7, 5e-3
METHODS = ("bisect", "newton")


def counted_search(nested, method):
    """``(result, budget fits made, seconds)`` of one search."""
    calls = [0]
    orig = NestedFit.fit

    def counting(self, m, **kw):
        calls[0] += kw.get("magnitude") is not None
        return orig(self, m, **kw)

    NestedFit.fit = counting
    try:
        t0 = time.perf_counter()
        res = budget_needed(nested, WIDTH, EPS, rtol=RTOL, method=method)
        seconds = time.perf_counter() - t0
    finally:
        NestedFit.fit = orig
    return res, calls[0], seconds


def the_cell(method):
    """The notebook cell's computation from a fresh cache: ``(wall, cpu)`` seconds."""
    t0, c0 = time.perf_counter(), time.process_time()
    cache = Cache()
    for t in TARGETS:
        for s in SEEDS:
            for d in DS:
                nested = tour_curve(d, pool_size=WIDTH, seed=s, target=t, offset=1.25, cache=cache).nested
                budget_needed(nested, WIDTH, EPS, rtol=RTOL, method=method)
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each search (the smallest time is kept)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as a pooled app kernel)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"budget_needed in the tour's budget cell: width {WIDTH}, eps {EPS}, rtol {RTOL:g}; "
          f"{torch.get_num_threads()} thread(s), load average {open('/proc/loadavg').read().split()[0]} at the start")
    cache = Cache()
    rows, total = [], {m: [0, 0.0] for m in METHODS}
    worst_diff, all_overlap = 0.0, True
    print(f"{'target':>6} {'seed':>4} {'d':>3} | {'threshold':>9} | {'fits bisect':>11} {'fits newton':>11} | "
          f"{'s bisect':>8} {'s newton':>8} {'ratio':>6} | {'rel. diff':>9} overlap")
    for t in TARGETS:
        for s in SEEDS:
            for d in DS:
                nested = tour_curve(d, pool_size=WIDTH, seed=s, target=t, offset=1.25, cache=cache).nested
                out = {}
                for method in METHODS:
                    best = None
                    for _ in range(args.repeat):
                        res, fits, sec = counted_search(nested, method)
                        best = (res, fits, sec) if best is None or sec < best[2] else best
                    out[method] = best
                    total[method][0] += best[1]
                    total[method][1] += best[2]
                (rb, fb, sb), (rn, fn, sn) = out["bisect"], out["newton"]
                diff = abs(rn.magnitude / rb.magnitude - 1)
                overlap = max(rn.bracket[0], rb.bracket[0]) < min(rn.bracket[1], rb.bracket[1])
                worst_diff, all_overlap = max(worst_diff, diff), all_overlap and overlap
                rows.append((t, s, d))
                print(f"{t:>6} {s:>4} {d:>3} | {rn.magnitude:9.4f} | {fb:11d} {fn:11d} | {sb:8.3f} {sn:8.3f} "
                      f"{sb / sn:5.1f}x | {diff:9.1e} {'yes' if overlap else 'NO'}")
    (fb, sb), (fn, sn) = total["bisect"], total["newton"]
    print(f"{'all 24':>14} | {'':9} | {fb:11d} {fn:11d} | {sb:8.2f} {sn:8.2f} {sb / sn:5.1f}x | "
          f"{worst_diff:9.1e} {'yes' if all_overlap else 'NO'}  (largest difference at most rtol = {RTOL:g}: "
          f"{'yes' if worst_diff <= RTOL else 'NO'})")
    print(f"\nthe whole cell (24 pools from a fresh cache, then the searches), once per method; load average "
          f"{open('/proc/loadavg').read().split()[0]}")
    cell = {m: the_cell(m) for m in METHODS}
    for m in METHODS:
        print(f"  {m:>6}: {cell[m][0]:6.2f} s wall, {cell[m][1]:6.2f} s CPU")
    (wb, cb), (wn, cn) = cell["bisect"], cell["newton"]
    print(f"  ratio:  {wb / wn:6.1f}x wall, {cb / cn:6.1f}x CPU")
    if not (math.isfinite(worst_diff) and worst_diff <= RTOL and all_overlap):
        raise SystemExit("the methods disagree (see the table)")


if __name__ == "__main__":
    main()
