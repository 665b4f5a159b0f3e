"""The one bounded cache of the experiments: least recently used out first, bounded in entries and bytes."""

import numpy as np
import pytest
import torch

from rfexplore.experiments import CACHE, Cache, nbytes


def test_least_recently_used_entries_go_first():
    c = Cache(max_entries=3)
    for k in "abc":
        c.put(k, k.upper())
    assert c.get("a") == "A"                       # a is now the most recently used
    c.put("d", "D")
    assert c.keys() == ["c", "a", "d"] and "b" not in c and len(c) == 3


def test_the_byte_bound_holds_and_an_oversized_value_is_not_kept():
    c = Cache(max_entries=100, max_bytes=10_000)
    for i in range(5):
        c.put(i, np.zeros(300))                    # 2400 bytes each
    assert c.keys() == [1, 2, 3, 4] and c.nbytes == 4 * 2400 <= c.max_bytes
    c.put("big", np.zeros(2000))                   # 16 000 bytes: returned by remember, never stored
    assert "big" not in c and c.nbytes == 4 * 2400
    assert c.remember("big", lambda: "computed") == "computed" and c.get("big") == "computed"


def test_remember_computes_once_and_keep_can_refuse():
    c, calls = Cache(), []
    assert c.remember("k", lambda: calls.append(1) or 5) == 5
    assert c.remember("k", lambda: calls.append(1) or 6) == 5 and calls == [1]
    assert c.remember("no", lambda: 7, keep=lambda v: False) == 7 and "no" not in c


def test_sizes_count_arrays_and_tensors_once():
    a = np.zeros(100)
    t = torch.zeros(50, dtype=torch.float64)
    assert nbytes({"x": a, "y": a, "view": a[10:], "t": t, "t2": t[:5]}) == 800 + 400
    assert nbytes([1, "s", None, 2.5]) == 0


@pytest.mark.parametrize("kwargs, error", [(dict(max_entries=0), ValueError), (dict(max_bytes=-1), ValueError),
                                           (dict(max_entries=2.5), TypeError)])
def test_bounds_are_validated(kwargs, error):
    with pytest.raises(error, match="must be a positive integer"):
        Cache(**kwargs)


def test_the_shared_cache_is_bounded():
    assert CACHE.max_entries == 64 and CACHE.max_bytes == 2**30
