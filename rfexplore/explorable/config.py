"""The page's configuration and its URL hash (``#d=50&r=600&M=none&lr=0.1&seed=0&pairs=1&step=200``).

The page's script (``page.js``) parses the hash by the same rules, with the same messages; the
browser test checks that both agree. A link with any bad value shows the defaults and says why.
The tour's query keys ``norm`` and ``steps`` are accepted at the only values the page computed.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["HASH_KEYS", "check_config", "parse_hash", "to_hash"]

HASH_KEYS = ("d", "r", "M", "lr", "seed", "pairs", "step")
_TOUR_KEYS = ("norm", "steps")
_INT = re.compile(r"[0-9]+")
_REAL = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _labels(values) -> str:
    return ", ".join(f"{v:g}" for v in values)


def _one_of(name, values, raw) -> str:
    return f"{name} must be one of {_labels(values)} (the computed grid), got '{raw}'"


def _decode(raw: str) -> str | None:
    """Percent-decoding as the browser's ``decodeURIComponent`` does it; ``None`` where it would throw."""
    if _BAD_PERCENT.search(raw):
        return None
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None


def _parse_value(key, raw, grid):
    """``(value, problem)`` for one hash entry; ``problem`` is ``None`` when the value is good."""
    if key == "d" or key == "seed":
        values = grid.ds if key == "d" else grid.seeds
        if _INT.fullmatch(raw) and int(raw) in values:
            return int(raw), None
        return None, _one_of(key, values, raw)
    if key == "r":
        if _INT.fullmatch(raw) and 1 <= int(raw) <= grid.pool_size:
            return int(raw), None
        return None, f"r must be an integer from 1 to {grid.pool_size}, got '{raw}'"
    if key == "step":
        if _INT.fullmatch(raw) and int(raw) <= grid.steps:
            return int(raw), None
        return None, f"step must be an integer from 0 to {grid.steps}, got '{raw}'"
    if key == "M":
        if raw == "none":
            return None, None
        if _REAL.fullmatch(raw) and float(raw) in grid.budgets:
            return float(raw), None
        return None, f"M must be none or one of {_labels(grid.budgets)} (the computed grid), got '{raw}'"
    if key == "lr":
        if _REAL.fullmatch(raw) and float(raw) in grid.lrs:
            return float(raw), None
        return None, _one_of("lr", grid.lrs, raw)
    if key == "pairs":
        value = {"1": True, "true": True, "0": False, "false": False}.get(raw)
        if value is None:
            return None, f"pairs must be 0 or 1, got '{raw}'"
        if value not in grid.pairs:
            return None, _one_of("pairs", [int(p) for p in grid.pairs], raw)
        return value, None
    if key == "norm":
        ok = _REAL.fullmatch(raw) and float(raw) == 1.0
        return None, None if ok else f"norm must be 1 (only the unit target |w*| = 1 was computed), got '{raw}'"
    if key == "steps":
        ok = _INT.fullmatch(raw) and int(raw) == grid.steps
        return None, None if ok else f"steps must be {grid.steps} (the computed training length), got '{raw}'"
    raise AssertionError(key)


def parse_hash(text: str, grid) -> tuple[dict, list[str]]:
    """``(configuration, problems)`` from a URL hash (with or without ``#``) for a page built on ``grid``.

    Keys left out take their defaults; with any problem the whole configuration is the defaults.

    >>> from rfexplore.explorable import FULL_GRID
    >>> parse_hash("#d=50&r=600", FULL_GRID)[0]["d"], parse_hash("#d=50&r=600", FULL_GRID)[1]
    (50, [])
    >>> parse_hash("d=7", FULL_GRID)[1]
    ["d must be one of 5, 10, 20, 40, 50, 100 (the computed grid), got '7'"]
    """
    if not isinstance(text, str):
        raise TypeError(f"the hash must be a string, got {type(text).__name__}")
    config, problems, seen = grid.defaults, [], set()
    for part in (text[1:] if text.startswith("#") else text).split("&"):
        if not part:
            continue
        if "=" not in part:
            problems.append(f"'{part}' in the link is not of the form key=value")
            continue
        raw_key, raw_value = part.split("=", 1)
        key, raw = _decode(raw_key), _decode(raw_value)
        if key is None or raw is None:
            problems.append(f"'{part}' in the link is not valid percent-encoding")
            continue
        if key not in HASH_KEYS + _TOUR_KEYS:
            problems.append(f"unknown parameter '{key}' in the link; known: {', '.join(HASH_KEYS)}")
            continue
        if key in seen:
            problems.append(f"{key} is given twice in the link")
            continue
        seen.add(key)
        value, problem = _parse_value(key, raw, grid)
        if problem is not None:
            problems.append(problem)
        elif key in HASH_KEYS:
            config[key] = value
    return (grid.defaults if problems else config), problems


def to_hash(config: dict, grid) -> str:
    """The hash (without ``#``) for a configuration, keys in the order of :data:`HASH_KEYS`.

    >>> from rfexplore.explorable import FULL_GRID
    >>> to_hash(FULL_GRID.defaults, FULL_GRID)
    'd=40&r=300&M=none&lr=0.1&seed=0&pairs=1&step=200'
    """
    problems = check_config(config, grid)
    if problems:
        raise ValueError("; ".join(problems))
    c = {**grid.defaults, **config}
    return "&".join([f"d={c['d']}", f"r={c['r']}", "M=none" if c["M"] is None else f"M={c['M']:g}",
                     f"lr={c['lr']:g}", f"seed={c['seed']}", f"pairs={int(c['pairs'])}", f"step={c['step']}"])


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_config(config: dict, grid) -> list[str]:
    """Problems of a configuration given as Python values (``{"d": 40, "r": 300, "M": None, ...}``)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    problems = [f"unknown parameter {k!r}; known: {', '.join(HASH_KEYS)}" for k in config if k not in HASH_KEYS]
    problems += [f"{k} is missing" for k in HASH_KEYS if k not in config]
    if problems:
        return problems
    c = config
    if c["d"] not in grid.ds or not _is_int(c["d"]):
        problems.append(_one_of("d", grid.ds, c["d"]))
    if not _is_int(c["r"]) or not 1 <= c["r"] <= grid.pool_size:
        problems.append(f"r must be an integer from 1 to {grid.pool_size}, got '{c['r']}'")
    if c["M"] is not None and (isinstance(c["M"], bool) or c["M"] not in grid.budgets):
        problems.append(f"M must be none or one of {_labels(grid.budgets)} (the computed grid), got '{c['M']}'")
    if isinstance(c["lr"], bool) or c["lr"] not in grid.lrs:
        problems.append(_one_of("lr", grid.lrs, c["lr"]))
    if c["seed"] not in grid.seeds or not _is_int(c["seed"]):
        problems.append(_one_of("seed", grid.seeds, c["seed"]))
    if not isinstance(c["pairs"], bool) or c["pairs"] not in grid.pairs:
        problems.append(_one_of("pairs", [int(p) for p in grid.pairs], c["pairs"]))
    if not _is_int(c["step"]) or not 0 <= c["step"] <= grid.steps:
        problems.append(f"step must be an integer from 0 to {grid.steps}, got '{c['step']}'")
    return problems
