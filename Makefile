PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-shuffled lint typecheck unit bench clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/leadsync demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two processes: most tests wait on sockets and subprocesses, so the suite takes half the time;
# whole files per process, so module fixtures (a worker cluster, a shared sandbox) start once.
unit: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadfile

test: lint typecheck unit

# The suite in a random order (pytest-randomly; SEED=n repeats an order) and any hypothesis seed.
test-shuffled: $(STAMP)
	$(BIN)/pytest -q -p randomly $(if $(SEED),--randomly-seed=$(SEED))

# Headless Chromium for tests/e2e/test_report_browser.py (skipped, saying so, without it).
browser:
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium) || \
		(sudo apt-get update && sudo apt-get install -y chromium)

bench: $(STAMP)
	$(BIN)/python bench/sandbox_speed.py
	$(BIN)/python bench/rules_speed.py
	$(BIN)/python bench/junk_score.py

clean:
	rm -rf $(VENV) .leadsync .pytest_cache .mypy_cache .ruff_cache
