# Everything a fresh machine needs, from python3 (>= 3.11) and make alone.
#   make demo    the package with its plot extra, then the demo (nothing else installed)
#   make test    the development tools too, then the tests, lint and type checks
#   make bench   the benchmarks (with the development install)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# one stamp per install: the demo's never pulls the development tools, and a change to
# pyproject.toml re-installs each on its next use
DEMO_STAMP := $(VENV)/.installed-demo
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: $(DEMO_STAMP)
	$(BIN)/estimates demo

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
