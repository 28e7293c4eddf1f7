# The two commands the README opens with. Both work on a fresh machine with Python >= 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint bench reliability clean docs dist

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,bench]'
# bytecode, as a regular install has it (the editable install leaves sources, and
# PYTHONDONTWRITEBYTECODE, where set, would make every run compile them again)
	$(PY) -m compileall -q typorisk > /dev/null
	touch $@

## run: set up, then run the whole pipeline on the embedded synthetic world (offline)
run: $(VENV)/.installed
	$(VENV)/bin/typorisk permute pentagon.mil army.mil --top 12 --format table
	$(VENV)/bin/typorisk demo --out typorisk-demo

## test: set up, then lint, type-check and run the whole test suite
test: $(VENV)/.installed lint
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check typorisk tests
	$(VENV)/bin/ruff format --check typorisk tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed
	$(PY) tests/benchmarks/bench_permute.py
	$(PY) tests/benchmarks/bench_resolve.py
	$(PY) tests/benchmarks/bench_rank.py
	$(PY) tests/benchmarks/bench_feeds.py
	$(PY) tests/benchmarks/bench_zonefile.py
	$(PY) tests/benchmarks/bench_match.py
	$(PY) tests/benchmarks/bench_startup.py
	$(PY) tests/benchmarks/bench_policyd_flood.py

## reliability: the fault and bad-input suites, with the table of cases survived and rows lost
reliability: $(VENV)/.installed
	TYPORISK_RELIABILITY_JSON=.reliability.json $(PY) -m pytest -q tests
	$(PY) tests/reliability/render_table.py .reliability.json --write RELIABILITY.md

## docs: build the documentation site (mkdocs + Material) into site/, warnings as errors
docs: $(VENV)/.installed
	$(PY) docs/gen_reference.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

## dist: build the wheel and sdist, check them with twine, install the wheel in a fresh venv
## and run its typorisk (the package data must be in the wheel)
dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m build --outdir dist . > /dev/null
	$(VENV)/bin/twine check --strict dist/*
	bash .ci/check-wheel dist/*.whl

clean:
	rm -rf $(VENV) build dist site *.egg-info .mypy_cache .ruff_cache .pytest_cache
