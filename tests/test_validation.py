"""The one validation rule: wrong type -> TypeError, wrong value -> ValueError, the message names the
parameter, the rule and the value; nothing is clamped."""

import math

import numpy as np
import pytest
import torch

from rfexplore import validation as v


@pytest.mark.parametrize("call, exc, message", [
    (lambda: v.integer("width", 2.0), TypeError, r"width must be an integer, got 2.0 \(float\)"),
    (lambda: v.integer("width", True), TypeError, r"width must be an integer, got True \(bool\)"),
    (lambda: v.positive_int("width", 0), ValueError, "width must be a positive integer, got 0"),
    (lambda: v.nonneg_int("kmax", -1), ValueError, "kmax must be a non-negative integer, got -1"),
    (lambda: v.integer("d", 201, low=2, high=200), ValueError, "d must be an integer from 2 to 200, got 201"),
    (lambda: v.integer("d", 2**64, low=2, high=200), ValueError, "d must be an integer from 2 to 200"),
    (lambda: v.real("b", "x"), TypeError, r"b must be a finite number, got 'x' \(str\)"),
    (lambda: v.real("b", math.nan), ValueError, "b must be a finite number, got nan"),
    (lambda: v.real("b", 10**400), ValueError, "b must be a finite number, got 1000"),
    (lambda: v.positive("lr", 0.0), ValueError, "lr must be a finite positive number, got 0.0"),
    (lambda: v.positive("lr", math.inf), ValueError, "lr must be a finite positive number, got inf"),
    (lambda: v.nonneg("ridge", -1e-3), ValueError, "ridge must be a finite non-negative number, got -0.001"),
    (lambda: v.real("eps", 1.0, low=0, high=1, low_open=True, high_open=True), ValueError,
     r"eps must be a number in \(0, 1\), got 1.0"),
    (lambda: v.positive("norm", 2000.0, high=1000), ValueError, r"norm must be a number in \(0, 1000\], got 2000.0"),
    (lambda: v.boolean("pairs", 1), TypeError, r"pairs must be true or false, got 1 \(int\)"),
    (lambda: v.choice("init", "x", ("random", "zero")), ValueError, "init must be one of 'random', 'zero', got 'x'"),
    (lambda: v.choice("init", [1], ("random",)), ValueError, "init must be one of 'random', got \\[1\\]"),
    (lambda: v.seed(-3), ValueError, r"seed must be a non-negative integer below 2\*\*32, got -3"),
    (lambda: v.seed(2**32), ValueError, r"seed must be a non-negative integer below 2\*\*32, got 4294967296"),
    (lambda: v.seed("0"), TypeError, r"seed must be a non-negative integer below 2\*\*32, got '0' \(str\)"),
    (lambda: v.callback(3), TypeError, r"callback must be callable as callback\(step, state\) or None"),
    (lambda: v.device(3), TypeError, r"device must be None, 'cpu', 'cuda' or a torch.device, got 3 \(int\)"),
    (lambda: v.device("tpu:7"), ValueError, "device must be None, 'cpu', 'cuda' or a torch.device, got 'tpu:7'"),
    (lambda: v.device("meta"), ValueError, "device must be None, 'cpu', 'cuda' or a torch.device, got 'meta'"),
    (lambda: v.as_matrix("W", [[1.0, np.nan]]), ValueError, "W must contain only finite numbers"),
    (lambda: v.as_vector("b", [1.0, 2.0], 3), ValueError, r"b must have shape \(3,\), got shape \(2,\)"),
    (lambda: v.check_memory(2.0**60, "a test matrix"), MemoryError, "a test matrix needs about 1073741824.0 GiB"),
])
def test_refusals_name_parameter_rule_and_value(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_accepted_values_are_converted_not_clamped():
    assert v.integer("d", np.int64(7), low=2, high=200) == 7 and type(v.integer("d", np.int64(7))) is int
    assert v.positive("lr", np.float32(0.5)) == 0.5 and type(v.positive("lr", 1)) is float
    assert v.real("eps", 1e-300, low=0, high=1, low_open=True) == 1e-300
    assert v.boolean("pairs", np.bool_(True)) is True
    assert v.seed(2**32 - 1) == 2**32 - 1
    assert v.device(None) == torch.device("cpu") and v.device("cpu") == torch.device("cpu")
    assert v.as_vector("b", 0.5, 3).tolist() == [0.5, 0.5, 0.5]


def test_a_huge_value_is_not_echoed_back_whole():
    with pytest.raises(ValueError) as info:
        v.choice("target", "x" * 10**6, ("neuron",))
    assert len(str(info.value)) < 200
