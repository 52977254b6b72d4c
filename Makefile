# Mercato: `make run` serves with demo data on SQLite, `make test` runs the suite.
# Both set up .venv from the lock files first; nothing else needs installing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run worker test lint layers typecheck format lock smoke bench clean

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

# The layer order of docs/architecture.md, as import-linter contracts ([tool.importlinter]).
layers: $(STAMP)
	PYTHONPATH=src $(BIN)/lint-imports --no-cache

# mypy with django-stubs over src/ ([tool.mypy]: strict for core, pricing and payments).
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the pinned dependencies (with hashes) after editing pyproject.toml: base.lock (the
# package), s3.lock (with the S3 extra), dev.lock (everything: dev tools and the S3 extra).
LOCK := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe
lock: $(STAMP)
	$(LOCK) -o requirements/base.lock pyproject.toml
	$(LOCK) --extra s3 -o requirements/s3.lock pyproject.toml
	$(LOCK) --extra s3 --extra dev -o requirements/dev.lock pyproject.toml

smoke:
	scripts/smoke.sh

# Catalog speed on PostgreSQL (100,000 products by default; see bench/README.md).
bench: $(STAMP)
	bench/run_catalog.sh

clean:
	rm -rf $(VENV) var .pytest_cache
