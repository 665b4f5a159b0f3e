"""Training by gradient descent (torch): a single neuron, RF output weights, a two-layer network.

* :func:`train_neuron` (:mod:`.neuron`) — learn ``relu(<w, x>)`` towards a target neuron
  ``relu(<w*, x>)``, either by gradient descent on the exact population loss (DESIGN 2.6,
  closed-form loss and gradient, no sampling noise) or by SGD / full-batch GD on ``n`` Gaussian
  samples with a held-out test loss.
* :func:`train_rf` (:mod:`.rf`) — the output weights of a random-features model trained by
  (projected) gradient descent on the same population loss; its limit is the exact best fit of
  :mod:`rfexplore.fit`.
* :func:`train_two_layer` (:mod:`.two_layer`) — ``f(x) = (alpha / sqrt(r)) sum_i u_i relu(<w_i, x>)``
  with both layers trained, side by side with its RF model (output layer only) and its linearized
  (tangent) model, on the exact population loss (DESIGN 2.9) or on samples.
* :func:`train_biased_network` (:mod:`.biased_network`) — the paper's model ``sum_i u_i relu(<w_i, x> + b_i)``
  with both layers trained, the first at ``first_layer_rate`` times the output layer's step, beside the RF
  model over its initial features (at rate 0 it is :func:`train_rf`): the regime of the paper's reduction.

Every trainer returns a small frozen dataclass of numpy histories indexed by step: entry ``t``
is the state after ``t`` steps, ``t = 0 .. steps_done``, and a :class:`RunRecord` ``run`` whose
attributes (``steps_done``, ``complete``, ``interrupted``, ``stopped_by``, ``message``, ``lr``, ...)
read on the result directly too. Each takes ``callback(step, state)``, called after every step with
``state`` a dict (``"step"``, ``"steps"``, ``"loss"`` and trainer-specific keys; ``"losses"`` is a
view of the history so far: copy it to keep it). What ends a run (one loop, :mod:`._run`):

* the callback returns anything true (``True``, ``numpy.bool_(True)``, ``1``, ...) or raises
  ``StopIteration``: ``stopped_by="callback"``;
* a ``KeyboardInterrupt`` — inside a step or inside the callback: the trainer returns the run so
  far (it does not re-raise) with ``complete=False``, ``interrupted=True``,
  ``stopped_by="interrupt"``; every history holds exactly ``steps_done + 1`` recorded entries and
  the weights are those after ``steps_done`` steps, so every readout of it works (one that comes
  while the trainer sets up, before the first step — sampling data, factoring a pool — propagates:
  there is no run yet);
* a failure mode: ``"diverged"``, ``"collapsed"``, ``"dead"`` (see each trainer).

A stop that arrives after the last step cuts nothing: the run is complete. A dashboard's Stop
button is a callback that checks a flag: ``callback=lambda step, state: stop_event.is_set()``.

Every trainer refuses, before allocating, a run that would not fit in memory (``MemoryError`` with
the size needed, from an estimate of its peak that the tests compare with a measured one), and more
than ten million ``steps`` (``ValueError``).

The exact population trainers take bias-free ReLU targets (closed forms with torch gradients);
a biased or any other target trains on samples, where the neuron may learn a bias too.
Losses are mean squared errors ``E[(f(x) - y(x))^2]`` reported relative to ``E[y^2]``.
Randomness comes only from ``seed`` (numpy ``SeedSequence`` streams); same seed, same history.
"""

from __future__ import annotations

from ._angles import _angle, _pair_geometry
from ._run import STEPS_MAX, RunRecord
from .biased_network import BiasedNetworkResult, biased_network_loss_and_grad, train_biased_network
from .neuron import NeuronResult, neuron_population_grad, neuron_population_loss, train_neuron
from .rf import RFTrainResult, train_rf
from .two_layer import (
    TwoLayerResult,
    _PopulationModels,
    _SampleModels,
    _Tangent,
    _two_layer_init,
    linearized_population_loss,
    train_two_layer,
)

__all__ = [
    "NeuronResult",
    "RFTrainResult",
    "TwoLayerResult",
    "BiasedNetworkResult",
    "RunRecord",
    "STEPS_MAX",
    "train_neuron",
    "train_rf",
    "train_two_layer",
    "train_biased_network",
    "biased_network_loss_and_grad",
    "neuron_population_loss",
    "neuron_population_grad",
    "linearized_population_loss",
]

# private names other modules and the tests import from here (rfexplore.dashboards: _two_layer_init)
_PRIVATE = (_angle, _pair_geometry, _PopulationModels, _SampleModels, _Tangent, _two_layer_init)
