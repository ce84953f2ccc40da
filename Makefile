# The two commands a new user needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROWS   ?= 20000
SEED   ?= 42

.PHONY: help setup run test lint bench lock clean

help:
	@echo "make run    set up .venv, generate synthetic sources, run every dataset pipeline"
	@echo "make test   set up .venv and run the test suite"
	@echo "make lint   ruff over the code"
	@echo "make bench  benchmarks (figures, not tests)"
	@echo "make lock   rewrite requirements/lock.txt from the current .venv"
	@echo "make clean  remove data/ (sources, raw zone, releases)"

$(STAMP): pyproject.toml requirements/lock.txt requirements/nodeps.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; samverkan needs Python 3.11 (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements/lock.txt -e ".[airflow,dev]"
	$(BIN)/python -m pip install --quiet --no-deps -r requirements/nodeps.txt
	touch $(STAMP)

setup: $(STAMP)

# cffconvert (the official CITATION.cff validator) pins jsonschema<4: its own venv
CFF_VENV := .venv-cff
CFF_STAMP := $(CFF_VENV)/.installed
$(CFF_STAMP): requirements/cffconvert.txt
	test -x $(CFF_VENV)/bin/python || $(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/python -m pip install --quiet -r requirements/cffconvert.txt
	touch $(CFF_STAMP)

run: $(STAMP)
	$(BIN)/samverkan generate --seed $(SEED) --rows $(ROWS)
	$(BIN)/samverkan run --all
	$(BIN)/samverkan verify

test: $(STAMP) $(CFF_STAMP)
	CFFCONVERT=$(CURDIR)/$(CFF_VENV)/bin/cffconvert $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check pipelines dags tests bench
	$(BIN)/ruff format --check pipelines dags tests bench

bench: $(STAMP)
	$(BIN)/python bench/kanon.py
	$(BIN)/python bench/pii.py
	$(BIN)/python bench/pipeline.py --rows 100000 1000000
	$(BIN)/python bench/plot.py

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -i -E '^(pycanon|anjana|beartype)==' > requirements/lock.txt

clean:
	rm -rf data
