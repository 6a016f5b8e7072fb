# casebook: every target sets up .venv/ on first use; nothing is installed globally.
# The quick start is `make serve` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: serve site test lint typecheck unit regen bench clean browser

# The virtual environment is rebuilt only when pyproject.toml changes, so that
# later runs need no network.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The report comes first, but never stops the preview: a case with errors is
# served with its problems, on its own page and on /problems/.
serve: $(BIN)/.installed
	@$(BIN)/casebook validate || echo "make serve: serving anyway; the cases with errors show their problems"
	$(BIN)/mkdocs serve --dev-addr $(HOST) --livereload --dirty

site: $(BIN)/.installed
	$(BIN)/casebook build

# Browser tests drive Debian's Chromium; install it when missing and we may.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM): install Debian's 'chromium' package (as root: apt-get install chromium)" >&2; \
	    exit 1; \
	  fi; \
	fi

lint: $(BIN)/.installed-test
	$(BIN)/ruff check generator tests bench

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

unit: $(BIN)/.installed-test browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test: lint typecheck unit

# Refresh what is generated from the code: the README's field reference and
# table of messages, and schema/case.schema.json.
regen: $(BIN)/.installed
	$(BIN)/python -m generator.publish.reference --write

bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py --write --profile

clean:
	rm -rf $(VENV) site .cache build *.egg-info
