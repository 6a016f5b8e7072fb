# casebook: every target sets up .venv/ on first use; nothing is installed globally.
# The quick start is `make serve` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: serve site test lint typecheck unit regen bench clean browser blame-config

# The virtual environment is rebuilt only when pyproject.toml changes, so that
# later runs need no network. Country boundaries for the coordinates check
# (Natural Earth through the npm package world-atlas) go inside it too.
BOUNDARIES := $(VENV)/share/casebook
WORLD_ATLAS ?= world-atlas@2.0.2
# The site's map (Leaflet with its clustering plugin, boundaries decoded by
# topojson-client) and the browser tests' accessibility engine (axe-core) come from
# npm into the same folder; the generator copies the map's files into the site.
# The stamp is named by the list, so changing a version reinstalls only these.
WEB_PACKAGES := leaflet@1.9.4 leaflet.markercluster@1.5.3 topojson-client@3.1.0 axe-core@4.14.1
WEB_STAMP := $(BOUNDARIES)/.installed-$(shell echo '$(WEB_PACKAGES)' | cksum | cut -d' ' -f1)

$(BIN)/.installed: pyproject.toml | blame-config
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	mkdir -p $(BOUNDARIES)
	npm install --silent --no-save --no-audit --no-fund --prefix $(BOUNDARIES) $(WORLD_ATLAS)
	touch $@

$(WEB_STAMP): $(BIN)/.installed
	npm install --silent --no-save --no-audit --no-fund --prefix $(BOUNDARIES) $(WORLD_ATLAS) $(WEB_PACKAGES)
	rm -f $(BOUNDARIES)/.installed-*
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed $(WEB_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# In a git checkout, make plain `git blame` pass over the commits listed in
# .git-blame-ignore-revs, as `casebook blame` does: local configuration, set once
# and never overwritten. A linked worktree shares the main checkout's
# configuration, so it is left to the main checkout.
blame-config:
	@if [ -f .git-blame-ignore-revs ] \
	  && [ "$$(git rev-parse --git-dir 2>/dev/null)" = "$$(git rev-parse --git-common-dir 2>/dev/null)" ] \
	  && [ -n "$$(git rev-parse --git-dir 2>/dev/null)" ] \
	  && ! git config --local --get blame.ignoreRevsFile >/dev/null; then \
	  git config --local blame.ignoreRevsFile .git-blame-ignore-revs \
	  && echo "git blame now skips the commits in .git-blame-ignore-revs (git config blame.ignoreRevsFile)"; \
	fi

# The report comes first, but never stops the preview: a case with errors is
# served with its problems, on its own page and on /problems/.
serve: $(BIN)/.installed $(WEB_STAMP)
	@$(BIN)/casebook validate || echo "make serve: serving anyway; the cases with errors show their problems"
	$(BIN)/mkdocs serve --dev-addr $(HOST) --livereload --dirty

site: $(BIN)/.installed $(WEB_STAMP)
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

# Refresh what is generated from the code: the README's stage table, field reference
# and table of messages, schema/case.schema.json and schema/mapping.schema.json.
regen: $(BIN)/.installed
	$(BIN)/python -m generator.publish.reference --write

bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py --write --profile

clean:
	rm -rf $(VENV) site .cache build *.egg-info
