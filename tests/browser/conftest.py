"""Fixtures for the real-browser tests: headless Debian chromium through Playwright (never a downloaded
browser), one JupyterLab server per session, Voila for the app page. Servers are stopped by process
group id in teardown. Missing chromium or playwright skips these tests with the reason printed.

Environment:
  RFEXPLORE_BROWSER_NOTEBOOKS  directory of notebooks to check (default: notebooks/); its `00_tour.ipynb`
                               is the app page served by Voila
  RFEXPLORE_CHROMIUM           chromium binary (default /usr/bin/chromium)
"""

import os
import shutil
from pathlib import Path

import pytest
from harness import CHROMIUM, CHROMIUM_ARGS, FIXTURES, NOTEBOOK_DIR, REPO, Console, start_lab, stop_server


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _why_no_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"browser tests need the playwright Python package (pip install playwright): {exc}"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"browser tests need chromium at {CHROMIUM} (Debian: apt-get install chromium; "
                "or set RFEXPLORE_CHROMIUM); playwright's own browser download is never used")
    return None


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """One headless chromium with a fresh profile (--user-data-dir) for the session."""
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    yield page
    page.close()


@pytest.fixture
def console(page):
    """Console errors and uncaught exceptions of `page`, benign noise filtered (harness.BENIGN_CONSOLE)."""
    return Console().attach(page)


@pytest.fixture(scope="session")
def lab(browser_context, tmp_path_factory):
    """One token-less JupyterLab for the session, rooted where it sees both the notebooks and fixtures."""
    root = Path(os.path.commonpath([REPO, NOTEBOOK_DIR, FIXTURES]))
    server = start_lab(root, tmp_path_factory.mktemp("lab"))
    yield server
    stop_server(server)
    (REPO / "artifacts").mkdir(exist_ok=True)
    shutil.copy(server.log, REPO / "artifacts" / "jupyterlab.log")
