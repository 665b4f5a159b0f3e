"""The app page (`make app`: Voila serving 00_tour.ipynb) in a real browser: the first render already
shows its figures, and moving a slider updates figure and readout."""

import pytest
from harness import APP_NOTEBOOK, check_app_in_voila, start_voila, stop_server


@pytest.fixture
def voila(browser_context, tmp_path):
    if not APP_NOTEBOOK.exists():
        pytest.fail(f"the app notebook {APP_NOTEBOOK} does not exist")
    server = start_voila(APP_NOTEBOOK, tmp_path)
    yield server
    stop_server(server)


# Known failure, recorded in the issue note: in Voila, after moving the d slider no FigureWidget trace
# changes within 90 s (the same check passes in JupyterLab), and on a loaded machine the first render can
# log "[anywidget] Failed to initialize model" (anywidget 0.11 gives a widget 2 s to start). Candidate
# fix: serve the app with static figures (RFEXPLORE_STATIC=1). Non-strict so that a fix shows as XPASS.
@pytest.mark.xfail(strict=False, reason="Voila: FigureWidget traces do not update after a slider move (open)")
def test_app_renders_and_answers_a_slider(page, console, voila):
    report = check_app_in_voila(page, console, voila, APP_NOTEBOOK.stem)
    assert report.figures >= 1, "the app page shows no plotly figure"
    assert report.dashboards >= 1, "the app page has no slider-driven dashboard"
