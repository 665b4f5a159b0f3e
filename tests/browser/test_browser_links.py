"""Lesson links in the app page (`make app`: Voila with preheated kernels, .ci/app/voila.py): a link's
configuration shown with the named controls hidden, lecture mode's font sizes measured in the page, the
Space/Right shortcuts, and a bad link giving a visible message and the defaults (no traceback).

The pooled kernels ran the notebook before the request; the page's query reaches the dashboard at page
time (Explorer.from_page), which is what this checks end to end."""

import time

import pytest
from classroom import start_app, wait_for_pool
from harness import APP_NOTEBOOK, CheckFailed, _wait_for_voila, check_outputs, stop_server

LESSON = "d=50&r=600&M=none&seed=0&hide=d,seed&lecture=1"
LECTURE_PX = 20

_VISIBLE_JS = """sel => { const el = document.querySelector(sel);
    return el ? !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) : null; }"""

# The smallest computed font size (px) of the visible elements matching a selector, and how many there are.
_MIN_FONT_JS = """sel => { const els = [...document.querySelectorAll(sel)].filter(el => el.getClientRects().length
        && (el.textContent || '').trim());
    const px = els.map(el => parseFloat(getComputedStyle(el).fontSize));
    return [els.length ? Math.min(...px) : null, els.length,
            els.filter((el, i) => px[i] < 20).slice(0, 5).map(el => el.textContent)]; }"""


@pytest.fixture(scope="module")
def app(browser_context, tmp_path_factory):
    server = start_app(APP_NOTEBOOK, tmp_path_factory.mktemp("links"), pool=2)
    wait_for_pool(server, 2)
    yield server
    stop_server(server)


def _open(page, app, query, timeout=300):
    page.goto(f"{app.url}/?{query}", timeout=timeout * 1000)
    _wait_for_voila(page, f"voila ?{query}", timeout)
    check_outputs(page, f"voila ?{query}")


def _readout(page, key):
    return page.evaluate(f"() => document.querySelector('.rfx-control-{key} .widget-readout')?.textContent")


def _wait_for(page, what, predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise CheckFailed(f"{what}: not seen within {timeout} s")
        page.wait_for_timeout(500)
    return value


def _training_step(page):
    text = page.evaluate("() => [...document.querySelectorAll('td')].map(td => td.textContent).join('|')")
    marker = "training step|"
    return int(text.split(marker, 1)[1].split("/")[0]) if marker in text else None


def test_lesson_link_shows_its_configuration_hidden_controls_and_lecture_fonts(page, console, app):
    _open(page, app, LESSON)
    _wait_for(page, "the link's width 600 in the width slider", lambda: _readout(page, "r") == "600")
    assert page.evaluate(_VISIBLE_JS, ".rfx-control-d") is False, "hide=d: the d slider is shown"
    assert page.evaluate(_VISIBLE_JS, ".rfx-control-seed") is False, "hide=seed: the seed box is shown"
    assert page.evaluate(_VISIBLE_JS, ".rfx-control-r") is True
    assert _readout(page, "d") == "50", "the hidden d slider does not hold the link's d"
    link = page.inner_text(".rfx-link")
    assert "link to this view" in link and "d=50&r=600" in link and "hide=d,seed" in link and "lecture=1" in link
    href = page.get_attribute(".rfx-link a", "href")
    assert href.startswith("?") and "&d=50&r=600&" in href, href

    sizes = {sel: page.evaluate(_MIN_FONT_JS, sel) for sel in (
        ".rfx-lecture .widget-label", ".rfx-lecture .widget-readout", ".rfx-lecture button",
        ".rfx-lecture .widget-html-content td", ".js-plotly-plot .xtick text", ".js-plotly-plot .ytick text",
        ".js-plotly-plot .g-xtitle text", ".js-plotly-plot .legendtext")}
    small = {sel: v for sel, v in sizes.items() if v[0] is None or v[0] < LECTURE_PX}
    assert not small, f"lecture mode: texts under {LECTURE_PX} px (or none found): {small}; all: {sizes}"

    page.mouse.click(5, 5)                          # focus on the page, not on a control
    start = _training_step(page)
    assert start == 0, start
    page.keyboard.press("ArrowRight")
    _wait_for(page, "Right: one Step", lambda: _training_step(page) == 10)
    page.keyboard.press("Space")
    _wait_for(page, "Space: Play", lambda: (_training_step(page) or 0) > 10)
    console.check("voila lesson link")


def test_bad_link_shows_a_message_and_the_defaults(page, console, app):
    _open(page, app, "d=abc&hide=seed")
    message = _wait_for(page, "the message on the bad link, at the top of the dashboard", lambda: page.evaluate(
        "() => document.querySelector('.rfx-notice')?.innerText"))
    assert "this link was not applied" in message, message
    assert "d must be an integer" in message and "'abc'" in message, message
    assert _readout(page, "d") == "40" and _readout(page, "r") == "300", "a bad link must leave the defaults"
    assert page.evaluate(_VISIBLE_JS, ".rfx-control-seed") is True, "a bad link must hide nothing"
    console.check("voila bad link")
