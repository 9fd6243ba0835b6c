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

.PHONY: help run setup test test-unit test-webpanel test-integration lint format bench \
        admin-password clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs again only when a requirements file changed.
$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)  ## Prepare TC2_data/ and run everything (embedded profile) in the foreground
	exec $(PY) manage.py launch

setup: $(RUNTIME_STAMP)  ## Only prepare: secret key, database, admin account
	$(PY) manage.py setup

admin-password: $(RUNTIME_STAMP)  ## Give the admin a new generated password (printed once)
	$(PY) manage.py resetadminpassword

test: $(DEV_STAMP)  ## Lint, then every test layer (unit, webpanel on SQLite and PostgreSQL, integration)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-webpanel
	$(MAKE) --no-print-directory test-integration

test-unit: $(DEV_STAMP)  ## Engine unit tests (no services)
	$(PY) -m pytest tests/unit

test-webpanel: $(DEV_STAMP)  ## Django API and service tests, on SQLite then on PostgreSQL
	TC2_DATABASE_URL=sqlite:///tc2-test.sqlite3 $(PY) -m pytest tests/webpanel
	TC2_DATABASE_URL=$(TC2_TEST_DATABASE_URL) $(PY) -m pytest tests/webpanel -p no:cacheprovider

test-integration: $(DEV_STAMP)  ## Real Redis, embedded Redis, the whole system through `manage.py launch`
	$(PY) -m pytest tests/integration

lint: $(DEV_STAMP)  ## ruff, ruff format --check, mypy (engine)
	$(PY) -m ruff check --no-cache .
	$(PY) -m ruff format --no-cache --check .
	$(PY) -m mypy

format: $(DEV_STAMP)  ## Apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(DEV_STAMP)  ## Benchmarks: one JSON line per figure
	$(PY) bench/run.py

clean:  ## Remove the virtualenv and caches (keeps TC2_data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
