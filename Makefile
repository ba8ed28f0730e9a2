# qisim: two commands. `make demo` installs and runs the main job; `make test` installs and tests.
# An extra, for maintainers: `make results` re-makes every results folder at this commit.
# The set-up finds a Python >= 3.12 by itself (PYTHON=... overrides it).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell ./.ci/find-python)

.PHONY: demo test test-quick baseline install lint bench results clean

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

# after the model changes, at the final commit: every folder of results/ but calibration and
# benchmarks, with the commands each records (about 2 hours on 2 cores; some steps only:
# make results STEPS="validation plans"; the steps: experiments/rerun_all.sh -h). Then commit
# results/; tests/test_results_version.py checks every folder is of this model.
results: install
	PATH="$(abspath $(VENV))/bin:$$PATH" experiments/rerun_all.sh $(STEPS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
