# matome-search: `make serve` runs the search engine on the sample archive,
# `make test` runs the whole test suite. Both install everything first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SITE   ?= data
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve index test clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/matome-search index --site $(SITE) --index-dir $(INDEX)

serve: index
	$(BIN)/matome-search serve --site $(SITE) --index-dir $(INDEX) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check search web bench tests tools
	$(BIN)/ruff format --check search web bench tests tools
	bash tests/ensure-system-packages.sh
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache bench/out
