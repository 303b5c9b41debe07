# SaveTrail: `make run` serves the app, `make test` runs the tests.
# Every tool the targets need is installed by the targets themselves.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
BPY_VERSION ?= 5.0.1

.DEFAULT_GOAL := help
.PHONY: help install run addon test lint lock clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.lock 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

install: $(VENV)/.installed ## Create .venv with the pinned dependencies

# Blender as a Python module, for the add-on tests. Only Python 3.11 has it.
$(VENV)/.bpy: $(VENV)/.installed
	@if $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
		echo "Installing bpy==$(BPY_VERSION) (real Blender as a module, about 350 MB, once)"; \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check bpy==$(BPY_VERSION) 2> >(grep -v "is ignored: it is neither" >&2) && touch $@; \
	else \
		echo "bpy needs Python 3.11; this is $$($(PY) -V). The Blender tests will be skipped (a failure when CI=true)."; \
	fi

addon: $(VENV)/.installed ## Build the add-on zips into dist/
	$(PY) addon/build.py

run: $(VENV)/.installed addon ## Serve on http://127.0.0.1:$(PORT) with SQLite in var/
	$(PY) server/manage.py migrate --noinput
	$(PY) server/manage.py bootstrap
	DEBUG=true $(PY) server/manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed $(VENV)/.bpy ## Run the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

.PHONY: test-docker
test-docker: $(VENV)/.installed $(VENV)/.bpy addon ## Build the Docker image and test it (root; minutes)
	VENV=$(VENV) tests/docker/run.sh

lint: $(VENV)/.installed ## Check style with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lock: ## Regenerate requirements/*.lock from pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/base.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url --no-emit-find-links -o requirements/dev.lock pyproject.toml

clean: ## Remove build output (keeps var/ and its data)
	rm -rf dist build .pytest_cache .ruff_cache
