"""Shared pytest set-up. Deliberately nothing global: no seeding, no patched randomness (every test
passes its own seed), no changed defaults. A report header, so a CI log says what ran, and opt-in
fixtures only."""

import os
import platform

import pytest


def pytest_report_header(config):
    import numpy
    import torch

    return (
        f"rfexplore on {platform.python_version()}: numpy {numpy.__version__}, torch {torch.__version__}, "
        f"CI={os.environ.get('CI', '')!r}, cpus={os.cpu_count()}"
    )


@pytest.fixture(scope="module")
def single_thread():
    """Opt-in for modules of tiny torch problems (``pytestmark = pytest.mark.usefixtures(...)``):
    one thread avoids OpenMP oversubscription on a shared 2-core machine; restored afterwards."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
