# Two commands do all the set-up: `make run` (the platform, embedded default) and `make test`.
PYTHON ?= python3
PORT   ?= 5000
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test e2e lint translations bench-rush bench-cpu bench-settle bench-receipts clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "furusato needs Python 3.11 or newer; try: make $(MAKECMDGOALS) PYTHON=python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/furusato dev --port $(PORT)

test: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

e2e: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check platform worker tests bench scripts migrations
	$(BIN)/mypy

# Extract the Japanese msgids, merge them into the English catalog, compile the .mo (commit all three).
translations: $(STAMP)
	$(BIN)/python scripts/i18n.py

bench-rush: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/rush.py

bench-cpu: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/donation_cpu.py

bench-settle: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/settle.py

bench-receipts: $(STAMP)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/receipts.py

clean:
	rm -rf $(VENV) instance .pytest_cache
