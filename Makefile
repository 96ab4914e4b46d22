# Two entry points for a fresh machine with only Python >= 3.11 and make:
#   make demo   set up, then run the pipeline on the bundled sample site
#   make test   set up, then run the whole test suite
# uv is installed from the package index into .tools/, the project into .venv/.

PYTHON ?= python3
UV_VERSION ?= 0.13.9
UV := .tools/bin/uv
PYTEST_ARGS ?=

.PHONY: demo test lint setup

setup: .venv/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

demo: setup
	.venv/bin/accords demo

test: setup
	.venv/bin/python -m pytest $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy flows extractors db
