# Tanpan: `make run` serves the app with sample data; `make test` runs lint and the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate demo serve-prod stop-db clean help

help:
	@echo "make run         install, migrate, load sample articles and demo accounts, serve on http://$(HOST):$(PORT)"
	@echo "make test        install dev tools, lint, run the whole test suite"
	@echo "make serve-prod  collect static files and serve under gunicorn (needs production env vars)"
	@echo "make stop-db     stop the embedded PostgreSQL (it is left running between commands)"

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py setup_demo

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# DEBUG=1 only picks the development SECRET_KEY from var/; Django runs tests with DEBUG off.
test: lint
	DEBUG=$${DEBUG:-1} $(PY) -m pytest

serve-prod: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input
	$(PY) manage.py migrate --no-input
	$(VENV)/bin/gunicorn config.wsgi --preload --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-4} --access-logfile -

stop-db: $(VENV)/.installed
	$(PY) -c "from config.embedded_db import stop_embedded_server; from config.paths import var_dir; \
	  print('stopped' if stop_embedded_server(var_dir()) else 'not running:', var_dir() / 'postgres')"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
