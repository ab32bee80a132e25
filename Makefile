# openvre: `make run` starts the VRE, `make test` runs every test. Both work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEBIAN_PACKAGES := chromium postgresql podman runc busybox-static
LINTED := src tests benchmarks

.PHONY: install system-deps engines run test bench lint clean

install: $(STAMP)

# The JupyterLab extension is built (npm) into the package by the install; a change to its sources rebuilds it.
LABEXTENSION_SOURCES := $(wildcard labextension/src/*.ts labextension/style/* labextension/style/icons/*) \
	labextension/package.json labextension/package-lock.json labextension/tsconfig.json
LABEXTENSION_BUILT := src/openvre/jupyter/labextension

$(STAMP): pyproject.toml $(LABEXTENSION_SOURCES) $(wildcard jupyter-config/*/*)
	@command -v npm >/dev/null || scripts/ensure-debian-packages.sh nodejs npm
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
		|| { echo "The JupyterLab extension's build (rspack 2) needs Node.js >= 20.19, found $$(node --version): install a newer nodejs (Debian 13, or nodesource)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	rm -rf $(LABEXTENSION_BUILT)
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@scripts/ensure-debian-packages.sh $(DEBIAN_PACKAGES)

# yadage cannot share JupyterLab's environment (jsonschema pins): it gets .venvs/yadage, built once, which
# `make run` points openvre at; the requirements come from openvre itself, so they cannot drift.
YADAGE_PYTHON := $(CURDIR)/.venvs/yadage/bin/python
engines: install
	@$(BIN)/python -c 'from openvre.workflows.engines.yadage import OWN_ENVIRONMENT; print("\n".join(OWN_ENVIRONMENT))' \
		| xargs -d '\n' scripts/ensure-venv.sh yadage

run: engines
	OPENVRE_YADAGE_PYTHON="$${OPENVRE_YADAGE_PYTHON:-$(YADAGE_PYTHON)}" $(BIN)/vre up --demo

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

# pytest exits 5 when it collects no test, which fails this target like any other failure.
test: install system-deps lint
	OPENVRE_TEST_REQUIRE_POSTGRES=1 $(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .venvs build dist .pytest_cache .ruff_cache .mypy_cache
