# Switchboard — `make run` to see it work, `make test` to prove it. Both build .venv first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The newest Python 3.11+: python3.X on PATH, else pyenv's installed 3.X (its shims refuse a version that
# is not active, so the interpreter is taken from `pyenv root`/versions directly), newest X first; 3.13 is
# the Lambda runtime we package for. `make PYTHON=python3.11 VENV=.venv311 test` tests on another one.
ifndef PYTHON
PYTHON := $(shell pyroot=$$(pyenv root 2>/dev/null); \
	for m in 13 12 11; do \
		for p in python3.$$m $$(ls -d "$$pyroot"/versions/3.$$m.*/bin/python3.$$m 2>/dev/null | grep -E '/3\.[0-9]+\.[0-9]+/bin/' | sort -rV); do \
			$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; exit; }; \
		done; \
	done; \
	python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help venv browser run test lint typecheck unit functional e2e pytest package bench clean rules schema rules-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Switchboard needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH, or installed with pyenv)." >&2; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON)"
	# --clear: a rebuild never mixes the old Python's packages with the new one's
	$(PYTHON) -m venv --clear $(VENV)
	# chalice 1.34 packages through pip and supports pip < 26.3
	$(BIN)/python -m pip install --quiet --upgrade 'pip<26.3'
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create .venv from requirements*.txt

# The status page's and the console's browser tests drive Debian's Chromium (never a browser Playwright
# downloads itself; the console's accessibility pass uses the axe-core that axe-playwright-python ships).
# Installed with apt-get when missing; where it cannot be (no apt-get, not root and no sudo, no network),
# this says so and the test skips with the same reason, rather than failing the whole run.
CHROMIUM := /usr/bin/chromium
browser: ## Debian's chromium for the browser tests (status page, console) (apt-get, only when missing)
	@test -x $(CHROMIUM) && exit 0; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null; then \
		echo "==> cannot install chromium here (needs apt-get as root): the browser test will skip" >&2; exit 0; fi; \
	echo "==> installing Debian's chromium for the browser test"; \
	{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; } \
		|| echo "==> chromium could not be installed: the browser test will skip" >&2

run: $(STAMP) ## start the whole platform locally (moto) and replay the sample events
	$(BIN)/python -m local $(RUN_ARGS)

test: lint typecheck rules-check package browser pytest ## ruff, mypy, rules, package + cfn-lint, then every test

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

unit: $(STAMP) ## pure tests
	$(BIN)/pytest tests/unit

functional: $(STAMP) ## moto in-process tests
	$(BIN)/pytest tests/functional

e2e: $(STAMP) browser ## moto server over HTTP, end to end (the status page and the console in headless Chromium)
	$(BIN)/pytest tests/e2e

rules: $(STAMP) ## learn the second reading, compile routing.yaml into routing.json (what the Lambda loads), test it
	$(BIN)/switchboard rules learn
	$(BIN)/switchboard rules compile
	$(BIN)/switchboard rules schema
	$(BIN)/switchboard rules test
	$(BIN)/switchboard rules eval --split held-out -q

schema: $(STAMP) ## write the JSON Schema of the rules file (chalicelib/config/routing.schema.json)
	$(BIN)/switchboard rules schema

rules-check: $(STAMP) ## the rules are learned, valid, compiled, pass their routing tests and issue 11's goals on the held-out half
	$(BIN)/switchboard rules learn --check
	$(BIN)/switchboard rules compile --check
	$(BIN)/switchboard rules schema --check
	$(BIN)/switchboard rules test
	$(BIN)/switchboard rules eval --split held-out --goals -q

vendor: requirements-vendor.txt $(STAMP)
	rm -rf vendor
	$(BIN)/python -m pip install --quiet --no-deps --target vendor -r requirements-vendor.txt
	@touch vendor

package: $(STAMP) rules-check vendor ## chalice package --merge-template into build/$(STAGE), then cfn-lint
	rm -rf build/$(STAGE)
	$(BIN)/chalice package --stage $(STAGE) --merge-template infra/template.yaml --template-format yaml build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.yaml
	@echo "==> build/$(STAGE)/sam.yaml passes cfn-lint; deployment.zip is $$(du -h build/$(STAGE)/deployment.zip | cut -f1)"

bench: $(STAMP) package ## cold start and package size, then the other benchmarks
	$(BIN)/python -m bench --zip build/$(STAGE)/deployment.zip $(BENCH_ARGS)

clean: ## remove build output and the virtual environment
	rm -rf build vendor $(VENV) .mypy_cache .ruff_cache .pytest_cache
