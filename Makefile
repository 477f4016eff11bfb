# partnership-cms: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini
STAMP := $(VENV)/.installed

.PHONY: help run test lint bench shell clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## serve on http://127.0.0.1:6543 (creates var/Data.fs with demo data on first run)
	mkdir -p var
	$(BIN)/partnership-cms init $(INI)
	$(BIN)/pserve $(INI)

test: $(STAMP)  ## run the whole test suite
	$(BIN)/pytest

lint: $(STAMP)  ## ruff over src and tests
	$(BIN)/ruff check src tests bench

bench: $(STAMP)  ## benchmarks: print figures (never part of the tests)
	$(BIN)/python bench/api_bench.py

shell: $(STAMP)  ## a Python shell with the app's root (pshell)
	$(BIN)/pshell $(INI)

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) var
