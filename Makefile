.PHONY: setup test test-fast lint shellcheck run bench mutation

# Every shell script: the image's start scripts, set-up and CI (lib.sh is sourced; it says its shell).
SHELL_SCRIPTS := $(shell git ls-files '*.sh' 2>/dev/null) .ci/run

setup:
	./setup.sh

# Everything CI runs: set-up, lint, then every test (slow, browser and docker ones included).
test: setup
	.venv/bin/ruff check .
	shellcheck -x $(SHELL_SCRIPTS)
	.venv/bin/python -m pytest

# The quick loop while developing: no slow end-to-end tests.
test-fast:
	.venv/bin/python -m pytest -m "not slow"

lint: shellcheck
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

shellcheck:
	shellcheck -x $(SHELL_SCRIPTS)

# The desktop and the UI, natively, on :8080 (Ctrl-C stops everything it started).
run:
	./setup.sh --apps
	.venv/bin/python -m computer_use_demo

bench:
	.venv/bin/python bench/bench_actions.py
	.venv/bin/python bench/bench_loop.py
	.venv/bin/python bench/bench_ui_first_token.py
	.venv/bin/python bench/bench_store.py
	.venv/bin/python bench/bench_api.py

# Mutation testing of the core modules, each against its own tests, one after another (a developer command,
# not part of `make test`; about 20 minutes on 2 cores). Prints a score per module and every
# surviving mutant that mutation/equivalents.toml does not list. ARGS picks modules, e.g. ARGS=scaling.
mutation:
	.venv/bin/python -m mutation.run --fresh $(ARGS)
