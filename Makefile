# Dark Factory — everyday commands. `make handoffs` is the main job, `make test` the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install bytecode handoffs test watch site bench clean

install: $(STAMP)

# Byte-compile the package as a regular install would (an editable one does not;
# with PYTHONDONTWRITEBYTECODE set, every command would compile it again).
bytecode: install
	$(BIN)/python -m compileall -q generator

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile every spec named in factory.toml into handoffs/ and commit what changed.
handoffs: bytecode
	$(BIN)/factory build --commit

test: install
	$(BIN)/python -m pytest

watch: bytecode
	$(BIN)/factory watch

site: bytecode
	$(BIN)/factory site --demo

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
