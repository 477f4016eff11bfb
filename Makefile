# partnership-cms: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# axe-core for the browser tests, from npm (tests/browser/package-lock.json)
BROWSER_DIR := tests/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed
LOCALE := src/partnership_cms/locale
DOMAIN := partnership_cms
POT := $(LOCALE)/$(DOMAIN).pot
LANGS := sv en

.PHONY: help run test lint typecheck packages bench shell i18n clean

help:  ## list the targets
	@grep -E '^[a-z0-9]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(DEV_STAMP)

$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	npm ci --prefix $(BROWSER_DIR) --no-audit --no-fund
	touch $(BROWSER_STAMP)

run: $(STAMP)  ## serve on http://127.0.0.1:6543 (creates var/Data.fs with demo data on first run)
	mkdir -p var
	$(BIN)/partnership-cms init $(INI)
	$(BIN)/pserve $(INI)

test: packages $(STAMP) $(BROWSER_STAMP)  ## run the whole test suite (installs what it needs first)
	$(BIN)/pytest

# The Debian packages the app and the tests need: Chromium for the browser tests
# (a test tool's own browser download cannot work here), PostgreSQL's binaries
# for a throwaway cluster when no server answers on 127.0.0.1:5432, and what
# WeasyPrint needs for the protocols' PDF/A: Pango (with HarfBuzz's subsetter)
# and the DejaVu and Liberation fonts that print.css names. Cheap when all are
# there; as root, apt installs what is missing; otherwise one line says how.
packages:  ## install Debian's chromium, postgresql, pango and fonts when missing (apt, as root)
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	{ command -v initdb && command -v pg_ctl || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 \
	  || missing="$$missing postgresql"; \
	for lib in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
	           libharfbuzz-subset.so.0:libharfbuzz-subset0; do \
	  /sbin/ldconfig -p | grep -q "$${lib%%:*}" || missing="$$missing $${lib##*:}"; \
	done; \
	fc-list 2>/dev/null | grep -q "DejaVu Serif" || missing="$$missing fontconfig fonts-dejavu-core fonts-dejavu-extra"; \
	fc-list 2>/dev/null | grep -q "Liberation Serif" || missing="$$missing fonts-liberation"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "make: the tests need Debian packages:$$missing; run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; \
	  exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -q && apt-get install -y -q $$missing

lint: $(STAMP)  ## ruff over src, tests and bench
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)  ## mypy over src
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks: print figures (never part of the tests)
	$(BIN)/python bench/api_bench.py

shell: $(STAMP)  ## a Python shell with the app's root (pshell)
	$(BIN)/pshell $(INI)

i18n: $(DEV_STAMP)  ## translations: extract the .pot (lingua), merge into sv/en .po, compile .mo (Babel)
	cd src && $(CURDIR)/$(BIN)/pot-create --domain $(DOMAIN) --package-name partnership-cms \
	  --package-version 0.1.0 --sort-output --no-linenumbers --keyword translate -o $(CURDIR)/$(POT).new partnership_cms
	@# Keep the .pot (and so the .po and .mo files) untouched when only its date would change.
	@if [ -f $(POT) ] && diff -q -I '^"POT-Creation-Date:' $(POT) $(POT).new >/dev/null; \
	  then rm $(POT).new; else mv $(POT).new $(POT); fi
	@for lang in $(LANGS); do \
	  if [ -f $(LOCALE)/$$lang/LC_MESSAGES/$(DOMAIN).po ]; then \
	    $(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D $(DOMAIN) \
	      -i $(POT) -d $(LOCALE) -l $$lang || exit 1; \
	  else $(BIN)/pybabel init -D $(DOMAIN) -i $(POT) -d $(LOCALE) -l $$lang || exit 1; fi; \
	done
	$(BIN)/pybabel compile --statistics -D $(DOMAIN) -d $(LOCALE)

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) var $(BROWSER_DIR)/node_modules
