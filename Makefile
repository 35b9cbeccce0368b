# The two commands: `make run` (whole product on http://127.0.0.1:8000) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Tokens, metadata and the default audience name the server `make run` starts, wherever
# HOST and PORT put it (an OAUTH_ISSUER set in the environment wins).
OAUTH_ISSUER ?= http://$(HOST):$(PORT)

.PHONY: install run serve migrate audit test test-fast lint format bench
BENCH_ARGS ?=

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The first start's one-time password comes last, framed, with the address to open.
run: install
	$(PY) manage.py migrate --noinput
	@echo "Serving the console and OAuth issuer $(OAUTH_ISSUER)"
	OAUTH_ISSUER=$(OAUTH_ISSUER) $(PY) manage.py bootstrap
	OAUTH_ISSUER=$(OAUTH_ISSUER) $(PY) manage.py runserver $(HOST):$(PORT)

# Production serving: migrations are a separate deploy step (`make migrate`), never at start.
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser"

# Known vulnerabilities in the installed dependencies. Needs the OSV or PyPI advisory service,
# which this project's CI machine cannot reach (see docs/security.md).
audit: install
	$(VENV)/bin/pip-audit --progress-spinner off --skip-editable

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
