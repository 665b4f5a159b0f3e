"""FigureView in a real browser, JupyterLab and Voila: plotly.js arrives once, every figure is drawn, and
updates made from Python (a changed trace, a grown trace) reach the page — in Voila also those made
before the page connected."""

import json

import nbformat
import numpy as np
import pytest
from harness import REPO, _wait_for_voila, check_outputs, run_in_lab, start_voila, stop_server

CELLS = [
    "import numpy as np, plotly.graph_objects as go\n"
    "from ipywidgets import VBox\n"
    "from rfexplore.dashboards._figure_view import FigureView\n"
    "lay = dict(width=400, height=300)\n"
    "views = [FigureView(go.Figure(go.Scatter(x=np.arange(5.), y=np.arange(5.) * k, name=f't{k}'), layout=lay))\n"
    "         for k in range(6)]\n"
    "VBox(views)",
    "views[0].show(go.Figure(go.Scatter(x=np.arange(5.), y=np.arange(5.) ** 2, name='t0'), layout=lay))\n"
    "views[1].show(go.Figure(go.Scatter(x=np.arange(8.), y=np.arange(8.), name='t1'), layout=lay))",
]
EXPECTED = {0: np.arange(5.0) ** 2, 1: np.arange(8.0), 2: 2 * np.arange(5.0)}


def _write_notebook(name, cells):
    """A notebook of these code cells under artifacts/ (the Lab and Voila servers serve the repository)."""
    path = REPO / "artifacts" / name
    path.parent.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def notebook():
    path = _write_notebook("figure_view_check.ipynb", CELLS)
    yield path
    path.unlink(missing_ok=True)


def _ys(fig):
    trace = json.loads(fig["traces"])[0]
    y = trace["y"]
    return np.asarray(y["_inputArray"] if isinstance(y, dict) else y, dtype=float)


def _check(page, console, where):
    figs = check_outputs(page, where)
    assert len(figs) == 6, f"{where}: {len(figs)} figures drawn, expected 6"
    for i, want in EXPECTED.items():
        np.testing.assert_array_equal(_ys(figs[i]), want, err_msg=f"{where}: figure {i}")
    console.check(where)


def test_figure_view_in_lab(page, console, lab, notebook):
    run_in_lab(page, lab, notebook)
    _check(page, console, "lab")


def test_figure_view_in_voila(page, console, notebook, tmp_path):
    server = start_voila(notebook, tmp_path)
    try:
        page.goto(server.url, timeout=300_000)
        _wait_for_voila(page, "voila figure view", 300)
        _check(page, console, "voila")
    finally:
        stop_server(server)


# ---------------------------------------------------------------- Play in the page (issue 13)

PLAY_CELLS = ["from rfexplore.dashboards import TourDashboard\n"
              "dash = TourDashboard(pool_size=512)\n"
              "dash"]

# the x and y arrays of every trace of the dashboard's figure views, as plotly drew them (gd.data)
_DRAWN_JS = """() => [...document.querySelectorAll('.rfx-figure .js-plotly-plot')].map(gd =>
    gd.data.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])})))"""


def test_play_in_lab_grows_the_curve_in_the_page_and_ends_at_the_kernels_figure(page, console, lab, tmp_path):
    from rfexplore.dashboards import TourDashboard

    path = _write_notebook("play_in_page_check.ipynb", PLAY_CELLS)
    try:
        run_in_lab(page, lab, path)
        check_outputs(page, "lab play")
        kernel = TourDashboard(pool_size=512, headless=True)     # the kernel's figures at the end of Play
        kernel.run()
        rf = kernel.slots["training"].fig.data[0].name
        page.locator(".widget-play button").first.click()
        seen = []
        for _ in range(400):
            drawn = page.evaluate(_DRAWN_JS)
            n = next(len(t["x"]) for t in drawn[0] if t["name"] == rf)
            if not seen or seen[-1] != n:
                seen.append(n)
            if n == kernel.steps + 1:
                break
            page.wait_for_timeout(25)
        assert seen[-1] == kernel.steps + 1, f"the training curve stopped at {seen[-1]} points"
        assert len(seen) >= 5 and seen == sorted(seen), f"the training curve did not grow step by step: {seen}"
        page.wait_for_timeout(1500)                              # the last frame and the settling redraw
        drawn = page.evaluate(_DRAWN_JS)
        for k, name in ((0, "training"), (3, "trajectory")):
            for t, want in zip(drawn[k], kernel.slots[name].fig.data, strict=True):
                assert t["name"] == want.name
                for key in ("x", "y"):
                    got = np.asarray([np.nan if v is None else v for v in t[key]], dtype=float)
                    np.testing.assert_array_equal(got, np.asarray(getattr(want, key), dtype=float),
                                                  err_msg=f"{name}: {want.name} {key}")
        console.check("lab play")
    finally:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- a page that connects after the run (issue 13)

LATE_CELLS = ["from rfexplore.dashboards import TourDashboard\n"
              "dash = TourDashboard(pool_size=512)\n"
              "dash.run()          # trained before any page is connected: the run is in the views' state\n"
              "dash"]


def _curve_points(page, rf):
    drawn = page.evaluate(_DRAWN_JS)
    return next(len(t["x"]) for t in drawn[0] if t["name"] == rf)


def test_a_page_that_connects_after_the_run_replays_it_in_the_page(page, console, tmp_path):
    """Voila runs the notebook before its page connects: the training run, sent before, must still be drawn by
    the page (Reset, then Play grows the curve step by step), though the kernel does not send it again."""
    from rfexplore.dashboards import TourDashboard

    path = _write_notebook("late_page_check.ipynb", LATE_CELLS)
    server = start_voila(path, tmp_path)
    try:
        page.goto(server.url, timeout=300_000)
        _wait_for_voila(page, "voila late page", 300)
        check_outputs(page, "voila late page")
        kernel = TourDashboard(pool_size=512, headless=True)
        rf = kernel.slots["training"].fig.data[0].name
        assert _curve_points(page, rf) == kernel.steps + 1           # the page connected at the end of the run
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_function(f"""() => [...document.querySelectorAll('.rfx-figure .js-plotly-plot')][0]
            .data.find(t => t.name === {rf!r}).x.length === 1""", timeout=30_000)
        page.locator(".widget-play button").first.click()
        seen = []
        for _ in range(400):
            n = _curve_points(page, rf)
            if not seen or seen[-1] != n:
                seen.append(n)
            if n == kernel.steps + 1:
                break
            page.wait_for_timeout(25)
        assert seen[-1] == kernel.steps + 1 and len(seen) >= 5 and seen == sorted(seen), \
            f"the late page did not replay the run step by step: {seen}"
        console.check("voila late page")
    finally:
        stop_server(server)
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- the width marker follows the slider in the page

_MARKER_JS = """() => { const gd = [...document.querySelectorAll('.rfx-figure .js-plotly-plot')][1];
    const t = gd.data.find(t => t.name === 'current width'); return [Array.from(t.x), Array.from(t.y)]; }"""


def test_the_width_marker_sits_on_the_exact_curve_at_every_width_the_keys_reach(page, console, lab):
    """Arrow keys on the width slider: the marker (drawn by the page from the slider) is at the width the slider
    shows and at the exact error there (the package's number), and stays there once the kernel has answered."""
    from rfexplore.dashboards import TourDashboard

    path = _write_notebook("width_marker_check.ipynb", PLAY_CELLS)
    try:
        run_in_lab(page, lab, path)
        check_outputs(page, "lab width marker")
        errors = TourDashboard(pool_size=512, headless=True).result.curve.errors
        slider = page.locator(".widget-slider").filter(has_text="width r").first
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for key in ["ArrowRight"] * 3 + ["PageUp", "ArrowLeft", "PageDown", "PageDown"]:
            page.keyboard.press(key)
            shown = int(slider.locator(".widget-readout").first.inner_text().strip())
            page.wait_for_function(f"() => ({_MARKER_JS})()[0][0] === {shown}", timeout=5_000)
            x, y = page.evaluate(_MARKER_JS)
            assert x == [shown] and y == [float(errors[shown - 1])], (key, shown, x, y)
        page.wait_for_timeout(1500)                                    # the kernel's answer has landed
        x, y = page.evaluate(_MARKER_JS)
        assert x == [shown] and y == [float(errors[shown - 1])]
        readout = page.locator(".widget-html-content").filter(has_text="RF error at this width").first.inner_text()
        assert f"{errors[shown - 1]:.4f}" in readout
        console.check("lab width marker")
    finally:
        path.unlink(missing_ok=True)
