.PHONY: setup test test-fast lint run bench

setup:
	./setup.sh

# Everything CI runs: set-up, lint, then every test (slow, browser and docker ones included).
test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

# The quick loop while developing: no slow end-to-end tests.
test-fast:
	.venv/bin/python -m pytest -m "not slow"

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

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