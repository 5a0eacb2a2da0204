# hs-japan — every target creates .venv if it is missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BLUEPRINT ?= blueprints/japan-enterprise

.PHONY: demo tour pictures test lint typecheck unit bench clean-demo clean

$(BIN)/python:
	@echo "creating the virtual environment $(VENV) ($(PYTHON) -m venv)…"
	@$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing hs-japan and its dependencies into $(VENV) (first run: about a minute)…"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)
	@echo "installed: $$($(BIN)/hs-japan --version)"

## demo: plan and apply the Japan blueprint against the embedded local portal, then re-plan
demo: $(STAMP)
	@echo "== hs-japan validate $(BLUEPRINT)"
	$(BIN)/hs-japan validate $(BLUEPRINT)
	@echo
	@echo "== hs-japan plan $(BLUEPRINT)   (local portal: the embedded HubSpot emulator)"
	$(BIN)/hs-japan plan $(BLUEPRINT)
	@echo
	@echo "== hs-japan apply $(BLUEPRINT) --yes"
	$(BIN)/hs-japan apply $(BLUEPRINT) --yes
	@echo
	@echo "== hs-japan plan $(BLUEPRINT) --detailed-exitcode   (expect: no changes, exit 0)"
	$(BIN)/hs-japan plan $(BLUEPRINT) --detailed-exitcode

## tour: every hs-japan command in README.md, in order, against the emulator (temp folder)
tour: $(STAMP)
	scripts/tour.sh

## pictures: docs/img/funnel.png and docs/img/report.png (headless chromium, 1400 px wide)
pictures: $(STAMP)
	scripts/pictures.sh

## clean-demo: forget the local portal so the next demo starts from a fresh account
clean-demo:
	rm -rf .hs-japan/local

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## test: lint, type checks and every test
test: lint typecheck unit

## bench: issue 14 targets against the emulator; writes benchmarks/last-run.json and docs/performance.md
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --json benchmarks/last-run.json --doc docs/performance.md

clean:
	rm -rf $(VENV) .hs-japan .mypy_cache .ruff_cache .pytest_cache
