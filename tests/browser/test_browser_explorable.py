"""The offline explorable (`make explorable`, here its small test grid) in headless chromium, opened from
file:// with the network off: moving d and the width changes the figures and readouts to the package's
exact numbers for that configuration (recomputed here), the URL hash follows the controls, a page opened
with a hash shows that configuration, a bad hash shows a message and the defaults, and the page's hash
parser agrees with rfexplore.explorable.parse_hash."""

import json
import subprocess
import sys

import numpy as np
import pytest
from harness import REPO

from rfexplore import ReluTarget, fit_nested, sample_features, train_neuron, train_rf
from rfexplore.explorable import SMALL_GRID, parse_hash, to_hash
from rfexplore.gaussian import rf_staircase

GRID = SMALL_GRID


@pytest.fixture(scope="module")
def tour_html(tmp_path_factory):
    out = tmp_path_factory.mktemp("explorable") / "tour.html"
    done = subprocess.run([sys.executable, "-m", "rfexplore.explorable", str(out), "--small"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def offline(page):
    """No network for this page: the context is offline and every request but file:// is aborted (and recorded)."""
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.context.set_offline(True)
    yield requests
    page.context.set_offline(False)
    assert requests and all(url.startswith("file:") for url in requests), requests


def _open(page, path, hash_=""):
    page.goto(path.as_uri() + hash_)
    page.wait_for_function("['training', 'width', 'magnitude', 'trajectory'].every("
                           "n => document.querySelector('#fig-' + n + ' .main-svg'))")


def _readout(page):
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#readout td.value')]"
                         ".map(td => [td.dataset.key, td.textContent]))")


def _traces(page, name):
    return page.evaluate("""n => document.getElementById('fig-' + n).data.map(t => ({name: t.name,
        x: Array.from(t.x || []), y: Array.from(t.y || []),
        customdata: t.customdata ? Array.from(t.customdata) : null}))""", name)


def _trace(page, fig, name):
    return next(t for t in _traces(page, fig) if t["name"].startswith(name))


def _controls(page):
    return page.evaluate("""() => ({d: d.value, r: width.value, M: M.value, lr: lr.value, seed: seed.value,
                                    pairs: pairs.checked, step: step.value})""")


def _exact(d, r, M, lr, seed, pairs, step):
    """The package's numbers for one configuration, as the tour computes them."""
    nested = fit_nested(sample_features(d, GRID.pool_size, symmetric=pairs, seed=seed), ReluTarget(norm=1.0))
    errors = nested.relative_errors()
    sw, levels = rf_staircase(d, symmetric=pairs)[:2]
    train_width = max(w for w in (GRID.train_widths if M is None else GRID.budget_widths) if w <= r)
    rf = train_rf(nested, width=train_width, steps=GRID.steps, magnitude=M, method="iterate")
    neuron = train_neuron(d, steps=GRID.steps, lr=lr, seed=seed, target=ReluTarget(norm=1.0))
    best = nested.fit(r)
    out = {"errors": errors, "fit": best, "rf": rf, "neuron": neuron, "train_width": train_width,
           "readout": {"rf_error": f"{errors[r - 1]:.4f}", "magnitude": f"{best.magnitude:.3g}",
                       "plateau": f"{levels[sw <= r][-1] if (sw <= r).any() else 1.0:.4f}",
                       "neuron_error": f"{neuron.losses[step]:.2e}", "rf_training_error": f"{rf.losses[step]:.4f}",
                       "step": f"{step} / {GRID.steps}"}}
    if M is not None:
        out["readout"]["rf_error_with_budget"] = f"{nested.fit(r, magnitude=M).relative_error:.4f}"
    return out


def _check_page_shows(page, config):
    want = _exact(**config)
    assert _readout(page) == want["readout"]
    curve = _trace(page, "width", "RF error (exact")
    assert curve["x"] == list(range(1, GRID.pool_size + 1))
    np.testing.assert_allclose(curve["customdata"], want["errors"], rtol=1e-12)
    current = _trace(page, "width", "current width")
    assert current["x"] == [config["r"]]
    np.testing.assert_allclose(current["y"], [want["errors"][config["r"] - 1]], rtol=1e-12)
    np.testing.assert_allclose(_trace(page, "magnitude", "current width")["y"], [want["fit"].magnitude], rtol=1e-9)
    t = config["step"]
    rf = _trace(page, "training", "random features")
    np.testing.assert_allclose(rf["customdata"], want["rf"].losses[: t + 1], rtol=1e-10)
    assert rf["name"].endswith("" if want["train_width"] == config["r"] else f"at r = {want['train_width']}")
    np.testing.assert_allclose(_trace(page, "training", "single neuron")["customdata"], want["neuron"].losses[: t + 1],
                               rtol=1e-10)
    np.testing.assert_allclose(_trace(page, "trajectory", "angle")["y"], np.degrees(want["neuron"].angles[: t + 1]),
                               rtol=1e-10, atol=1e-12)


def test_controls_move_the_figures_to_the_exact_numbers_and_the_hash_follows(page, console, offline, tour_html):
    _open(page, tour_html)
    assert page.inner_text("#message") == ""
    c = GRID.defaults
    _check_page_shows(page, c)

    page.select_option("#d", "5")
    page.wait_for_function("document.getElementById('fig-width').layout.title.text.includes('d = 5')")
    page.evaluate("v => { const s = document.getElementById('width-slider'); s.value = Math.log10(v);"
                  " s.dispatchEvent(new Event('input')); }", 123)
    c = {**c, "d": 5, "r": 123}
    _check_page_shows(page, c)
    page.fill("#width", "37")
    page.dispatch_event("#width", "change")
    c = {**c, "r": 37}
    _check_page_shows(page, c)
    page.wait_for_function("h => location.hash === h", arg="#" + to_hash(c, GRID))
    assert page.input_value("#link").endswith("#" + to_hash(c, GRID))

    page.fill("#width", "0")                     # a bad width: a message, the picture stays
    page.dispatch_event("#width", "change")
    assert f"width r must be an integer from 1 to {GRID.pool_size}, got '0'" in page.inner_text("#message")
    _check_page_shows(page, c)

    page.evaluate("location.hash = '#d=10&r=3&pairs=0'")       # the address edited by hand
    c = {**GRID.defaults, "d": 10, "r": 3, "pairs": False}
    page.wait_for_function("document.getElementById('width').value === '3'")
    _check_page_shows(page, c)
    console.check("tour.html")


def test_a_page_opened_with_a_hash_shows_that_configuration(page, console, offline, tour_html):
    c = {"d": 5, "r": 20, "M": 3.0, "lr": 1.0, "seed": 1, "pairs": False, "step": 10}
    _open(page, tour_html, "#" + to_hash(c, GRID))
    assert _controls(page) == {"d": "5", "r": "20", "M": "3", "lr": "1", "seed": "1", "pairs": False, "step": "10"}
    assert page.inner_text("#message") == ""
    _check_page_shows(page, c)
    budget = _trace(page, "width", "with magnitude budget M")
    assert budget["x"] == [20] and len(budget["y"]) == 1
    console.check("tour.html#...")


def test_a_bad_hash_shows_a_message_and_the_defaults(page, console, offline, tour_html):
    _open(page, tour_html, "#d=7&r=20")
    message = page.inner_text("#message")
    assert "shows the defaults" in message and "d must be one of 5, 10 (the computed grid), got '7'" in message
    assert page.is_visible("#message")
    _check_page_shows(page, GRID.defaults)
    console.check("tour.html#d=7")


HASHES = ["", "#d=5&r=256&M=10&lr=1&seed=1&pairs=0&step=0", "#r=257", "#M=30", "#lr=0.3", "#seed=2",
          "#steps=40&norm=1", "#steps=200", "#pairs=false&pairs=1", "#x=1", "#r", "#r=%4", "#r=%3", "#d=10&d=5",
          "#r=1e2", "#M=1e1&lr=1.0&step=040"]


def test_the_page_parses_hashes_as_python_does(page, offline, tour_html):
    _open(page, tour_html)
    parsed = page.evaluate("hs => { const g = JSON.parse(document.getElementById('explorable-data').textContent).grid;"
                           " return hs.map(h => rfexplore.parseHash(h, g)); }", HASHES)
    for text, js in zip(HASHES, parsed, strict=True):
        assert (js["config"], js["problems"]) == parse_hash(text, GRID), text
    assert json.dumps([p["problems"] for p in parsed]).count("must") >= 6     # the bad ones were bad
