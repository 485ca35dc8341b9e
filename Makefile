# Two commands do everything on a fresh machine (see README.md):
#   make demo   set up .venv and run the demo batch (reports/index.html)
#   make test   set up .venv and run the whole test suite (what CI runs)

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The first Python >= 3.11 on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done)

.PHONY: demo test lab setup bytecode clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "civeval needs Python >= 3.11 on the PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# civeval's bytecode, written as pip writes it for a package it installs: an editable
# install leaves it to the first import, which PYTHONDONTWRITEBYTECODE (set in many
# containers) forbids, and every command would compile civeval again (half a second of
# each start). Only what changed is compiled again.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q lib/civeval

demo: bytecode
	bash scripts/ensure-chromium
	$(BIN)/civeval run --all

test: bytecode
	bash scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto

lab: bytecode
	$(BIN)/civeval lab

clean:
	rm -rf reports $(VENV)
