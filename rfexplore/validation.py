"""One validation rule for every public entry point.

Wrong type -> ``TypeError``, wrong value -> ``ValueError``; the message names the parameter, the rule
and the value (``"width must be a positive integer, got -3"``). Nothing is clamped: a value is either
returned converted (``int``, ``float``, ``bool``, arrays) or refused. A computation that would not fit
in memory is refused before it allocates (``MemoryError``), with the size it needs.

Only numpy and torch are imported here; every layer above may use it.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch

__all__ = [
    "SEED_MAX", "as_matrix", "as_vector", "available_bytes", "boolean", "callback", "check_memory",
    "choice", "device", "integer", "nonneg", "nonneg_int", "positive", "positive_int", "real", "seed",
]

SEED_MAX = 2**32 - 1        # seeds are one 32-bit word of numpy's SeedSequence entropy: larger ones collide


def _refuse(name, rule, value, *, kind=ValueError):
    shown = repr(value)
    if len(shown) > 80:                      # never echo a huge paste back
        shown = shown[:77] + "..."
    suffix = f" ({type(value).__name__})" if kind is TypeError else ""
    raise kind(f"{name} must be {rule}, got {shown}{suffix}")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _int_rule(low, high) -> str:
    if high is None:
        return {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}") \
            if low is not None else "an integer"
    if low is None:
        return f"an integer <= {high}"
    return f"an integer from {low} to {high}"


def integer(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (either bound optional); bools are not integers."""
    rule = _int_rule(low, high)
    if not _is_int(value):
        _refuse(name, rule, value, kind=TypeError)
    if (low is not None and value < low) or (high is not None and value > high):
        _refuse(name, rule, value)
    return int(value)


def positive_int(name: str, value, *, high: int | None = None) -> int:
    """A positive integer (at most ``high`` when given)."""
    return integer(name, value, low=1, high=high)


def nonneg_int(name: str, value, *, high: int | None = None) -> int:
    """A non-negative integer (at most ``high`` when given)."""
    return integer(name, value, low=0, high=high)


def _real_rule(low, high, low_open, high_open) -> str:
    if low is None and high is None:
        return "a finite number"
    if high is None and low == 0:
        return "a finite positive number" if low_open else "a finite non-negative number"
    if high is None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def real(name: str, value, *, low: float | None = None, high: float | None = None, low_open: bool = False,
         high_open: bool = False) -> float:
    """A finite real number as ``float`` in the interval given by ``low``/``high`` (closed unless ``*_open``)."""
    rule = _real_rule(low, high, low_open, high_open)
    if not _is_real(value):
        _refuse(name, rule, value, kind=TypeError)
    try:
        v = float(value)
    except OverflowError:                    # a Python int beyond the float range
        _refuse(name, rule, value)
    if not math.isfinite(v):
        _refuse(name, rule, value)
    if low is not None and (v <= low if low_open else v < low):
        _refuse(name, rule, value)
    if high is not None and (v >= high if high_open else v > high):
        _refuse(name, rule, value)
    return v


def positive(name: str, value, *, high: float | None = None) -> float:
    """A finite number ``> 0`` (at most ``high`` when given)."""
    return real(name, value, low=0.0, high=high, low_open=True)


def nonneg(name: str, value, *, high: float | None = None) -> float:
    """A finite number ``>= 0`` (at most ``high`` when given)."""
    return real(name, value, low=0.0, high=high)


def boolean(name: str, value) -> bool:
    """``True``/``False`` (numpy bools too); ``0``/``1`` and strings are refused."""
    if not isinstance(value, (bool, np.bool_)):
        _refuse(name, "true or false", value, kind=TypeError)
    return bool(value)


def choice(name: str, value, options):
    """One of ``options`` (compared with ``==``); the message lists them."""
    options = tuple(options)
    try:
        ok = value in options
    except TypeError:                        # unhashable / incomparable values
        ok = False
    if not ok:
        _refuse(name, "one of " + ", ".join(repr(o) for o in options), value)
    return value


def seed(value, name: str = "seed") -> int:
    """A seed: an integer from 0 to ``SEED_MAX`` (one 32-bit word, so that streams never collide)."""
    rule = "a non-negative integer below 2**32"
    if not _is_int(value):
        _refuse(name, rule, value, kind=TypeError)
    if not 0 <= value <= SEED_MAX:
        _refuse(name, rule, value)
    return int(value)


def callback(value):
    """``None`` or a callable ``callback(step, state)``."""
    if value is not None and not callable(value):
        _refuse("callback", "callable as callback(step, state) or None", value, kind=TypeError)
    return value


def device(value) -> torch.device:
    """``None`` (CPU), ``'cpu'``, ``'cuda'`` or a ``torch.device`` that exists on this machine."""
    rule = "None, 'cpu', 'cuda' or a torch.device"
    if value is not None and not isinstance(value, (str, torch.device)):
        _refuse("device", rule, value, kind=TypeError)
    try:
        dev = torch.device("cpu") if value is None else torch.device(value)
    except (RuntimeError, TypeError, ValueError):
        _refuse("device", rule, value)
    if dev.type not in ("cpu", "cuda"):
        _refuse("device", rule, value)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {value!r} is not available on this machine (torch sees no CUDA GPU); "
                         "use device=None for the CPU")
    return dev


# --------------------------------------------------------------------------- arrays


def as_matrix(name, a, *, d=None):
    """Validate and convert a 2-D float array of weight vectors (rows); a single vector is one row."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real 2-D array of weight vectors, got {type(a).__name__}") from exc
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array of shape (n, d) with d >= 1, got shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise ValueError(f"{name} must have d={d} columns to match, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers, got NaN or inf")
    return arr


def as_vector(name, a, n):
    """Validate a 1-D finite float vector of length ``n`` (a scalar is repeated ``n`` times)."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real vector of length {n}, got {type(a).__name__}") from exc
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers, got NaN or inf")
    return arr


# --------------------------------------------------------------------------- memory


def available_bytes(dev=None) -> int | None:
    """Memory available for a new allocation on ``dev`` (CPU: ``MemAvailable``), or ``None`` if unknown."""
    dev = torch.device("cpu") if dev is None else torch.device(dev)
    if dev.type == "cuda":
        return torch.cuda.mem_get_info(dev)[0]
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(n_bytes: float, what: str, device=None, *, fix: str = "use a smaller width") -> None:
    """Refuse, before starting, a computation that needs more memory than is available (``MemoryError``).

    ``n_bytes`` must be an estimate of the real peak (tests compare it with a measured peak)."""
    dev = torch.device("cpu") if device is None else torch.device(device)
    avail = available_bytes(dev)
    if avail is not None and n_bytes > avail:
        raise MemoryError(
            f"{what} needs about {n_bytes / 2**30:.1f} GiB but only {avail / 2**30:.1f} GiB is available "
            f"on {dev}; {fix}"
        )
