"""Shared pytest set-up. Deliberately nothing global: no seeding, no patched randomness (every test
passes its own seed), no changed defaults. Only a report header, so a CI log says what ran."""

import os
import platform


def pytest_report_header(config):
    import numpy
    import torch

    return (
        f"rfexplore on {platform.python_version()}: numpy {numpy.__version__}, torch {torch.__version__}, "
        f"CI={os.environ.get('CI', '')!r}, cpus={os.cpu_count()}"
    )
