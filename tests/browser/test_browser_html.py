"""`make html`'s pages, opened from disk with no server and no network: the dashboard's figures are drawn
with their data (from the saved widget state) and its readout text is there."""

import subprocess
import sys

from harness import FIXTURES, REPO, check_outputs


def test_static_html_draws_dashboard_figures_without_a_kernel(page, console, tmp_path):
    done = subprocess.run([sys.executable, str(REPO / ".ci" / "render_html.py"), str(tmp_path),
                           str(FIXTURES / "good_dashboard.ipynb")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page.goto((tmp_path / "good_dashboard.html").as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    figures = check_outputs(page, "good_dashboard.html")
    assert [f["points"] for f in figures] == [50, 2]
    assert "mean = 0.5000" in page.inner_text("body")
    console.check("good_dashboard.html")
