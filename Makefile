# One command runs the server, one runs the tests. Each creates .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test lint typecheck bench sdk clean console

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web console: sources in console/, built by npm (Node 20) into the Python package.
# Rebuilt when missing or older than any of its sources; nothing is fetched at run time.
CONSOLE_BUILT   = src/dcaas/console/static/index.html
CONSOLE_SOURCES = $(shell find console/src console/public console/scripts -type f 2>/dev/null) \
	console/index.html console/package.json console/package-lock.json console/vite.config.ts \
	console/tsconfig.json
CONSOLE_MODULES = console/node_modules/.installed

$(CONSOLE_MODULES): console/package.json console/package-lock.json
	cd console && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): $(CONSOLE_MODULES) $(CONSOLE_SOURCES)
	cd console && npm run build

console: $(CONSOLE_BUILT)

run: $(STAMP) $(CONSOLE_BUILT)
	$(BIN)/dcaas serve $(ARGS)

test: $(STAMP) $(CONSOLE_BUILT)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src
	$(BIN)/python scripts/unasync_sdk.py --check
	$(BIN)/lint-imports --no-cache --no-logo

# The sync SDK (src/dcaas_client/_sync) is generated from the async one: run after changing it.
sdk: $(STAMP)
	$(BIN)/python scripts/unasync_sdk.py

# Benchmarks print their figures (needs wrk, and the local PostgreSQL for the PG parts).
bench: $(STAMP)
	$(BIN)/python bench/api_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache console/node_modules src/dcaas/console/static
