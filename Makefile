# Dark Factory — everyday commands. `make handoffs` is the main job, `make test` the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install handoffs test watch site bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile every spec named in factory.toml into handoffs/ and commit what changed.
handoffs: install
	$(BIN)/factory build --commit

test: install
	$(BIN)/python -m pytest

watch: install
	$(BIN)/factory watch

site: install
	$(BIN)/factory site --demo

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
