# One task runner for people and CI. `make run` and `make test` set everything up
# themselves on a machine with only Python 3.11+ (a virtual environment in .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint format bench schema readme browser charts clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## compare the seed scenario, then say how to put gpucalc on PATH
	$(BIN)/gpucalc compare scenarios/meta-2024.yaml
	@echo "" >&2
	@echo "gpucalc is installed in $(BIN). To type 'gpucalc' in this shell, activate it:" >&2
	@echo "    . $(BIN)/activate" >&2
	@echo "or install the command for your user: pipx install ." >&2

test: $(STAMP)  ## the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff (format and check) and mypy
	$(BIN)/ruff check gpu_calc tests bench
	$(BIN)/ruff format --check gpu_calc tests bench
	$(BIN)/mypy gpu_calc

format: $(STAMP)
	$(BIN)/ruff format gpu_calc tests bench
	$(BIN)/ruff check --fix gpu_calc tests bench

bench: $(STAMP)  ## speed figures, as ratios against baselines measured in the same run
	$(BIN)/python bench/run.py

schema: $(STAMP)  ## regenerate docs/scenario.schema.json
	$(BIN)/gpucalc schema -o docs/scenario.schema.json

readme: $(STAMP)  ## regenerate the CLI reference in README.md from --help
	$(BIN)/python -m gpu_calc.docgen README.md

browser: $(STAMP)  ## install headless Chromium for the browser test (the test does it too)
	$(BIN)/python -m tests.browser

charts: $(STAMP)  ## regenerate the README's chart
	$(BIN)/gpucalc plot scenarios/meta-2024.yaml --kind cumulative -o docs/img/cumulative.svg

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
