"""The single neuron's computations (notebook 06): steps to an accuracy, sample sizes, cached runs and
their failure modes."""

import numpy as np
import pytest

from rfexplore import train_neuron
from rfexplore.experiments import Cache, neuron_run, neuron_samples, steps_to_reach

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py


# ------------------------------------------------------------------- helpers


def test_steps_to_reach_and_samples():
    assert steps_to_reach([1.0, 0.1, 1e-3, 1e-7], 1e-6) == 3
    assert steps_to_reach([1e-9], 1e-6) == 0
    assert steps_to_reach([1.0, 0.5], 0.1) is None
    with pytest.raises(ValueError, match="eps must be"):
        steps_to_reach([1.0], -1.0)
    assert neuron_samples(50, 0) is None and neuron_samples(50, None) is None
    assert neuron_samples(50, 0.2) == 10 and neuron_samples(50, 3.0) == 150 and neuron_samples(2, 0.2) == 1
    with pytest.raises(ValueError, match="samples must be"):
        neuron_samples(50, -1.0)


def test_neuron_run_is_train_neuron_and_is_cached():
    cache = Cache()
    r = neuron_run(30, lr=0.5, seed=3, steps=40, cache=cache)
    ref = train_neuron(30, steps=40, lr=0.5, seed=3)
    np.testing.assert_array_equal(r.losses, ref.losses)
    assert neuron_run(30, lr=0.5, seed=3, steps=40, cache=cache) is r
    s = neuron_run(30, lr=0.5, samples=3.0, seed=3, steps=40, cache=cache)
    assert s.samples == 90 and s.train_losses is not None and len(cache) == 2


def test_neuron_run_failure_modes():
    # anti-aligned start at lr = 1: one step lands exactly on w = 0 (loss 1 for ever)
    anti = neuron_run(20, lr=1.0, init="anti-aligned", steps=20)
    assert anti.stopped_by == "collapsed" and anti.losses[-1] == pytest.approx(1.0)
    assert anti.losses[0] == pytest.approx(2.0)            # E[(relu(-z) - relu(z))^2] = E[z^2] = 2 E[y^2]
    dead = neuron_run(20, lr=0.5, samples=3.0, init="dead", steps=20)
    assert dead.stopped_by == "dead" and dead.steps_done == 0
    with pytest.raises(ValueError, match="positively homogeneous"):
        neuron_run(20, lr=0.5, init="zero", steps=20)
    with pytest.raises(ValueError, match="dead start needs samples"):
        neuron_run(20, lr=0.5, init="dead", steps=20)
    with pytest.raises(ValueError, match="n·d·steps"):
        neuron_run(1000, lr=0.5, samples=10.0, steps=1000)
    with pytest.raises(ValueError, match="init must be one of"):
        neuron_run(20, lr=0.5, init="tiny", steps=20)
    with pytest.raises(ValueError, match="d must be an integer"):
        neuron_run(1, lr=0.5, steps=20)
