"""The browser checks themselves, on fixture notebooks: they pass a working dashboard and fail each kind
of broken one, so the notebook tests cannot pass vacuously."""

import pytest
from harness import FIXTURES, CheckFailed, check_notebook_in_lab, shutdown_sessions


@pytest.fixture
def check(page, console, lab):
    def run(name):
        try:
            return check_notebook_in_lab(page, console, lab, FIXTURES / f"{name}.ipynb")
        finally:
            shutdown_sessions(lab)

    return run


def test_harness_passes_a_working_dashboard(check):
    report = check("good_dashboard")
    assert (report.figures, report.dashboards) == (2, 1)


@pytest.mark.parametrize("name, failure", [
    ("broken_dashboard", "no figure's trace data changed and no readout text changed"),
    ("frozen_readout", "no readout text changed"),
    ("broken_cell", "ZeroDivisionError"),
    ("empty_figure", "without data traces"),
])
def test_harness_detects_a_broken_notebook(check, name, failure, monkeypatch):
    monkeypatch.setattr("harness.UPDATE_TIMEOUT_S", 10)  # the failures are certain: don't wait long
    monkeypatch.setattr("harness.SETTLE_S", 3)
    with pytest.raises(CheckFailed, match=failure):
        check(name)
