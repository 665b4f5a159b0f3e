"""The offline explorable (rfexplore.explorable): its weight sizes against NestedFit.fit at every width, its
stored numbers against the package's exact numbers recomputed here, the page's size bound for the documented
grid, determinism, and the URL-hash grammar (Python, and the page's own script under node where present)."""

import base64
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from rfexplore import ReluTarget, fit_nested, sample_features, train_neuron, train_rf
from rfexplore.explorable import (
    FULL_GRID,
    MAX_PAGE_BYTES,
    SMALL_GRID,
    ExplorableData,
    ExplorableGrid,
    build_explorable,
    check_config,
    explorable_data,
    parse_hash,
    render_explorable,
    to_hash,
    weight_sizes,
)
from rfexplore.explorable.__main__ import main as explorable_main
from rfexplore.explorable.data import NeuronCurve, PoolNumbers, TrainingCurve
from rfexplore.gaussian import rf_staircase

pytestmark = pytest.mark.usefixtures("single_thread")
ROOT = Path(__file__).resolve().parents[1]
PAGE_JS = ROOT / "rfexplore" / "explorable" / "page.js"


# ---------------------------------------------------------------- weight sizes at every width


@pytest.mark.parametrize("d, width, symmetric, bias_std", [
    (5, 60, True, 0.0),      # pairs beyond 2d: the batched (V_k^T V_k)^{-1} branch, odd widths included
    (20, 30, True, 0.0),     # fewer pairs than d: only the odd Gram factor's branch
    (4, 50, False, 0.0),     # i.i.d.: one triangular inverse
    # odd pool size: not factored by parts, the dense path; d = 25 keeps its 20 odd features independent (at
    # d = 3 the Gram matrix has condition 7e17, the widths past 6 are fits of the jitter, and two sound orders
    # of the same sums then differ by 1e-6: measured between the one-call and the column-blocked Cholesky)
    (25, 41, True, 0.0),
    (6, 40, False, 1.0),     # biased features: the dense path over the biased kernel
])
def test_weight_sizes_equal_nested_fit_at_every_width(d, width, symmetric, bias_std):
    nested = fit_nested(sample_features(d, width, symmetric=symmetric, bias_std=bias_std, seed=3))
    mags, l2 = weight_sizes(nested)
    fits = [nested.fit(m) for m in range(1, width + 1)]
    np.testing.assert_allclose(mags, [f.magnitude for f in fits], rtol=1e-9)
    np.testing.assert_allclose(l2, [f.l2_norm for f in fits], rtol=1e-9)


def test_weight_sizes_takes_a_nested_fit():
    with pytest.raises(TypeError, match="nested must be a NestedFit"):
        weight_sizes(sample_features(3, 4, seed=0))


# ---------------------------------------------------------------- the built page (small grid)


@pytest.fixture(scope="module")
def small_page(tmp_path_factory):
    """The small grid's page, built through the command line (`python -m rfexplore.explorable --small`)."""
    path = tmp_path_factory.mktemp("explorable") / "tour.html"
    threads = torch.get_num_threads()
    try:
        assert explorable_main([str(path), "--small"]) == 0
    finally:
        torch.set_num_threads(threads)
    return path


def _page_json(html, element_id):
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, flags=re.S)
    return json.loads(m.group(1))


def _f64(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f8")


def test_stored_numbers_equal_the_packages_exact_numbers(small_page):
    """One grid point, every kind of stored number, recomputed here from the public maths API."""
    data = _page_json(small_page.read_text(encoding="utf-8"), "explorable-data")
    g = SMALL_GRID
    d, pairs, seed = 10, True, 1
    di, pi, si = g.ds.index(d), g.pairs.index(pairs), g.seeds.index(seed)
    nested = fit_nested(sample_features(d, g.pool_size, symmetric=pairs, seed=seed), ReluTarget(norm=1.0))
    pool = data["pools"][di][pi][si]
    np.testing.assert_allclose(_f64(pool["errors"]), nested.relative_errors(), rtol=1e-12, atol=0)
    fits = [nested.fit(m) for m in range(1, g.pool_size + 1)]
    np.testing.assert_allclose(_f64(pool["magnitudes"]), [f.magnitude for f in fits], rtol=1e-9)
    np.testing.assert_allclose(_f64(pool["l2_norms"]), [f.l2_norm for f in fits], rtol=1e-9)
    assert pool["second_moment"] == 0.5 and pool["jitter"] == nested.jitter

    wi = g.train_widths.index(50)
    rf = train_rf(nested, width=50, steps=g.steps, method="iterate")
    curve = data["training"][di][pi][si][0][wi]
    np.testing.assert_allclose(_f64(curve["losses"]), rf.losses, rtol=1e-12)
    assert curve["best_error"] == pytest.approx(nested.relative_errors()[49], rel=1e-12)

    M, m = 3.0, 20
    mi, bi = 1 + g.budgets.index(M), g.budget_widths.index(m)
    budget = data["training"][di][pi][si][mi][bi]
    constrained = nested.fit(m, magnitude=M)
    assert constrained.method == "constrained"      # the budget binds here: a real box QP was compared
    assert budget["best_error"] == pytest.approx(constrained.relative_error, rel=1e-9)
    np.testing.assert_allclose(_f64(budget["losses"]),
                               train_rf(nested, width=m, steps=g.steps, magnitude=M, method="iterate").losses,
                               rtol=1e-10)

    lr = 1.0
    neuron = train_neuron(d, steps=g.steps, lr=lr, seed=seed, target=ReluTarget(norm=1.0))
    stored = data["neurons"][di][si][g.lrs.index(lr)]
    for key, want in (("losses", neuron.losses), ("distances", neuron.distances), ("angles", neuron.angles)):
        np.testing.assert_allclose(_f64(stored[key]), want, rtol=1e-12, atol=1e-300)

    sw, levels = rf_staircase(d, symmetric=pairs)[:2]
    assert data["staircase"][di][pi] == {"widths": [float(w) for w in sw], "levels": [float(v) for v in levels]}


def test_page_is_self_contained_and_says_what_it_computed(small_page):
    html = small_page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html), "the page must load nothing"
    script = PAGE_JS.read_text()
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\s*\()", script)
    from plotly.offline import get_plotlyjs

    assert script in html and get_plotlyjs() in html                 # both scripts inlined
    assert not re.search(r"@@[A-Z]+@@", html.replace(get_plotlyjs(), "")), "a template slot was left unfilled"
    assert SMALL_GRID.describe() in html
    size = len(html.encode("utf-8"))
    assert f"this page: {size / 1e6:.1f} MB" in html
    figures = _page_json(html, "explorable-figures")
    assert set(figures) == {"training", "width", "magnitude", "trajectory", "rf_name"}


def test_full_grid_page_stays_under_the_size_bound():
    """The documented grid's page, rendered from placeholder numbers of the real shapes (the size does not
    depend on the values: arrays are fixed-length base64), is under 15 MB."""
    g = FULL_GRID
    rng = np.random.default_rng(0)
    R, T = g.pool_size, g.steps + 1
    pools = {(d, p, s): PoolNumbers(rng.random(R), rng.random(R), rng.random(R), 1e-10, 0.5)
             for d in g.ds for p in g.pairs for s in g.seeds}
    training = {(d, p, s, None, m): TrainingCurve(rng.random(T), float(rng.random()))
                for (d, p, s) in pools for m in g.train_widths}
    training |= {(d, p, s, M, m): TrainingCurve(rng.random(T), float(rng.random()))
                 for (d, p, s) in pools for M in g.budgets for m in g.budget_widths}
    staircase = {(d, p): rf_staircase(d, symmetric=p)[:2] for d in g.ds for p in g.pairs}
    neurons = {(d, s, lr): NeuronCurve(rng.random(T), rng.random(T), rng.random(T))
               for d in g.ds for s in g.seeds for lr in g.lrs}
    size = len(render_explorable(ExplorableData(g, pools, training, staircase, neurons)).encode("utf-8"))
    assert 5e6 < size < MAX_PAGE_BYTES == 15 * 1024 * 1024


def test_build_refuses_a_page_over_the_bound(small_page, monkeypatch, tmp_path):
    import rfexplore.explorable.page as page

    tiny = replace(SMALL_GRID, ds=(5,), seeds=(0,), pairs=(True,), pool_size=20, steps=3, lrs=(0.1,), budgets=(3.0,),
                   train_widths=(1, 2), budget_widths=(1,), default=(("d", 5), ("r", 10), ("M", None), ("lr", 0.1),
                                                                    ("seed", 0), ("pairs", True), ("step", 3)))
    monkeypatch.setattr(page, "MAX_PAGE_BYTES", 1000)
    with pytest.raises(ValueError, match=r"over the limit of"):
        build_explorable(tmp_path / "big.html", grid=tiny)
    assert not (tmp_path / "big.html").exists()


def test_the_build_is_deterministic():
    tiny = ExplorableGrid(ds=(6,), seeds=(2,), pairs=(True, False), pool_size=40, steps=5, lrs=(0.3,), budgets=(2.0,),
                          train_widths=(1, 7, 40), budget_widths=(1, 7),
                          default=(("d", 6), ("r", 7), ("M", 2.0), ("lr", 0.3), ("seed", 2), ("pairs", False),
                                   ("step", 5)))
    first, second = (render_explorable(explorable_data(tiny)) for _ in range(2))
    assert first == second


# ---------------------------------------------------------------- the grid


def test_grid_rejects_bad_settings():
    with pytest.raises(TypeError, match="ds must be a non-empty tuple"):
        ExplorableGrid(ds=[5, 10])
    with pytest.raises(ValueError, match="strictly increasing"):
        ExplorableGrid(ds=(10, 5))
    with pytest.raises(ValueError, match="must start at width 1"):
        replace(FULL_GRID, train_widths=(2, 5))
    with pytest.raises(ValueError, match="must not exceed pool_size"):
        replace(FULL_GRID, budget_widths=(1, 4096))
    with pytest.raises(ValueError, match=r"default is not a configuration of this grid: d must be one of"):
        replace(FULL_GRID, ds=(5, 10))
    with pytest.raises(TypeError, match="grid must be an ExplorableGrid"):
        explorable_data({"ds": (5,)})
    with pytest.raises(TypeError, match="data must be ExplorableData"):
        render_explorable({})


def test_check_config_names_each_problem():
    good = FULL_GRID.defaults
    assert check_config(good, FULL_GRID) == []
    assert check_config({**good, "r": 0}, FULL_GRID) == ["r must be an integer from 1 to 2048, got '0'"]
    assert check_config({**good, "pairs": 1}, FULL_GRID) == ["pairs must be one of 1, 0 (the computed grid), got '1'"]
    assert check_config({**good, "d": 40.0}, FULL_GRID) == \
        ["d must be one of 5, 10, 20, 40, 50, 100 (the computed grid), got '40.0'"]
    assert check_config({"d": 40}, FULL_GRID) == [f"{k} is missing" for k in ("r", "M", "lr", "seed", "pairs", "step")]
    with pytest.raises(TypeError, match="config must be a dict"):
        check_config("d=40", FULL_GRID)


# ---------------------------------------------------------------- the hash


HASHES = {   # hash -> (changes from the defaults, problems)
    "": ({}, []),
    "#": ({}, []),
    "#d=50&r=600": ({"d": 50, "r": 600}, []),
    "d=5&r=1&M=3&lr=1&seed=2&pairs=0&step=0": ({"d": 5, "r": 1, "M": 3.0, "lr": 1.0, "seed": 2, "pairs": False,
                                                 "step": 0}, []),
    "#M=1e1&lr=.1&pairs=true&": ({"M": 10.0, "lr": 0.1}, []),
    "#d=40&r=300&M=none&norm=1&lr=0.1&steps=200&seed=0&pairs=1": ({}, []),        # the tour's own query
    "#r=%36%30%30": ({"r": 600}, []),
    "#d=7&r=600": ({}, ["d must be one of 5, 10, 20, 40, 50, 100 (the computed grid), got '7'"]),
    "#r=0": ({}, ["r must be an integer from 1 to 2048, got '0'"]),
    "#r=2049": ({}, ["r must be an integer from 1 to 2048, got '2049'"]),
    "#r=1.5": ({}, ["r must be an integer from 1 to 2048, got '1.5'"]),
    "#r=-3": ({}, ["r must be an integer from 1 to 2048, got '-3'"]),
    "#M=5": ({}, ["M must be none or one of 3, 10, 30, 100 (the computed grid), got '5'"]),
    "#M=inf": ({}, ["M must be none or one of 3, 10, 30, 100 (the computed grid), got 'inf'"]),
    "#lr=0.2": ({}, ["lr must be one of 0.01, 0.03, 0.1, 0.3, 1 (the computed grid), got '0.2'"]),
    "#seed=9": ({}, ["seed must be one of 0, 1, 2 (the computed grid), got '9'"]),
    "#pairs=yes": ({}, ["pairs must be 0 or 1, got 'yes'"]),
    "#step=201": ({}, ["step must be an integer from 0 to 200, got '201'"]),
    "#norm=2": ({}, ["norm must be 1 (only the unit target |w*| = 1 was computed), got '2'"]),
    "#steps=100": ({}, ["steps must be 200 (the computed training length), got '100'"]),
    "#width=3": ({}, ["unknown parameter 'width' in the link; known: d, r, M, lr, seed, pairs, step"]),
    "#d=5&d=10": ({}, ["d is given twice in the link"]),
    "#d": ({}, ["'d' in the link is not of the form key=value"]),
    "#r=%zz": ({}, ["'r=%zz' in the link is not valid percent-encoding"]),
    "#r=%ff": ({}, ["'r=%ff' in the link is not valid percent-encoding"]),
    "#d=5&r=abc&seed=7": ({}, ["r must be an integer from 1 to 2048, got 'abc'",
                               "seed must be one of 0, 1, 2 (the computed grid), got '7'"]),
}


@pytest.mark.parametrize("text", HASHES)
def test_parse_hash(text):
    changes, problems = HASHES[text]
    config, got = parse_hash(text, FULL_GRID)
    assert got == problems
    assert config == {**FULL_GRID.defaults, **changes}      # a bad value anywhere: all defaults


def test_to_hash_round_trips_and_refuses_bad_configurations():
    c = {**FULL_GRID.defaults, "d": 100, "r": 2048, "M": 30.0, "lr": 0.03, "pairs": False, "step": 7}
    text = to_hash(c, FULL_GRID)
    assert text == "d=100&r=2048&M=30&lr=0.03&seed=0&pairs=0&step=7"
    assert parse_hash(text, FULL_GRID) == (c, [])
    with pytest.raises(ValueError, match="lr must be one of"):
        to_hash({**c, "lr": 0.5}, FULL_GRID)
    with pytest.raises(TypeError, match="the hash must be a string"):
        parse_hash(None, FULL_GRID)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the page's parser is checked "
                    "in the browser tests instead")
def test_the_pages_script_parses_hashes_as_python_does(tmp_path):
    from rfexplore.explorable.page import _grid_json

    program = tmp_path / "parse.js"
    program.write_text(f"const api = require({json.dumps(str(PAGE_JS))});\n"
                       f"const grid = {json.dumps(_grid_json(FULL_GRID))};\n"
                       f"const hashes = {json.dumps(list(HASHES))};\n"
                       "console.log(JSON.stringify(hashes.map(h => api.parseHash(h, grid))));\n"
                       "console.log(JSON.stringify([api.toHash(grid.defaults, grid), api.fmtG(1234.5, 3), "
                       "api.fmtG(0.000123456, 3), api.fmtG(99.96, 3), api.fmtG(1e-5, 3), api.fmtG(12, 3), "
                       "api.fmtE(1.23456e-5, 2), api.fmtE(0, 2), api.fmtE(3e100, 2), api.fmtF(0.12345678, 4)]));\n")
    done = subprocess.run(["node", str(program)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    parsed, formats = (json.loads(line) for line in done.stdout.splitlines())
    for text, js in zip(HASHES, parsed, strict=True):
        assert (js["config"], js["problems"]) == parse_hash(text, FULL_GRID), text
    assert formats == [to_hash(FULL_GRID.defaults, FULL_GRID), f"{1234.5:.3g}", f"{0.000123456:.3g}",
                       f"{99.96:.3g}", f"{1e-5:.3g}", f"{12:.3g}", f"{1.23456e-5:.2e}", f"{0:.2e}",
                       f"{3e100:.2e}", f"{0.12345678:.4f}"]
