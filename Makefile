# One command sets up, one tests. Both create .venv and install what they need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TODAY ?=
CHECK_ARGS := $(if $(TODAY),--today $(TODAY),)

.PHONY: install check test lint bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## check: validate data/ and print errors and warnings (exit 1 on errors)
check: install
	$(BIN)/rutinebok check $(CHECK_ARGS)

## test: the whole test suite
test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check rutinebok tests bench

## bench: speed of the check on generated corpora (not part of test)
bench: install
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf $(VENV) site build bench/out .pytest_cache
