# Everything a fresh machine needs, from python3 (>= 3.11) and make alone.
#   make demo    the package with its plot extra, then the demo (nothing else installed)
#   make test    the development tools too, then the tests, lint and type checks
#   make bench   the benchmarks (with the development install and the bench extra: quantulum3,
#                the baseline bench_parse compares reading speed with)
#   make test-oldest   the unit and golden tests on the oldest versions the package allows
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# one stamp per install: the demo's never pulls the development tools, and a change to
# pyproject.toml re-installs each on its next use
DEMO_STAMP := $(VENV)/.installed-demo
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench

OLD := .venv-oldest
OLD_STAMP := $(OLD)/.installed

.PHONY: demo test bench test-oldest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@

demo: $(DEMO_STAMP)
	$(BIN)/estimates demo

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

$(OLD_STAMP): pyproject.toml .ci/oldest.txt
	$(PYTHON) -m venv $(OLD)
	$(OLD)/bin/python -m pip install --quiet --upgrade pip
	$(OLD)/bin/python -m pip install --quiet -c .ci/oldest.txt -e ".[plot,parquet,strategies]" pytest
	touch $@

test-oldest: $(OLD_STAMP)
	$(OLD)/bin/python -m pytest -q tests/unit tests/golden --ignore=tests/unit/test_dask.py

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OLD) .pytest_cache .mypy_cache .ruff_cache
