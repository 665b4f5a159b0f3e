"""The app page (`make app`: Voila serving 00_tour.ipynb) in a real browser: the first render already
shows its figures, and moving a slider updates figure and readout.

Under Voila the dashboards draw static figures (``figure_backend`` sees Voila's kernel variables): Voila
creates every widget model at once when the page loads, anywidget 0.11 gives each model 2 s to start,
plotly's FigureWidget needs longer to evaluate its 4 MB of code, and a model that misses the limit drops
every later update, so its figure would freeze ("[anywidget] Failed to initialize model" in the console).
"""

import pytest
from harness import APP_NOTEBOOK, check_app_in_voila, start_voila, stop_server


@pytest.fixture
def voila(browser_context, tmp_path):
    if not APP_NOTEBOOK.exists():
        pytest.fail(f"the app notebook {APP_NOTEBOOK} does not exist")
    server = start_voila(APP_NOTEBOOK, tmp_path)
    yield server
    stop_server(server)


def test_app_renders_and_answers_a_slider(page, console, voila):
    report = check_app_in_voila(page, console, voila, APP_NOTEBOOK.stem)
    assert report.figures >= 1, "the app page shows no plotly figure"
    assert report.dashboards >= 1, "the app page has no slider-driven dashboard"
