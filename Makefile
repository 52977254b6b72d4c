# Mercato: `make run` serves with demo data on SQLite, `make test` runs the suite.
# Both set up .venv from the lock files first; nothing else needs installing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run worker test lint format lock smoke bench clean

$(STAMP): requirements/dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mercato run

worker: $(STAMP)
	$(BIN)/mercato worker

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the pinned dependencies (with hashes) after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe -o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --extra dev -o requirements/dev.lock pyproject.toml

smoke:
	scripts/smoke.sh

# Catalog speed on PostgreSQL (100,000 products by default; see bench/README.md).
bench: $(STAMP)
	bench/run_catalog.sh

clean:
	rm -rf $(VENV) var .pytest_cache
