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


@pytest.fixture
def notebook():
    path = REPO / "artifacts" / "figure_view_check.ipynb"
    path.parent.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
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
