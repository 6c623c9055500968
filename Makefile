# Set-up is two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_CORPUS := corpora/text8_10mb.txt.gz
DEMO_MODEL := demo-model

.PHONY: install install-dev demo test bench lint clean

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/w2v train $(DEMO_CORPUS) --model-dir $(DEMO_MODEL)
	$(BIN)/w2v neighbors king paris computer --model-dir $(DEMO_MODEL)

test: install-dev
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/compare.py $(BENCH_ARGS)
	$(BIN)/python bench/reading.py
	$(BIN)/python bench/threads.py
	$(BIN)/python bench/hs.py
	$(BIN)/python bench/phrases.py --train
	$(BIN)/python bench/chinese.py
	$(BIN)/python bench/subwords.py
	$(BIN)/python bench/items.py
	$(BIN)/python bench/memory.py
	$(BIN)/python -m pip install --quiet -e '.[cluster]'
	$(BIN)/python bench/cluster.py

lint: install-dev
	$(BIN)/ruff check w2v tests bench
	$(BIN)/ruff format --check w2v tests bench

clean:
	rm -rf $(VENV) $(DEMO_MODEL) .pytest_cache build *.egg-info
