"""The proof dashboard (notebook 07), headless: its numbers and figures are the experiment's, every
control changes what it says, a state goes out and comes back exactly, bad values are refused."""

import json

import numpy as np
import pytest

from rfexplore.dashboards import ProofState, proof_dashboard
from rfexplore.experiments import Cache, log_widths, proof_result

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

POOL = 80


@pytest.fixture(scope="module")
def cache():
    return Cache()


def make(cache, **kw):
    return proof_dashboard(**{"d": 5, "width": POOL, "pool_size": POOL, "component": 2, "cache": cache,
                              "headless": True, **kw})


def _expected(c, cache):
    return proof_result(c.d, width=c.width, period=c.period, norm=c.norm, component=c.component,
                        mirrored=c.mirrored, pool_size=POOL, bias_std=c.bias_std, seed=c.seed, cache=cache)


def test_numbers_and_readout_are_the_experiments(cache):
    d = make(cache)
    res = _expected(d.config, cache)
    n = d.numbers()
    assert n["psi_l2"] == res.psi_error and n["bound"] == res.bound and n["holds"] == res.holds
    assert n["chosen_l2"] == res.chosen_error and n["largest_component_l2"] == res.hardest_error
    assert n["chosen_offset"] == 0.75 and n["chosen_sign"] == 1 and n["chosen_norm"] == 1.0
    assert n["components"] == 22 and n["total_coefficient"] == 42.0
    text = d.readout.value
    assert f"{res.psi_error:.4g}" in text and f"{res.bound:.3g}" in text and "[⟨w*,x⟩ − 0.75]₊" in text
    assert ("holds" if res.holds else "FAILS") in text


def test_the_figures_draw_the_experiments_curves(cache):
    d = make(cache, width=40)
    res = d.result
    cv = res.curves
    grid = log_widths(POOL)
    chain, dec, comps, corr = d.figures
    psi = next(t for t in chain.data if t.name == "zig-zag ψ")
    np.testing.assert_array_equal(psi.customdata, cv.psi_errors[grid - 1])
    chosen = next(t for t in chain.data if t.name == "[⟨w*,x⟩ − 0.75]₊")
    np.testing.assert_array_equal(chosen.customdata, cv.component_errors[res.index, grid - 1])
    marker = next(t for t in chain.data if t.name == "current width")
    assert list(marker.x) == [40.0, 40.0] and list(marker.customdata) == [res.psi_error, res.chosen_error]
    ramp = next(t for t in dec.data if t.name.endswith("[⟨w*,x⟩ − 0.75]₊"))
    np.testing.assert_array_equal(ramp.y, res.chosen_curve)
    mark = next(t for t in comps.data if t.name == "chosen component")
    assert list(mark.x) == [0.75]
    bound = next(t for t in comps.data if t.name == "chain bound")
    assert set(bound.y) == {res.bound}
    feats = next(t for t in corr.data if t.name == "features of the pool")
    np.testing.assert_array_equal(feats.customdata, np.abs(cv.correlations))
    assert "r = 40" in comps.layout.title.text and "d = 5" in chain.layout.title.text


@pytest.mark.parametrize("change", [dict(width=20), dict(component=4), dict(mirrored=True), dict(period=2.0),
                                    dict(norm=0.5), dict(d=6), dict(bias_std=0.0), dict(seed=1)])
def test_every_control_changes_the_numbers_and_they_stay_the_experiments(cache, change):
    d = make(cache)
    before = d.numbers()
    assert d.set(**change), d.status.value
    assert d.numbers() != before
    res = _expected(d.config, cache)
    assert d.numbers()["psi_l2"] == res.psi_error and d.numbers()["chosen_l2"] == res.chosen_error


def test_mirrored_component_is_the_neuron_on_the_minus_side(cache):
    d = make(cache, component=3, mirrored=True)
    n = d.numbers()
    assert n["chosen_sign"] == -1 and n["chosen_offset"] == 1.25
    assert "[−⟨w*,x⟩ − 1.25]₊" in d.readout.value
    assert list(next(t for t in d.figures[2].data if t.name == "chosen component").x) == [-1.25]


def test_export_and_restore_give_the_same_numbers(cache):
    d = make(cache)
    assert d.set(width=33, period=2.0, norm=0.5, component=1, mirrored=True, seed=2)
    numbers = d.numbers()
    for text in (d.config.to_json(), d.config.to_query()):
        fresh = make(cache)
        assert fresh.load(text), fresh.status.value
        assert fresh.config == d.config and fresh.numbers() == numbers
    data = d.export_data()
    json.dumps(data)
    assert data["config"]["width"] == 33 and len(data["psi_errors"]) == POOL
    assert data["psi_errors"][32] == numbers["psi_l2"]
    assert ProofState.from_query(d.config.to_query()) == d.config


@pytest.mark.parametrize("change, message", [
    (dict(component=11), "component must be an integer from 0 to 10"),
    (dict(norm=4.0), "norm / period must be at most 2"),
    (dict(period=0.25), "norm / period must be at most 2"),
    (dict(width=POOL + 1), f"width must be an integer from 1 to {POOL}, got {POOL + 1}"),
    (dict(d=41), "d must be an integer from 2 to 40, got 41"),
    (dict(period=0.7), "period must be one of"),
    (dict(bias_std=0.3), "bias_std must be one of"),
    (dict(component=-1), "component must be an integer from 0 to 20, got -1"),
])
def test_bad_values_are_refused_and_the_last_state_stays(cache, change, message):
    d = make(cache)
    good, numbers = d.config, d.numbers()
    assert d.set(**change) is False
    assert message in d.status.value.replace("&lt;", "<").replace("&#x27;", "'")
    assert d.config == good and d.numbers() == numbers


def test_constructor_refuses_out_of_range_values():
    with pytest.raises(ValueError, match="pool_size must be an integer from 20 to 2000, got 10"):
        proof_dashboard(pool_size=10, headless=True)
    with pytest.raises(ValueError, match="component must be an integer from 0 to 10"):
        proof_dashboard(d=4, width=20, pool_size=20, component=15, cache=Cache(), headless=True)
    with pytest.raises(TypeError, match="mirrored"):
        proof_dashboard(d=4, width=20, pool_size=20, mirrored="yes", cache=Cache(), headless=True)


def test_lecture_keyword_and_link(cache):
    d = make(cache, lecture=True)
    assert d.lecture and "lecture=1" in d.link_query()
    assert "r=80" in d.link_query() and "k=2" in d.link_query()
