# Two commands for a fresh machine with python3 (>= 3.11) and make:
#   make run    set up .venv and launch the reader
#   make test   set up .venv and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format screenshots bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rajpoot-tui $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py --before 0e500e0
	$(BIN)/python benchmarks/refresh_responsiveness.py
	PYTHONPATH=. $(BIN)/python benchmarks/refresh_many.py
	$(BIN)/python benchmarks/search_typing.py
	PYTHONPATH=. $(BIN)/python benchmarks/article_render.py
	$(BIN)/python benchmarks/extract.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
