"""Every notebook in JupyterLab, in a real browser: Run All, no error outputs, no console errors,
every plotly figure drawn, every dashboard's figure and readout answer its first slider."""

import pytest
from harness import NOTEBOOK_DIR, check_notebook_in_lab, shutdown_sessions

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_jupyterlab(page, console, lab, notebook):
    try:
        report = check_notebook_in_lab(page, console, lab, notebook)
    finally:
        shutdown_sessions(lab)
    print(f"{notebook.name}: {report.figures} figures, {report.dashboards} dashboards, {report.screenshot}")
