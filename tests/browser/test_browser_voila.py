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


# Known failure, recorded in the issue note: the first render is right (checked above the slider move
# in check_app_in_voila), but after moving the d slider in Voila no FigureWidget trace changes within
# 90 s, while the same check passes in JupyterLab. Not yet understood (plotly FigureWidget updates in
# Voila 0.5); non-strict so that a fix shows up as XPASS.
@pytest.mark.xfail(strict=False, reason="Voila: FigureWidget traces do not update after a slider move (open)")
def test_app_renders_and_answers_a_slider(page, console, voila):
    report = check_app_in_voila(page, console, voila, APP_NOTEBOOK.stem)
    assert report.figures >= 1, "the app page shows no plotly figure"
    assert report.dashboards >= 1, "the app page has no slider-driven dashboard"
