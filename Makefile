# The two commands: `make demo` runs the main job, `make test` runs every test.
# Both create .venv and install what they need on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages for the tests of real systems and of pages (servers are started by the tests).
SYSTEM_PACKAGES := zookeeper etcd-server postgresql chromium chromium-driver

.PHONY: demo test venv clean bench fuzz system

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lsp]'
	touch $(STAMP)

venv: $(STAMP)

system:
	./scripts/system-packages.sh $(SYSTEM_PACKAGES)

demo: $(STAMP) system
	$(BIN)/pyspec suite specs/suite.toml
	$(BIN)/python examples/demo_pages.py demo-output

# On every core (pytest-xdist; tests that share a session fixture run on one worker, see
# tests/conftest.py), printing the slowest tests at the end (docs/performance.md, "The test suite").
test: $(STAMP) system npm-tools
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadgroup --durations=15

# The long fuzz campaign (docs/fuzzing.md); failing inputs land in fuzz-crashes/.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.campaign --inputs 100000 --seed 1 --jobs 2 --crashes fuzz-crashes

bench: $(STAMP)
	$(BIN)/python benchmarks/explore.py

clean:
	rm -rf $(VENV) build *.egg-info

# ---- the editor package (docs/editor.md) ----------------------------------------------------------
# npm tools in a folder of the checkout (git-ignored): @vscode/vsce builds the VS Code extension,
# vscode-tmgrammar-test checks its grammar on every library spec (tests/editors/test_tmgrammar.py).
NPM_TOOLS := .npm-tools
VSCE := $(NPM_TOOLS)/node_modules/.bin/vsce
TMGRAMMAR_TEST := $(NPM_TOOLS)/node_modules/.bin/vscode-tmgrammar-test
VSIX := build/pyspec-vscode.vsix

.PHONY: npm-tools vsix

$(VSCE) $(TMGRAMMAR_TEST):
	npm install --prefix $(NPM_TOOLS) --no-audit --no-fund @vscode/vsce@3 vscode-tmgrammar-test@0.1

npm-tools: $(VSCE) $(TMGRAMMAR_TEST)

vsix: $(VSCE)
	cd editors/vscode && npm ci --no-audit --no-fund --omit=dev
	mkdir -p build
	cd editors/vscode && ../../$(VSCE) package --allow-missing-repository --out ../../$(VSIX)

# pyspec against Spin on Paxos (docs/performance.md, "Against Spin"): installs the Debian `spin`
# package when missing (as root; otherwise the benchmark says so and runs the pyspec half only).
.PHONY: bench-spin
bench-spin: $(STAMP)
	-./scripts/system-packages.sh spin gcc
	$(BIN)/python benchmarks/spin_compare.py
