"""Settings and data the trainers share: checks of ``steps``, ``lr`` and sample sizes, the bias-free
population target, and the Gaussian training / test samples with their seed streams."""

from __future__ import annotations

import math

import numpy as np
import torch

from .. import validation
from ..targets import ReluTarget
from ._run import STEPS_MAX


def _check_steps(steps) -> int:
    """A positive number of steps, at most :data:`STEPS_MAX`."""
    steps = validation.positive_int("steps", steps)
    if steps > STEPS_MAX:
        raise ValueError(f"steps must be at most {STEPS_MAX} (ten million: longer than a session waits "
                         f"for), got {steps}")
    return steps


def _check_lr(lr) -> float:
    return validation.positive("lr", lr)


def _check_samples(samples, batch_size, test_samples):
    """``samples`` (None or positive int), ``batch_size`` (None or 1..samples), ``test_samples``."""
    test_samples = validation.positive_int("test_samples", test_samples)
    if samples is None:
        if batch_size is not None:
            raise ValueError(f"batch_size needs samples=n (SGD on samples), got batch_size={batch_size!r} "
                             "with samples=None (the exact population loss)")
        return None, None, test_samples
    samples = validation.positive_int("samples", samples)
    if batch_size is not None:
        batch_size = validation.positive_int("batch_size", batch_size)
        if batch_size > samples:
            raise ValueError(f"batch_size must be at most samples={samples}, got {batch_size}")
    return samples, batch_size, test_samples


def _check_population_target(target, what) -> None:
    """The exact population trainers take bias-free ReLU targets: the only kind with a torch closed form here."""
    if not isinstance(target, ReluTarget):
        raise ValueError(f"{what} on the exact population loss needs a ReLU neuron target, got "
                         f"{target.label()!r}; pass samples=n to train on Gaussian samples instead")
    if target.bias != 0:
        raise ValueError(f"{what} on the exact population loss supports bias-free ReLU targets only, got "
                         f"bias={target.bias:g}; pass samples=n to train on Gaussian samples instead")


def _check_second_moment(target, ey2, d) -> float:
    """``E[y^2]``, the scale of every relative loss: it must be a finite positive number."""
    if not (math.isfinite(ey2) and ey2 > 0):
        raise ValueError(f"the target {target.label()!r} has E[y^2] = {ey2:g} in d={d}: relative losses need a "
                         "finite positive second moment (choose a target norm nearer 1)")
    return ey2


def _streams(seed):
    """The neuron's four streams, domain-separated from feature pools drawn with the same seed.

    Child 0 of ``SeedSequence([seed, 3])`` is the neuron's start, 1 the training samples, 2 the test
    samples, 3 the minibatches.
    """
    return np.random.SeedSequence([seed, 3]).spawn(4)


def _gaussian_data(seed, n, n_test, d, target, dev):
    """Training and test samples ``(X, y)``, ``(Xt, yt)``, ``E[y^2]`` and a numpy stream for minibatches."""
    _, ss_train, ss_test, ss_batch = _streams(seed)
    X = np.random.default_rng(ss_train).standard_normal((n, d))
    Xt = np.random.default_rng(ss_test).standard_normal((n_test, d))
    y, yt = target(X), target(Xt)
    ey2 = target.second_moment(d)
    ey2 = float(np.mean(yt ** 2)) if ey2 is None else float(ey2)
    if not ey2 > 0:
        raise ValueError(f"the target {target.label()!r} is zero on the test samples; nothing to learn")
    ey2 = _check_second_moment(target, ey2, d)
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64, device=dev)   # noqa: E731
    return as_t(X), as_t(y), as_t(Xt), as_t(yt), ey2, np.random.default_rng(ss_batch)


def _data_bytes(n: int, n_test: int, d: int) -> float:
    """Peak of :func:`_gaussian_data`: both sample matrices, the target's finiteness mask, the labels.

    On a GPU the numpy copies stay on the host; this counts the device side (the larger one on the host
    is the same size).
    """
    # X (n, d) and Xt (n_test, d) float64; a bool (n, d) mask inside the target's check; y, yt
    return 8.0 * (n + n_test) * d + 1.0 * max(n, n_test) * d + 8.0 * 2 * (n + n_test)
