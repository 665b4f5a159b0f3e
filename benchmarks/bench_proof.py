"""Responsiveness of notebook 07's dashboard (``proof_dashboard``): time from a control change to the new
numbers and figures (headless: the kernel side, no transport or drawing), at the default settings.

For each kind of change it prints the median and 95th percentile, and the naive way in the same run:

* a width or component move reads the cached curves; naive: ``periodic_chain`` at the new width (a factor of
  the first ``r`` features and a fit of every component, what notebook 07's section 4 calls once per pool);
* a new period or ``|w*|`` recomputes the curves of the zig-zag and every component on the cached
  factorization (``proof_curves``), the components' cross-moments in one batched call and the correlations
  from the zig-zag's; naive: each component's own ``retarget`` (one kernel call per component) and
  ``feature_correlations`` (the zig-zag's quadrature again);
* a new ``d`` (or bias spread, or seed) is a new pool: Gram matrix, Cholesky and all of the above.

Target (issue 12, 2-core machine, pool of 500 features, d = 10): every move under 1 s of kernel time, a
width or component move under 0.3 s.

Usage: ``python benchmarks/bench_proof.py [--quick]``. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from bench_dashboard import timed  # benchmarks/ is on the path when this script runs

from rfexplore import TriangleWaveTarget, feature_correlations, periodic_chain, relu_decomposition
from rfexplore.dashboards import proof_dashboard
from rfexplore.experiments import Cache, proof_curves, proof_fit


def row(name, times, naive=None):
    med, p95 = statistics.median(times) * 1e3, float(np.percentile(times, 95)) * 1e3
    if naive is None:
        return f"{name:<34} {med:9.1f} {p95:9.1f}"
    nv = statistics.median(naive)
    return f"{name:<34} {med:9.1f} {p95:9.1f} {nv * 1e3:10.1f} {nv / statistics.median(times):8.1f}x"


def main(quick: bool):
    cache = Cache()
    n = 3 if quick else 8
    dash = proof_dashboard(headless=True, cache=cache)
    pool = proof_fit(10, cache=cache).pool
    wave = TriangleWaveTarget(period=1.0, norm=1.0)
    widths = [int(w) for w in np.geomspace(30, 500, n).round()]

    print(f"proof dashboard, headless, d = 10, pool of {pool.width} features (ms)")
    print(f"{'change':<34} {'median':>9} {'p95':>9} {'naive':>10} {'ratio':>9}")
    w = timed(lambda m: dash.set(width=m), widths)
    naive = timed(lambda m: periodic_chain(pool, wave, T=5.0, width=m), widths[: max(2, n // 2)])
    print(row("width (look-up)", w, naive))
    dash.set(width=500)
    print(row("component (look-up)", timed(lambda k: dash.set(component=k), [k % 11 for k in range(1, n + 1)])))

    periods = [(0.5, 1.0, 2.0)[i % 3] for i in range(n)]
    nested = proof_fit(10, cache=cache)

    def curves(p):
        cache.clear()
        cache.put(("proof_fit", 10, 500, 1.0, 0), nested)    # keep the factorization, drop the curves
        proof_curves(10, period=p, norm=1.0, cache=cache)

    def one_by_one(p):
        wave = TriangleWaveTarget(period=p, norm=1.0)
        dec = relu_decomposition(wave, 5.0)
        nested.retarget(wave)
        feature_correlations(wave, pool.W, pool.b)
        for j in range(dec.size):
            nested.retarget(dec.neuron(j, 10))

    print(row("period: proof_curves only", timed(curves, periods), timed(one_by_one, periods)))

    def wave_move(v):
        cache.clear()
        cache.put(("proof_fit", 10, 500, 1.0, 0), nested)
        dash.set(period=v, norm=1.0)

    print(row("period (dashboard)", timed(wave_move, periods)))
    ds = [(11, 12, 10)[i % 3] for i in range(n)]

    def d_move(d):
        cache.clear()
        dash.set(d=d, period=1.0)

    print(row("d (new pool and curves)", timed(d_move, ds)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    main(parser.parse_args().quick)
