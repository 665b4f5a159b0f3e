"""Remake the README's screenshots of the tour dashboard, in JupyterLab and in Voila (`make screenshots`).

Runs a two-cell notebook (the tour's dashboard at d = 50, width 600, then Play to the end) in a
headless Chromium through the browser tests' harness, and saves the dashboard's output area as
``notebooks/images/tour_lab.png`` and ``notebooks/images/tour_voila.png``.
"""

import sys
import tempfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import harness  # noqa: E402

CELLS = [
    "from rfexplore.dashboards import TourConfig, TourDashboard\n\n"
    "dash = TourDashboard(TourConfig(d=50, width=600))\ndash",
    "dash.run()   # Play to the end",
]
OUT = REPO / "notebooks" / "images"


def dashboard(page):
    return page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-slider")).first


def main():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = tmp / "tour_screenshot.ipynb"
        nbformat.write(nb, path)
        browser = p.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.set_default_timeout(120_000)

        server = harness.start_lab(tmp, tmp / "lab")
        try:
            harness.run_in_lab(page, server, path)
            page.wait_for_timeout(5000)                     # figures drawn by the widget views
            dashboard(page).screenshot(path=str(OUT / "tour_lab.png"))
        finally:
            harness.stop_server(server)

        (tmp / "voila").mkdir()
        server = harness.start_voila(path, tmp / "voila")
        try:
            page.goto(server.url)
            harness._wait_for_voila(page, "voila screenshot", harness.RUN_TIMEOUT_S)
            dashboard(page).screenshot(path=str(OUT / "tour_voila.png"))
        finally:
            harness.stop_server(server)
        browser.close()
    print("wrote", OUT / "tour_lab.png", "and", OUT / "tour_voila.png")


if __name__ == "__main__":
    main()
