"""One job: train the paper's network ``sum_i u_i relu(<w_i, x> + b_i)`` on both layers, with a first-layer
rate, beside the random-features model over its initial features (issue 12, item 5).

The paper's model carries biases: ``N(x) = sum_i u_i sigma(<w_i, x> + b_i)`` (Yehudai & Shamir 2019). Its
reduction to random features (RF) is the regime in which the first layer ``(w_i, b_i)`` stays at its random
start and the output layer ``u`` is what learns: the network's predictor is then an RF predictor over the
initial features ``relu(<w_i^0, x> + b_i^0)``. :func:`train_biased_network` trains both layers by gradient
descent on the exact population loss, the first layer with ``first_layer_rate`` times the output layer's
step; at rate 0 it *is* :func:`rfexplore.train.train_rf` on the pool ``(W_0, b_0)``. Alongside, with the
same steps from the same start ``u_0 = 0``, it trains that RF model and records the distance between the
two and how far the first layer moved.

Every quantity is exact (no sampling): ``L(W, b, u) = u^T K u - 2 u^T k + k**`` with
``K_ij = E[relu(<w_i,x> + b_i) relu(<w_j,x> + b_j)]`` (bivariate normal CDF, :mod:`rfexplore.gaussian`) and its
closed partial derivatives (:func:`rfexplore.biased_neuron.kernel_partials`, Stein's lemma). Because a
biased ReLU is 1-homogeneous in ``(w, b)``, Euler's identity gives the kernel from the same partials,
``K_ij = alpha_ij |w_i|^2 + beta_ij <w_i, w_j> + gamma_ij b_i``: one bivariate CDF matrix per step serves the
loss and its gradient. This is the explorer's own computation; numpy on the CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# a module object, read at call time: rfexplore.biased_neuron imports train._common (no import cycle)
from .. import biased_neuron as _biased
from .. import validation
from ..features import FeaturePool, sample_features
from ..fit import _moments, fit_population, gram_matrix
from ..targets import ReluTarget, check_target
from ..validation import check_memory
from ._common import _check_lr, _check_second_moment, _check_steps
from ._run import _SLACK, RunRecord, _drive, _History, _history_bytes, _reads_run

__all__ = ["BiasedNetworkResult", "train_biased_network", "biased_network_loss_and_grad"]

_RATE_MAX = 1e6              # first-layer step at most a million times the output layer's
_PARTIAL_BUFFERS = 40        # (r, r) float64 arrays at the peak of kernel_partials and the Euler kernel


@_reads_run
@dataclass(frozen=True)
class BiasedNetworkResult:
    """History of ``N(x) = sum_i u_i relu(<w_i, x> + b_i)`` trained on both layers from ``u_0 = 0``.

    Histories have shape ``(steps_done + 1,)``; losses and gaps are exact population values relative to
    ``E[y^2]``.

    Attributes
    ----------
    first_layer_rate : the first layer's step is ``first_layer_rate * lr`` (0: it stays at its start)
    losses : the network's loss
    rf_losses : the RF model's loss: output weights ``v`` over the frozen initial features
        ``relu(<w_i^0, x> + b_i^0)``, trained with the same steps from ``v_0 = 0``
    rf_gaps : ``E[(N - N_rf)^2] / E[y^2]``, the distance between the network and that RF model
    movements : ``|(W_t, b_t) - (W_0, b_0)|_F / |(W_0, b_0)|_F``, relative movement of the first layer
    best_error : the exact best RF error over the initial features (:func:`rfexplore.fit.fit_population`),
        the limit of ``rf_losses``
    pool : the initial features as a :class:`rfexplore.FeaturePool` (``sample_features(d, width,
        distribution=..., bias_std=..., seed=seed)``)
    W, b, u : the network's weights after ``steps_done`` steps; ``v``: the RF model's output weights
    run : :class:`rfexplore.train.RunRecord` (``lr`` is the output layer's step)
    """

    d: int
    width: int
    first_layer_rate: float
    losses: np.ndarray
    rf_losses: np.ndarray
    rf_gaps: np.ndarray
    movements: np.ndarray
    best_error: float
    pool: FeaturePool = field(repr=False)
    W: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    u: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    run: RunRecord


def _euler_kernel(partials, W, b, V):
    """``K_ij = alpha_ij |w_i|^2 + beta_ij <w_i, v_j> + gamma_ij b_i`` (Euler: 1-homogeneous in ``(w_i, b_i)``)."""
    al, be, ga = partials
    return al * (W * W).sum(1)[:, None] + be * (W @ V.T) + ga * b[:, None]


def _loss_and_grad(W, b, u, w_star, b_star, kss):
    """``(L, grad_W, grad_b, grad_u, K)`` of ``L = u^T K u - 2 u^T k + k**`` (absolute, not relative)."""
    P = _biased.kernel_partials(W, b, W, b)
    K = _euler_kernel(P, W, b, W)
    Ps = _biased.kernel_partials(W, b, w_star[None], np.array([b_star]))
    k = _euler_kernel(Ps, W, b, w_star[None])[:, 0]
    Ku = K @ u
    loss = float(u @ Ku - 2.0 * (u @ k) + kss)
    al, be, ga = P
    als, bes, gas = (x[:, 0] for x in Ps)
    uu = u[:, None] * u[None, :]
    # d(u^T K u)/dw_i = 2 u_i sum_j u_j dK_ij/dw_i, dK_ij/dw_i = alpha_ij w_i + beta_ij w_j (K symmetric;
    # the diagonal's first-argument partial is half of dK_ii/dw_i); d(u^T k)/dw_i = u_i (alpha*_i w_i + beta*_i w*)
    gW = 2.0 * ((uu * al).sum(1)[:, None] * W + (uu * be) @ W) - 2.0 * u[:, None] * (als[:, None] * W
                                                                                      + bes[:, None] * w_star[None])
    gb = 2.0 * (uu * ga).sum(1) - 2.0 * u * gas
    gu = 2.0 * Ku - 2.0 * k                                             # d/du of u^T K u - 2 u^T k
    return loss, gW, gb, gu, K


def biased_network_loss_and_grad(W, b, u, *, target=None):
    """Exact population loss of ``N(x) = sum_i u_i relu(<w_i,x> + b_i)`` against a ReLU neuron, and its gradient.

    Returns ``(L, grad_W, grad_b, grad_u)`` with ``L = E[(N(x) - y(x))^2]`` (absolute, not relative),
    ``x ~ N(0, I_d)``; ``W`` ``(r, d)`` with non-zero rows, ``b`` and ``u`` ``(r,)``; ``target`` a
    :class:`~rfexplore.targets.ReluTarget` (``None``: the unit neuron), with or without a bias.
    The tests check it against torch autograd and finite differences.
    """
    W = validation.as_matrix("W", W)
    r, d = W.shape
    b = validation.as_vector("b", b, r)
    u = validation.as_vector("u", u, r)
    if not (np.linalg.norm(W, axis=1) > 0).all():
        raise ValueError("W must have non-zero rows (a zero row is a constant feature), got a zero row")
    target = _check_relu_target(target, "biased_network_loss_and_grad")
    w_star = target.weight(d)
    kss = _check_second_moment(target, target.second_moment(d), d)
    check_memory(_SLACK * 8.0 * _PARTIAL_BUFFERS * r * r, f"the biased kernel of {r} neurons and its partials")
    loss, gW, gb, gu, _ = _loss_and_grad(W, b, u, w_star, float(target.bias), kss)
    return loss, gW, gb, gu


def _check_relu_target(target, what):
    target = check_target(target)
    if not isinstance(target, ReluTarget):
        raise ValueError(f"{what} needs a ReLU neuron target (closed-form moments and partials), got "
                         f"{target.label()!r}")
    return target


def _check_rate(rate) -> float:
    """``first_layer_rate``: a finite number from 0 to :data:`_RATE_MAX` (TypeError for a non-number)."""
    return validation.real("first_layer_rate", rate, low=0.0, high=_RATE_MAX)


def _peak_bytes(width, steps) -> float:
    """Peak memory of :func:`train_biased_network`: the partials of one step and the histories."""
    return _SLACK * (8.0 * _PARTIAL_BUFFERS * width * width + _history_bytes(steps, 4))


def train_biased_network(d: int, width: int, *, first_layer_rate: float, steps: int, lr: float | None = None,
                         bias_std: float = 1.0, distribution: str = "gaussian", seed: int = 0, target=None,
                         callback=None) -> BiasedNetworkResult:
    """Train ``N(x) = sum_i u_i relu(<w_i, x> + b_i)`` on both layers by gradient descent, beside its RF model.

    The start: ``(w_i^0, b_i^0)`` is the pool ``sample_features(d, width, distribution=distribution,
    bias_std=bias_std, seed=seed)`` (i.i.d. features, as in the paper; ``w ~ N(0, I_d / d)`` by default,
    ``b ~ N(0, bias_std^2)``) and ``u_0 = 0``, the start of :func:`rfexplore.train.train_rf`. Each step
    moves ``u`` by ``-lr grad_u L`` and ``(W, b)`` by ``-first_layer_rate * lr * grad_{W,b} L`` on the exact
    population loss ``L = E[(N - y)^2]``. With ``first_layer_rate = 0`` the first layer stays at its start and
    the run is :func:`train_rf` on that pool (the tests check it to 1e-10); small rates keep the network
    next to that RF model, whose predictor is an RF predictor over the initial features.

    Parameters
    ----------
    d, width : int
    first_layer_rate : float
        From 0 to 1e6: the first layer's step relative to the output layer's (0: frozen first layer).
    steps : int
        At most ten million.
    lr : float, optional
        The output layer's step; default ``1 / (2 lambda_max(K_0))``, the default of :func:`train_rf`
        (``K_0`` the Gram matrix of the initial features).
    bias_std : float
        Standard deviation of the initial biases (0: they start at 0; they are trained either way).
    distribution : {"gaussian", "sphere"}
        Of the initial weights, as in :func:`rfexplore.sample_features`.
    seed : int
    target : ReluTarget, optional
        ``None``: the unit neuron ``relu(x_1)``; any norm and bias.
    callback : callable, optional
        ``callback(step, state)``; ``state`` keys ``"step"``, ``"steps"``, ``"loss"``, ``"rf_loss"``,
        ``"rf_gap"``, ``"movement"``, ``"losses"``; return anything true (or raise ``StopIteration``) to stop.

    Returns
    -------
    BiasedNetworkResult
        ``stopped_by="diverged"`` when the loss becomes non-finite (a step too large).
    """
    d = validation.positive_int("d", d)
    width = validation.positive_int("width", width)
    rate = _check_rate(first_layer_rate)
    steps = _check_steps(steps)
    seed = validation.seed(seed)
    target = _check_relu_target(target, "train_biased_network")
    callback = validation.callback(callback)
    check_memory(_peak_bytes(width, steps), f"training a width-{width} biased network for {steps} steps",
                 fix="use a smaller width or fewer steps")
    pool = sample_features(d, width, distribution=distribution, bias_std=bias_std, seed=seed)
    W0 = pool.W
    b0 = np.zeros(width) if pool.b is None else pool.b
    if not (np.linalg.norm(W0, axis=1) > 0).all():        # a zero Gaussian draw: probability 0
        raise ValueError(f"the initial weights of seed {seed} have a zero row; choose another seed")
    w_star, b_star = target.weight(d), float(target.bias)
    kss = _check_second_moment(target, target.second_moment(d), d)
    best = float(fit_population(pool, target).relative_error)
    u0 = np.zeros(width)
    K0 = gram_matrix(pool).cpu().numpy()                              # as train_rf and fit_population
    k0, _ = _moments(pool, target, d)
    lam_max = float(np.linalg.eigvalsh(K0)[-1])
    lr = 0.5 / lam_max if lr is None else _check_lr(lr)
    n0 = math.sqrt(float((W0 * W0).sum() + b0 @ b0))
    hist = _History(steps, ("loss", "rf", "rf_gap", "move"))
    hist.put(0, {"loss": 1.0, "rf": 1.0, "rf_gap": 0.0, "move": 0.0})  # u_0 = 0: N = 0, loss E[y^2]

    def network(W, b, u):
        """``(L, grads, K)`` of the network; at rate 0 the first layer is the pool's: its ``K_0``, ``k_0``."""
        if rate == 0:
            Ku = K0 @ u
            return float(u @ Ku - 2.0 * (k0 @ u) + kss), (0.0, 0.0, 2.0 * Ku - 2.0 * k0), K0
        loss, gW, gb, gu, K = _loss_and_grad(W, b, u, w_star, b_star, kss)
        return loss, (gW, gb, gu), K

    def advance(state, t):
        W, b, u, v, grads = state
        gW, gb, gu = grads
        if rate:
            W, b = W - rate * lr * gW, b - rate * lr * gb
        u = u - lr * gu
        v = v - lr * (2.0 * (K0 @ v) - 2.0 * k0)                        # RF: gradient of v^T K0 v - 2 k0^T v
        loss, grads, K = network(W, b, u)
        Kv = K0 @ v
        rf = float(v @ Kv - 2.0 * (k0 @ v) + kss)
        cross = u @ (_euler_kernel(_biased.kernel_partials(W, b, W0, b0), W, b, W0) @ v) if rate else u @ Kv
        # E[(N - N_rf)^2] = u^T K u - 2 u^T K(W, W0) v + v^T K0 v
        gap = float(u @ (K @ u) - 2.0 * cross + v @ Kv)
        dW, db = W - W0, b - b0
        hist.put(t, {"loss": loss / kss, "rf": rf / kss, "rf_gap": max(gap, 0.0) / kss,
                     "move": math.sqrt(float((dW * dW).sum() + db @ db)) / n0})
        state = (W, b, u, v, grads)
        if not math.isfinite(loss):
            return state, ("diverged", f"the loss became non-finite at step {t}: lr={lr:g} with "
                                       f"first_layer_rate={rate:g} is too large")
        return state, None

    def view(t, state):
        a = hist.a
        return {"step": t, "steps": steps, "loss": a["loss"][t], "rf_loss": a["rf"][t], "rf_gap": a["rf_gap"][t],
                "movement": a["move"][t], "losses": hist.upto("loss", t)}

    start = (W0.copy(), b0.copy(), u0, np.zeros(width), network(W0, b0, u0)[1])
    with np.errstate(over="ignore", invalid="ignore"):
        done, (W, b, u, v, _), stopped_by, message = _drive(steps, start, advance, callback, view)
    return BiasedNetworkResult(
        d=d, width=width, first_layer_rate=rate, losses=hist.get("loss", done), rf_losses=hist.get("rf", done),
        rf_gaps=hist.get("rf_gap", done), movements=hist.get("move", done), best_error=best, pool=pool,
        W=W, b=b, u=u, v=v,
        run=RunRecord(steps=steps, steps_done=done, stopped_by=stopped_by, message=message, lr=float(lr),
                      seed=seed, target=target.label(), exact=True))
