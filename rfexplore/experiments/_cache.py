"""One bounded cache for every experiment: least recently used results, limited in entries and bytes.

Keys are tuples of plain parameters, led by the name of the experiment (``("lazy_run", d, width, ...)``),
so one cache serves every dashboard and notebook without collisions. The byte size of an entry is
measured when it is stored (numpy arrays and torch tensors reachable from the value, each buffer
counted once per entry); buffers shared between entries are counted in each, so the bound errs on
the safe side.
"""

from __future__ import annotations

import types
from collections import OrderedDict

import numpy as np

from .. import validation

__all__ = ["CACHE", "Cache", "nbytes"]

_MISSING = object()


class Cache:
    """A least-recently-used cache of at most ``max_entries`` entries and ``max_bytes`` bytes.

    A value larger than ``max_bytes`` on its own is returned but not stored.
    """

    def __init__(self, *, max_entries: int = 64, max_bytes: int = 1 << 30):
        self.max_entries = validation.positive_int("max_entries", max_entries)
        self.max_bytes = validation.positive_int("max_bytes", max_bytes)
        self._data: OrderedDict = OrderedDict()        # key -> (value, bytes)
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key) -> bool:
        return key in self._data

    @property
    def nbytes(self) -> int:
        """Bytes held, as measured when each entry was stored."""
        return self._bytes

    def keys(self) -> list:
        """Keys from least to most recently used."""
        return list(self._data)

    def items(self) -> list:
        """``(key, value)`` pairs, least recently used first (does not count as a use)."""
        return [(k, v) for k, (v, _) in self._data.items()]

    def get(self, key, default=None):
        """The value stored under ``key`` (now the most recently used), else ``default``."""
        hit = self._data.get(key, _MISSING)
        if hit is _MISSING:
            return default
        self._data.move_to_end(key)
        return hit[0]

    def put(self, key, value) -> None:
        """Store ``value``, then forget the least recently used entries until within both bounds."""
        size = nbytes(value)
        self.pop(key)
        if size > self.max_bytes:
            return
        self._data[key] = (value, size)
        self._bytes += size
        while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, old) = self._data.popitem(last=False)
            self._bytes -= old

    def pop(self, key) -> None:
        hit = self._data.pop(key, None)
        if hit is not None:
            self._bytes -= hit[1]

    def clear(self) -> None:
        self._data.clear()
        self._bytes = 0

    def remember(self, key, compute, *, keep=None):
        """``get(key)``, or ``compute()`` stored under ``key`` (only if ``keep(value)`` is true, when given)."""
        hit = self.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        value = compute()
        if keep is None or keep(value):
            self.put(key, value)
        return value

    def __repr__(self) -> str:
        return (f"Cache({len(self)} of {self.max_entries} entries, {self._bytes / 2**20:.1f} of "
                f"{self.max_bytes / 2**20:.0f} MiB)")


def nbytes(value, *, _seen=None, _depth=0) -> int:
    """Bytes of the numpy arrays and torch tensors reachable from ``value`` (through containers,
    dataclasses and object attributes, 8 levels deep), each buffer counted once."""
    seen = set() if _seen is None else _seen
    if id(value) in seen or _depth > 8 or value is None or isinstance(value, (str, bytes, int, float, bool, type)):
        return 0
    if isinstance(value, (types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType)):
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        base = value if value.base is None else value.base
        if isinstance(base, np.ndarray) and id(base) != id(value):
            if id(base) in seen:
                return 0
            seen.add(id(base))
            return int(base.nbytes)
        return int(value.nbytes)
    if type(value).__module__.startswith("torch") and hasattr(value, "untyped_storage"):
        storage = value.untyped_storage()
        ptr = ("torch", storage.data_ptr())
        if ptr in seen:
            return 0
        seen.add(ptr)
        return int(storage.nbytes())
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    elif hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        items = list(getattr(value, "__dict__", {}).values())
        items += [getattr(value, s) for s in getattr(type(value), "__slots__", ()) if hasattr(value, s)]
    else:
        return 0
    return sum(nbytes(v, _seen=seen, _depth=_depth + 1) for v in items)


# The cache every experiment uses unless it is given another: 64 entries, 1 GiB. Explicit and bounded;
# ``CACHE.clear()`` empties it.
CACHE = Cache(max_entries=64, max_bytes=1 << 30)
