"""The check of one control's value, by :mod:`rfexplore.validation`'s one rule: wrong type -> TypeError,
wrong value -> ValueError, the message naming the parameter, the rule (with the range) and the value.
Nothing is ever clamped."""

from __future__ import annotations

import numpy as np

from .. import validation

__all__ = ["check_value"]


def _is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def check_option(name, value, options):
    """One of ``options``, returned as the option itself (``8.0`` for the option ``8``); a bool is no number."""
    numbers = all(_is_number(o) for o in options)
    flag = isinstance(value, (bool, np.bool_)) and not any(isinstance(o, bool) for o in options)
    if flag or (numbers and not _is_number(value)):
        # a wrong type (True == 1 in Python, so a flag is caught here too): TypeError, as validation would
        raise TypeError(f"{name} must be one of {', '.join(repr(o) for o in options)}, got {value!r} "
                        f"({type(value).__name__})")
    validation.choice(name, value, options)
    return options[options.index(value)]


def check_value(control, value):
    """The value ``control`` holds for ``value`` (canonical Python types), else TypeError/ValueError."""
    c, name = control, control.name
    if c.kind in ("int", "logint"):
        return validation.integer(name, value, low=c.low, high=c.high)
    if c.kind in ("float", "log"):
        return validation.real(name, value, low=c.low, high=c.high)
    if c.kind == "seed":
        return validation.seed(value, name)
    if c.kind == "check":
        return validation.boolean(name, value)
    if c.kind == "choice":
        return check_option(name, value, c.values)
    raise ValueError(f"kind must be one of int, logint, float, log, seed, check, choice; got {c.kind!r}")
