# TC2 — the commands the README gives. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
PIP_FLAGS := --quiet --disable-pip-version-check --no-input
TC2_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TC2_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TC2_TEST_DATABASE_URL TC2_TEST_REDIS_URL

# The web panel (frontend/, Angular): built into frontend/dist, which Django serves at "/".
NPM ?= npm
FRONTEND := frontend
PANEL_INDEX := $(FRONTEND)/dist/index.html
# Inside node_modules, so deleting node_modules also forgets the install.
NPM_STAMP := $(FRONTEND)/node_modules/.tc2-npm-ci
# What the build reads. Not the specs (tests only) nor src/app/core/api-schema.d.ts, which
# `npm run build` and `npm test` regenerate from openapi.json every time (listed instead).
PANEL_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f \
                   ! -name '*.spec.ts' ! -path '$(FRONTEND)/src/app/core/api-schema.d.ts' \
                   2>/dev/null) \
                 $(wildcard $(FRONTEND)/angular.json $(FRONTEND)/tsconfig*.json \
                   $(FRONTEND)/package.json $(FRONTEND)/package-lock.json $(FRONTEND)/openapi.json)
NODE_NEEDED := Node.js 20.19+ (or 22.12+) with npm

.PHONY: help run setup frontend frontend-schema test test-unit test-frontend test-webpanel test-integration \
        test-e2e lint format bench admin-password clean

help:  ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs again only when a requirements file changed.
$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP) frontend  ## Build the panel if its sources changed, then run everything (embedded profile)
	exec $(PY) manage.py launch

# Without a usable npm an existing build is served as it is (with a warning); without one either,
# there is nothing to serve at "/" and make stops, naming what to install.
frontend:  ## Build the web panel into frontend/dist when its sources changed (needs Node.js 20+)
	@if $(node_ok); then \
	    $(MAKE) --no-print-directory $(PANEL_INDEX); \
	elif [ -f $(PANEL_INDEX) ]; then \
	    echo "warning: $(NODE_NEEDED) is needed to build the web panel; serving the existing" \
	         "build in $(FRONTEND)/dist$(if $(shell find $(PANEL_SOURCES) -newer $(PANEL_INDEX) 2>/dev/null | head -n 1), (older than its sources),)" >&2; \
	else \
	    echo "error: the web panel is not built and building it needs $(NODE_NEEDED)" \
	         "(found: $$(node --version 2>/dev/null || echo no node), npm $$($(NPM) --version 2>/dev/null || echo missing))." \
	         "Install them, then run make again (or serve a build copied into frontend/dist)." >&2; \
	    exit 1; \
	fi

# True when node is 20 or newer and npm runs (Angular itself checks the minor version).
node_ok = command -v $(NPM) >/dev/null 2>&1 && \
          [ "$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]

# The panel's typed API client (src/app/core/api-schema.d.ts, made by `npm run build`) is generated
# from this copy; tests/webpanel/test_frontend_schema.py fails when it is stale.
frontend-schema: $(RUNTIME_STAMP)  ## Copy the API's OpenAPI schema to frontend/openapi.json
	$(PY) manage.py spectacular --format openapi-json --file $(FRONTEND)/openapi.json

# `npm ci` only when package.json or package-lock.json changed (or node_modules is gone).
$(NPM_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	@touch $@

# The build, only when a source is newer than the last build's index.html.
$(PANEL_INDEX): $(PANEL_SOURCES) $(NPM_STAMP)
	cd $(FRONTEND) && $(NPM) run build
	@test -f $@ || { echo "error: npm run build wrote no $@" >&2; exit 1; }
	@touch $@

setup: $(RUNTIME_STAMP)  ## Only prepare: secret key, database, admin account
	$(PY) manage.py setup

admin-password: $(RUNTIME_STAMP)  ## Give the admin a new generated password (printed once)
	$(PY) manage.py resetadminpassword

test: $(DEV_STAMP)  ## Lint, then every test layer (unit, frontend, webpanel, integration, e2e)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-frontend
	$(MAKE) --no-print-directory test-webpanel
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-e2e

test-unit: $(DEV_STAMP)  ## Engine unit tests (no services)
	$(PY) -m pytest tests/unit

test-frontend: $(NPM_STAMP)  ## The panel's component and unit tests (Vitest, headless)
	cd $(FRONTEND) && $(NPM) test

test-webpanel: $(DEV_STAMP)  ## Django API and service tests, on SQLite then on PostgreSQL
	TC2_DATABASE_URL=sqlite:///tc2-test.sqlite3 $(PY) -m pytest tests/webpanel
	TC2_DATABASE_URL=$(TC2_TEST_DATABASE_URL) $(PY) -m pytest tests/webpanel -p no:cacheprovider

test-integration: $(DEV_STAMP)  ## Real Redis, embedded Redis, the whole system through `manage.py launch`
	$(PY) -m pytest tests/integration --durations=15

test-e2e: $(DEV_STAMP) frontend  ## The panel in Debian's Chromium (Playwright) against `make run`'s system
	scripts/install-chromium.sh
	$(PY) -m pytest tests/e2e

lint: $(DEV_STAMP)  ## ruff, ruff format --check, mypy (engine)
	$(PY) -m ruff check --no-cache .
	$(PY) -m ruff format --no-cache --check .
	$(PY) -m mypy

format: $(DEV_STAMP)  ## Apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(DEV_STAMP)  ## Benchmarks: one JSON line per figure
	scripts/install-wrk.sh
	$(PY) bench/run.py

clean:  ## Remove the virtualenv and caches (keeps TC2_data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
