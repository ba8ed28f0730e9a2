# qisim: two commands. `make demo` installs and runs the main job; `make test` installs and tests.
# The set-up finds a Python >= 3.12 by itself (PYTHON=... overrides it).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell ./.ci/find-python)

.PHONY: demo test test-quick baseline install lint bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "qisim needs Python 3.12 or newer and found none (tried python3.13, python3.12, python3, pyenv, uv). Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[sweep,app,dev]"
	@touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/qisim run scenarios/example.toml --out results/demo

lint: install
	$(VENV)/bin/ruff check qisim tests benchmarks
	$(VENV)/bin/ruff format --check qisim tests benchmarks

test: lint
	$(VENV)/bin/python -m pytest

# everyday work: the same checks without the tests marked slow (CI runs `make test`)
test-quick: lint
	$(VENV)/bin/python -m pytest -m "not slow"

# after a change meant to move results: rerun the pinned runs, print what moved, rewrite
# tests/baseline.json (commit it with the change)
baseline: install
	$(PY) -m tests.baseline --update

bench: install
	$(PY) -m pytest benchmarks/test_reference.py
	$(PY) benchmarks/bench_run.py
	$(PY) benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
