# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint format bench clean sanitize

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt src/scimguard/profile/_screen.c src/scimguard/records/_split.c \
		src/scimguard/sync/_exact.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: venv
	$(BIN)/python -m scimguard.demo

test: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

sanitize: venv
	scripts/sanitize-screen

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .scimguard
