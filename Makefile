# rfexplore. The two commands a newcomer needs:
#   make lab    create/update .venv, then open JupyterLab on notebooks/
#   make test   create/update .venv, then run every test (lint, unit + doctests, notebooks, browser)
# `make help` lists the rest.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Re-made whenever pyproject.toml changes, so a new dependency is installed on the next command.
STAMP := $(VENV)/.rfexplore-installed
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
APP_NOTEBOOK := notebooks/00_tour.ipynb
PYTEST := $(PY) -m pytest -p no:cacheprovider

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv lab test test-lint test-unit test-notebooks test-browser app html explorable links bench screenshots strip clean distclean

help:
	@echo "make lab        open JupyterLab on notebooks/ (creates .venv first)"
	@echo "make test       run every test: ruff, unit tests + doctests, nbval over notebooks, browser tests"
	@echo "                (one layer: make test-lint | test-unit | test-notebooks | test-browser)"
	@echo "make app        serve $(APP_NOTEBOOK) as a standalone page (Voila, http://localhost:8866)"
	@echo "make html       execute every notebook and render it to static HTML in _build/html/"
	@echo "make explorable the tour as one offline HTML page with live controls: _build/explorable/tour.html"
	@echo "make links      rebuild the Binder/Colab links and Colab install cells from pyproject's [project.urls]"
	@echo "make bench      run benchmarks/*.py"
	@echo "make strip      remove outputs (but nbval's reference outputs) and widget state from notebooks"
	@echo "make clean      remove build outputs and caches (make distclean also removes .venv)"

venv: $(STAMP)

# torch goes in first, CPU build, so that `pip install -e .[dev]` never pulls the multi-GB CUDA build:
# 1. a local CPU wheel from pip's find-links (CI machines), then its small dependencies from PyPI;
# 2. otherwise PyTorch's CPU index; 3. otherwise plain PyPI (macOS wheels are CPU-only anyway).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	if ! $(PY) -m pip show --quiet torch >/dev/null 2>&1; then \
	  if $(PY) -m pip install --quiet --no-index --no-deps torch 2>/dev/null; then \
	    $(PY) -m pip install --quiet "torch==$$($(PY) -m pip show torch | sed -n 's/^Version: //p')"; \
	  else \
	    $(PY) -m pip install --quiet torch --index-url $(TORCH_CPU_INDEX) --extra-index-url https://pypi.org/simple \
	      || $(PY) -m pip install --quiet torch; \
	  fi; \
	fi
	$(PY) -m pip install --quiet -e '.[dev]'
	@$(PY) -c 'import torch, rfexplore; print("torch", torch.__version__, "| rfexplore", rfexplore.__version__)'
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

# -k: every layer runs even when an earlier one fails; the exit status still reports the failure.
test: $(STAMP)
	$(MAKE) --no-print-directory -k test-lint test-unit test-notebooks test-browser

test-lint: $(STAMP)
	$(BIN)/ruff check .

test-unit: $(STAMP)
	$(PYTEST) tests rfexplore --ignore=tests/browser --timeout=900 -q -rs

# --nbval-lax: cells marked `# NBVAL_CHECK_OUTPUT` are compared, every other cell is only executed.
# CI=1 lets notebooks shrink their sizes (never skip the idea).
test-notebooks: $(STAMP)
	CI=1 $(PYTEST) --nbval-lax --nbval-current-env --nbval-cell-timeout=600 notebooks -q -rs

# Headless Debian chromium through Playwright; skipped, with the reason printed, where it is missing.
test-browser: $(STAMP)
	CI=1 $(PYTEST) tests/browser --timeout=900 -v -rs

app: $(STAMP)
	$(BIN)/voila $(APP_NOTEBOOK) --port=8866 --no-browser

# Executed notebooks as static pages: interactive plotly figures (plotly.js embedded), no kernel, no network.
html: $(STAMP)
	$(PY) .ci/render_html.py _build/html $(NOTEBOOKS)
	@echo "open _build/html/index.html"

# The tour as one self-contained page (plotly.js and the exact numbers, precomputed on a grid, inlined):
# live controls without a kernel, opens from file://, no network. About 2-4 minutes on 2 cores (one torch
# thread); CI=1 builds the small test grid in seconds.
explorable: $(STAMP)
	$(PY) -m rfexplore.explorable _build/explorable/tour.html

# Binder and Colab badges, README links and every notebook's Colab install cell, rebuilt from the one
# setting `[project.urls] Repository` in pyproject.toml (a fork changes that line, then runs this).
links: $(STAMP)
	$(PY) .ci/links.py write

bench: $(STAMP)
	for f in benchmarks/*.py; do echo "== $$f"; $(PY) "$$f"; done

# The README's pictures of the tour dashboard in JupyterLab and in Voila (needs chromium, like test-browser).
screenshots: $(STAMP)
	$(PY) .ci/screenshots.py

# Keeps only the reference (stdout) outputs of `# NBVAL_CHECK_OUTPUT` cells, which nbval compares against;
# removes every other output, execution counts and widget state. (`python .ci/notebooks.py refresh NB`
# re-executes a notebook with CI=1 and strips it.)
strip: $(STAMP)
	$(PY) .ci/notebooks.py strip $(NOTEBOOKS) $(wildcard tests/browser/fixtures/*.ipynb)

clean:
	rm -rf _build artifacts .pytest_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print \
	  | xargs rm -rf

distclean: clean
	rm -rf $(VENV)
