"""Steps per second of the trainers in rfexplore.train, against the naive way in the same run.

Rows (CPU, and CUDA when torch sees a GPU):

* neuron, population: closed-form loss and gradient (``train_neuron``) vs plain torch autograd
  through the arccos form of the kernel (the naive loop).
* neuron, samples: full-batch GD on ``n = 10 d`` samples with a 10 000-sample held-out loss.
* RF by gradient descent: the closed-form curve (eigendecomposition) vs plain iteration.
* two-layer network, exact population loss (with and without the RF / linearized comparison)
  vs full-batch GD on 4000 samples (the sample-based route of DESIGN 2.9).

Usage: ``python benchmarks/bench_train.py [--quick]``. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from rfexplore import sample_features, train_neuron, train_rf, train_two_layer


def rate(fn, steps, repeat=2):
    """Best steps per second over ``repeat`` runs of ``fn(steps)`` (after one short warm-up)."""
    fn(max(1, steps // 10))
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(steps)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return steps / best


def naive_neuron(d, device):
    """Population GD with autograd through ``kappa`` written with ``arccos`` (no closed gradient)."""
    def run(steps):
        w_star = torch.zeros(d, dtype=torch.float64, device=device)
        w_star[0] = 1.0
        g = torch.Generator().manual_seed(0)
        w = torch.randn(d, generator=g, dtype=torch.float64).to(device).requires_grad_(True)
        for _ in range(steps):
            nw, ns = w.norm(), w_star.norm()
            theta = torch.arccos(torch.clamp(w @ w_star / (nw * ns), -1.0 + 1e-15, 1.0 - 1e-15))
            kappa = nw * ns * (torch.sin(theta) + (math.pi - theta) * torch.cos(theta)) / (2 * math.pi)
            loss = 0.5 * nw ** 2 - 2.0 * kappa + 0.5 * ns ** 2
            (grad,) = torch.autograd.grad(loss, w)
            with torch.no_grad():
                w -= 0.5 * grad
            float(loss.detach()) / 0.5                        # record the loss, as train_neuron does
    return run


def rows(device, quick):
    dev = None if device == "cpu" else device
    out = []
    n_steps = 200 if quick else 1000
    for d in (10, 1000) if quick else (10, 100, 1000, 10_000):
        fast = rate(lambda s, d=d: train_neuron(d, steps=s, lr=0.5, device=dev), n_steps)
        naive = rate(naive_neuron(d, device), n_steps)
        out.append(("neuron, population", f"d={d}", fast, f"{fast / naive:.2f}x naive autograd"))
    for d in (10, 100) if quick else (10, 100, 1000):
        fast = rate(lambda s, d=d: train_neuron(d, steps=s, lr=0.5, samples=10 * d, device=dev), n_steps // 4)
        out.append(("neuron, samples", f"d={d}, n={10 * d}", fast, ""))
    for r in (100, 500) if quick else (100, 500, 2000):
        pool = sample_features(20, r, seed=0)
        s_rf = 2000 if quick else 10_000
        closed = rate(lambda s, pool=pool: train_rf(pool, steps=s, method="closed", device=dev), s_rf, 1)
        it = rate(lambda s, pool=pool: train_rf(pool, steps=s, method="iterate", device=dev), s_rf // 4, 1)
        out.append(("RF gradient descent", f"d=20, r={r}", closed, f"{closed / it:.2f}x iteration"))
    widths = (64, 256) if quick else (64, 256, 1024)
    for r in widths:
        s_two = max(5, 2000 // r) if quick else max(10, 8000 // r)
        def net(steps, r=r, **kw):
            return train_two_layer(20, r, alpha=10.0, steps=steps, device=dev, **kw)

        pop = rate(lambda s: net(s, compare=False), s_two)
        full = rate(lambda s: net(s), s_two)
        smp = rate(lambda s: net(s, compare=False, samples=4000, test_samples=4000), s_two)
        out.append(("two-layer, population", f"d=20, r={r}", pop, f"{pop / smp:.2f}x samples n=4000"))
        out.append(("two-layer, pop. + RF + lin", f"d=20, r={r}", full, f"{full / pop:.2f}x network alone"))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and steps")
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          + (f", GPU: {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"))
    header = f"{'device':6} {'trainer':28} {'size':18} {'steps/s':>10}  ratio"
    print(header)
    print("-" * len(header))
    for device in devices:
        for name, size, steps_per_s, ratio in rows(device, args.quick):
            print(f"{device:6} {name:28} {size:18} {steps_per_s:10.1f}  {ratio}", flush=True)


if __name__ == "__main__":
    main()
