# One command runs the server, one runs the tests. Each creates .venv on first use:
# `make run` installs what running needs, `make test` adds the test and lint tools.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEV     = $(VENV)/.installed-dev

.PHONY: run test lint typecheck bench sdk clean console

$(STAMP): pyproject.toml
	@echo "==> creating the virtual environment $(VENV) (with $(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing dcaas and what it needs to run (the first time takes a minute or two)"
	$(BIN)/pip install --progress-bar on -e .
	@touch $(STAMP)
	@echo "==> installed; the dcaas command is $(BIN)/dcaas (or run: source $(BIN)/activate)"

# The web console: sources in console/, built by npm (Node 20) into the Python package.
# Rebuilt when missing or older than any of its sources; nothing is fetched at run time.
CONSOLE_BUILT   = src/dcaas/console/static/index.html
CONSOLE_SOURCES = $(shell find console/src console/public console/scripts -type f 2>/dev/null) \
	console/index.html console/package.json console/package-lock.json console/vite.config.ts \
	console/tsconfig.json
CONSOLE_MODULES = console/node_modules/.installed

$(CONSOLE_MODULES): console/package.json console/package-lock.json
	@echo "==> installing the web console's build tools (npm)"
	cd console && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): $(CONSOLE_MODULES) $(CONSOLE_SOURCES)
	@echo "==> building the web console"
	cd console && npm run build

console: $(CONSOLE_BUILT)

$(DEV): $(STAMP)
	@echo "==> installing the test and lint tools (the dev extras)"
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@touch $(DEV)

# The development profile: local sources allowed, text logs (see README, Production).
# Another port: make run ARGS='--port 8081' (or DCAAS_PORT=8081 make run).
run: $(STAMP) $(CONSOLE_BUILT)
	DCAAS_ENV=$${DCAAS_ENV:-development} $(BIN)/dcaas serve $(ARGS)

test: $(DEV) $(CONSOLE_BUILT)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src
	$(BIN)/python scripts/unasync_sdk.py --check
	$(BIN)/lint-imports --no-cache --no-logo

# The sync SDK (src/dcaas_client/_sync) is generated from the async one: run after changing it.
sdk: $(STAMP)
	$(BIN)/python scripts/unasync_sdk.py

# Benchmarks print their figures (needs wrk, and the local PostgreSQL for the PG parts).
bench: $(DEV)
	$(BIN)/python bench/api_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache console/node_modules src/dcaas/console/static
