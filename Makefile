# One command runs the server, one runs the tests. Each creates .venv on first use:
# `make run` installs what running needs, `make test` adds the test and lint tools.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEV     = $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	@echo "==> creating the virtual environment $(VENV) (with $(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing dcaas and what it needs to run (the first time takes a minute or two)"
	$(BIN)/pip install --progress-bar on -e .
	@touch $(STAMP)
	@echo "==> installed; the dcaas command is $(BIN)/dcaas (or run: source $(BIN)/activate)"

$(DEV): $(STAMP)
	@echo "==> installing the test and lint tools (the dev extras)"
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@touch $(DEV)

# The development profile: local sources allowed, text logs (see README, Production).
# Another port: make run ARGS='--port 8081' (or DCAAS_PORT=8081 make run).
run: $(STAMP)
	DCAAS_ENV=$${DCAAS_ENV:-development} $(BIN)/dcaas serve $(ARGS)

test: $(DEV)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

# Benchmarks print their figures (needs wrk, and the local PostgreSQL for the PG parts).
bench: $(DEV)
	$(BIN)/python bench/api_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
