# The two commands: `make demo` runs the main job, `make test` runs every test.
# Both create .venv and install what they need on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv clean bench fuzz

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/pyspec suite specs/suite.toml

test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider

# The long fuzz campaign (docs/fuzzing.md); failing inputs land in fuzz-crashes/.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.campaign --inputs 100000 --seed 1 --jobs 2 --crashes fuzz-crashes

bench: $(STAMP)
	$(BIN)/python benchmarks/explore.py

clean:
	rm -rf $(VENV) build *.egg-info
