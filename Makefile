# SaveTrail: `make run` serves the app, `make test` runs the tests.
# Every tool the targets need is installed by the targets themselves.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
BPY_VERSION ?= 5.0.1
# The LTS lines `make test-compat` also runs, each in its own venv (.venv-bpy-4.2, ...).
BPY_4.2 ?= 4.2.23
BPY_4.5 ?= 4.5.15
BLENDER ?= /usr/bin/blender
DEBIAN_PACKAGES := blender xvfb xauth xdotool imagemagick
COMPAT_BLENDERS := bpy-5.0=bpy:$(CURDIR)/$(VENV)/bin/python,bpy-4.5=bpy:$(CURDIR)/.venv-bpy-4.5/bin/python,bpy-4.2=bpy:$(CURDIR)/.venv-bpy-4.2/bin/python,blender-3.4=binary:$(BLENDER)

.DEFAULT_GOAL := help
.PHONY: help install run addon browser test test-postgres test-compat debian-blender lint lock clean bench

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

# Blender's extension tool, which builds and validates the zips, ships in the bpy wheel.
addon: $(VENV)/.installed $(VENV)/.bpy ## Build the add-on zips and the extensions repository into dist/
	$(PY) addon/build.py

# An older bpy for the compatibility tests (Python 3.11 only, about 350 MB each, once).
.venv-bpy-%/.installed:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "bpy $(BPY_$*) needs Python 3.11; this is $$($(PYTHON) -V)"; exit 1; }
	$(PYTHON) -m venv .venv-bpy-$*
	.venv-bpy-$*/bin/pip install --quiet --disable-pip-version-check bpy==$(BPY_$*) 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

debian-blender: ## Install Debian's Blender 3.4 and the X tools the window test uses (apt, as root)
	@if ! command -v $(BLENDER) Xvfb xauth xdotool import >/dev/null; then \
		apt-get update && apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); \
	fi

run: $(VENV)/.installed addon ## Serve on http://127.0.0.1:$(PORT) with SQLite in var/
	$(PY) server/manage.py migrate --noinput
	$(PY) server/manage.py bootstrap
	DEBUG=true $(PY) server/manage.py runserver 127.0.0.1:$(PORT)

PYTEST_ARGS ?= -n 2
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

# Playwright drives Debian's Chromium (it cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests."; fi; }

test: $(VENV)/.installed $(VENV)/.bpy browser debian-blender ## Run the whole test suite (SQLite, Blender 5.0 as a module, Debian's Blender window, Chromium)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed $(VENV)/.bpy browser debian-blender ## Run the whole test suite on PostgreSQL (127.0.0.1:5432)
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	DATABASE_URL=$(POSTGRES_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

test-compat: $(VENV)/.installed $(VENV)/.bpy .venv-bpy-4.2/.installed .venv-bpy-4.5/.installed debian-blender ## Run the add-on tests on bpy 5.0, 4.5, 4.2 and Debian's Blender 3.4
	SAVETRAIL_BLENDERS=$(COMPAT_BLENDERS) $(VENV)/bin/pytest $(PYTEST_ARGS) tests/blender

bench: $(VENV)/.installed $(VENV)/.bpy ## Run the benchmarks (8 to 15 min); results in bench/results/
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	$(PY) bench/run.py $(BENCH_ARGS)

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
