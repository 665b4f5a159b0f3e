"""The run every trainer shares: its record, its per-step histories, and the step / callback / stop loop.

:func:`_drive` is the one loop. It runs ``advance(state, t)`` for ``t = 1 .. steps`` and commits each
step with a single assignment of ``(t, state)`` after the step's history row is written, so whatever
interrupts it — a ``KeyboardInterrupt`` inside a step, inside the callback or between the two — leaves
a consistent run: ``steps_done`` steps, their history rows, and the state (weights) after exactly
those steps. How a run ends:

* all ``steps`` ran: ``stopped_by=None``, ``complete=True``;
* the callback returned anything true (``True``, ``numpy.bool_(True)``, ``1``, a non-empty string, ...)
  or raised ``StopIteration``: ``stopped_by="callback"``;
* ``KeyboardInterrupt`` (Ctrl-C, a notebook's interrupt): ``stopped_by="interrupt"``,
  ``interrupted=True``; the trainer *returns* the run so far, it does not re-raise, so a caller
  that loops over several runs checks ``result.interrupted`` to stop its own loop (an interrupt
  before the first step, while the trainer sets up, is not caught: there is no run yet);
* a failure mode of the trainer (``"diverged"``, ``"collapsed"``, ``"dead"``), reported by ``advance``.

A stop request (callback or interrupt) that arrives after the last step has nothing left to cut:
the run is complete. Any other exception from the callback propagates (a bug in the callback), and
so does a callback answer with no truth value (an array of several numbers: ``TypeError``).

:class:`RunRecord` holds what the three result classes share (steps asked and done, why it stopped,
the settings); :func:`_reads_run` gives each result class read-only attributes forwarding to it, so
``result.steps_done`` and ``result.run.steps_done`` are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter

import numpy as np

STEPS_MAX = 10_000_000      # ten million steps: more than a session waits for, 80 MB per history


@dataclass(frozen=True)
class RunRecord:
    """How one training run went, and its settings.

    Attributes
    ----------
    steps : steps asked for; ``steps_done``: steps run (histories have ``steps_done + 1`` entries)
    stopped_by : ``None`` (every step ran), ``"callback"``, ``"interrupt"`` (``KeyboardInterrupt``), or a
        failure mode of the trainer: ``"diverged"``, ``"collapsed"``, ``"dead"``
    message : explanation of a failure mode or an early stop (``""`` when none)
    lr : step size; ``seed``: the seed; ``target``: the target's label
    exact : trained on the exact population loss (``samples=None``) or on samples
    samples, batch_size : sample size and minibatch size (``None`` on the population loss / full batch)
    """

    steps: int
    steps_done: int
    stopped_by: str | None
    message: str
    lr: float
    seed: int
    target: str
    exact: bool
    samples: int | None = None
    batch_size: int | None = None

    @property
    def complete(self) -> bool:
        """Every asked step ran and nothing stopped the run."""
        return self.stopped_by is None

    @property
    def interrupted(self) -> bool:
        """Ended by a ``KeyboardInterrupt``: the run so far, marked incomplete."""
        return self.stopped_by == "interrupt"


_RUN_ATTRIBUTES = tuple(f.name for f in fields(RunRecord)) + ("complete", "interrupted")


def _reads_run(cls):
    """Class decorator: ``cls.steps_done``, ``cls.complete``, ... read ``self.run`` (a :class:`RunRecord`)."""
    for name in _RUN_ATTRIBUTES:
        setattr(cls, name, property(attrgetter(f"run.{name}"), doc=f"``run.{name}`` (:class:`RunRecord`)"))
    return cls


_SLACK = 1.25               # the allocator's share: measured peaks run up to ~20% above the arrays counted


def _history_bytes(steps: int, n_fields: int) -> float:
    """Memory of ``n_fields`` float64 histories of ``steps + 1`` entries, and their cut copies in the result."""
    return 8.0 * (steps + 1) * n_fields * 2


class _History:
    """Per-step float records, one array of ``steps + 1`` entries per name (row ``t``: after ``t`` steps).

    Rows are written before their step is committed; :meth:`get` cuts a history to the committed steps.
    """

    def __init__(self, steps: int, names):
        self.a = {n: np.full(steps + 1, np.nan) for n in names}

    def put(self, t: int, values: dict) -> None:
        for k, v in values.items():
            self.a[k][t] = v

    def put_block(self, ts: np.ndarray, values: dict) -> None:
        """Rows ``ts`` at once (a block of steps computed together)."""
        for k, v in values.items():
            self.a[k][ts] = v

    def upto(self, name: str, t: int) -> np.ndarray:
        """A view of the history ``name`` through row ``t`` (for a callback's state)."""
        return self.a[name][: t + 1]

    def get(self, name: str, done: int) -> np.ndarray | None:
        """Rows ``0 .. done``: the array itself when every row was run, else a copy of those rows
        (``None`` for a name this run does not record)."""
        if name not in self.a:
            return None
        a = self.a[name]
        return a if done + 1 == len(a) else a[: done + 1].copy()


def _wants_stop(callback: Callable, t: int, state: dict) -> bool:
    """The callback's answer as a stop request: anything true stops, so does ``StopIteration``."""
    try:
        answer = callback(t, state)
    except StopIteration:
        return True
    try:
        return bool(answer)
    except (TypeError, ValueError) as exc:        # e.g. an array of several numbers
        shown = repr(answer)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise TypeError("callback must return a truth value (None or False to go on, anything true to stop), "
                        f"got {shown} ({type(answer).__name__})") from exc


def _drive(steps: int, state, advance: Callable, callback: Callable | None = None,
           view: Callable | None = None):
    """Run ``advance(state, t) -> (state, end)`` for ``t = 1 .. steps``; see the module docstring.

    ``advance`` writes history row ``t`` and returns the new state (it must not change the old one)
    and ``end``: ``None`` to go on, or ``(stopped_by, message)`` for a failure mode. ``view(t, state)``
    builds the callback's ``state`` dict. Returns ``(steps_done, state, stopped_by, message)``.
    """
    last = (0, state)
    try:
        for t in range(1, steps + 1):
            new, end = advance(last[1], t)
            last = (t, new)                      # the commit: one assignment, atomic for an interrupt
            if end is not None:
                return (t, new, *end)
            if callback is not None and _wants_stop(callback, t, view(t, new)) and t < steps:
                return t, new, "callback", f"stopped by the callback after {t} of {steps} steps"
    except KeyboardInterrupt:
        done, state = last
        if done == steps:
            return done, state, None, ""
        return done, state, "interrupt", f"interrupted (KeyboardInterrupt) after {done} of {steps} steps"
    return (*last, None, "")
