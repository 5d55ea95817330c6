# make demo: set up and run the pilot wave on the embedded default (SQLite events, embedded Tryton).
# make test: set up and run the test suite.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
QUIET_PIP := { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: demo test lint serve bench install browser postgres clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | $(QUIET_PIP)
	$(BIN)/python -m pip install -q -e '.[test]' 2>&1 | $(QUIET_PIP)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/erpflow plan deployments/plans/pilot.yaml
	$(BIN)/erpflow run deployments/plans/pilot.yaml
	@echo
	@echo "Next: $(BIN)/erpflow status pilot   |   $(BIN)/erpflow history pilot"

# A Prefect server with its UI on 127.0.0.1:4200, erpflow's deployments and a worker, until Ctrl-C.
serve: $(STAMP)
	$(BIN)/erpflow serve

# One worker per core; a test file's tests stay on one worker, so its module fixtures are made once.
test: $(STAMP) browser postgres lint
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench flows docs
	$(BIN)/ruff format --check src tests bench flows docs
	$(BIN)/mypy

# The PostgreSQL server the tests use: started, or installed and set up, when it is not there.
postgres:
	@bash tests/services/postgres.sh

# Debian's headless Chromium renders the HTML report and the Prefect UI in the tests.
browser:
	@command -v chromium >/dev/null || { apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }

# The bench's extra (gunicorn) on top of what the tests install.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]' 2>&1 | $(QUIET_PIP)
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf .erpflow
