# imghost: `make run` serves the app on http://localhost:8000, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run install install-dev frontend chromium test lint bench clean

install:
	@scripts/install.sh requirements.txt

install-dev:
	@scripts/install.sh requirements-dev.txt

frontend: install
	@scripts/build-frontend.sh

run: frontend
	@echo "imghost on http://localhost:$${IMGHOST_PORT:-8000}  (API docs: /api/docs)"
	@scripts/serve.sh

# Debian's chromium for the browser tests (Playwright's own download cannot work offline).
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install-dev chromium
	@source scripts/env.sh && .venv/bin/ruff check imghost tests alembic rxconfig.py
	@source scripts/env.sh && .venv/bin/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	@.venv/bin/ruff check imghost tests alembic rxconfig.py
	@.venv/bin/hadolint Dockerfile

# Load-tests the app as users run it and writes BENCHMARKS.md (~12 min; see bench/).
bench: install-dev chromium
	@command -v wrk >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }; }
	@source scripts/env.sh && .venv/bin/python -m bench $(BENCH_ARGS)

clean:
	rm -rf .web .states test-artifacts
