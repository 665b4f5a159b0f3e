"""The check of one control's value: wrong type -> TypeError, wrong value -> ValueError, the message
naming the parameter, the rule (with the range) and the value. Nothing is ever clamped."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_value"]


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_real(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _range(low, high):
    return f"from {low:g} to {high:g}"


def check_value(control, value):
    """The value ``control`` holds for ``value`` (canonical Python types), else TypeError/ValueError."""
    c, name = control, control.name
    if c.kind in ("int", "logint"):
        rule = f"an integer {_range(c.low, c.high)}"
        if not _is_int(value):
            raise TypeError(f"{name} must be {rule}, got {value!r}")
        if not c.low <= value <= c.high:
            raise ValueError(f"{name} must be {rule}, got {value!r}")
        return int(value)
    if c.kind in ("float", "log"):
        rule = f"a number {_range(c.low, c.high)}" + (" or None (off)" if c.off else "")
        if not _is_real(value):
            raise TypeError(f"{name} must be {rule}, got {value!r}")
        if not (math.isfinite(value) and c.low <= value <= c.high):
            raise ValueError(f"{name} must be {rule}, got {value!r}")
        return float(value)
    if c.kind == "seed":
        if not _is_int(value):
            raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        return int(value)
    if c.kind == "check":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if c.kind == "choice":
        for v in c.values:
            if type(v) is type(value) and v == value:
                return v
            if _is_real(v) and _is_real(value) and math.isclose(float(v), float(value), rel_tol=1e-9):
                return v
            if isinstance(v, str) and isinstance(value, str) and v == value:
                return v
        shown = ", ".join(repr(v) if isinstance(v, str) else format(v, "g") for v in c.values)
        raise ValueError(f"{name} must be one of {shown}; got {value!r}")
    raise ValueError(f"kind must be one of int, logint, float, log, seed, check, choice; got {c.kind!r}")
