# One command sets up, one tests. Both create .venv and install what they need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TODAY ?=
ZVENV := .venv-zensical
ZSTAMP := $(ZVENV)/.installed
CHECK_ARGS := $(if $(TODAY),--today $(TODAY),)

.PHONY: install apt site-deps system-deps node-deps zensical-deps check build build-zensical docs-tree serve pdf test lint bench clean

# Debian packages the tests and the site need; installed with apt-get only when missing.
SITE_APT := fonts-dejavu-core graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_APT := $(SITE_APT) chromium poppler-utils softhsm2 zbar-tools
CHROMIUM := /usr/bin/chromium

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	# Bytecode for the editable package, as an installed copy has: a leader's `rutinebok sign`
	# then does not compile every module first (also where PYTHONDONTWRITEBYTECODE is set).
	$(BIN)/python -m compileall -q rutinebok
	touch $(STAMP)

install: $(STAMP)

# Zensical in its own venv (see requirements-zensical.lock); tests/test_pipeline.py builds with it.
$(ZSTAMP): requirements-zensical.lock
	test -x $(ZVENV)/bin/python || $(PY) -m venv $(ZVENV)
	$(ZVENV)/bin/python -m pip install --quiet --no-deps -r requirements-zensical.lock
	touch $(ZSTAMP)

zensical-deps: $(ZSTAMP)

site-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(SITE_APT)"

system-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(TEST_APT)"

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

## check: validate data/ and print errors and warnings (exit 1 on errors)
check: install
	$(BIN)/rutinebok check $(CHECK_ARGS)

# Publication builds need the public address (RUTINEBOK_SITE_URL or site_url in mkdocs.yml);
# RUTINEBOK_DRAFT=1 makes a draft instead (local address allowed, marked «Utkast – ikke for signering»).
PDF_ARGS := $(if $(filter 1 true ja,$(RUTINEBOK_DRAFT)),--draft,)

## build: check the data, build the site and its search index into site/ (the old site stays if anything fails)
# The rutinebok MkDocs plugin adds the engine's pages and runs the post-build pass (sanitising,
# table labels, glossary terms, CSP, search index) over site.new before it replaces site/.
build: install site-deps
	rm -rf site.new
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site.new
	rm -rf site.old; if [ -d site ]; then mv site site.old; fi; mv site.new site; rm -rf site.old

## docs-tree: write content/ + the generated pages and files into build/docs (for any builder)
docs-tree: install site-deps
	$(BIN)/python -m rutinebok.site write build/docs

## build-zensical: the same docs tree built by Zensical (pinned in requirements-zensical.lock) into build/site-zensical
build-zensical: docs-tree $(ZSTAMP)
	rm -rf build/site-tree build/site-zensical
	PYTHONPATH=$(CURDIR) $(ZVENV)/bin/zensical build --strict -f mkdocs.tree.yml
	$(BIN)/python -m rutinebok.postbuild build/site-tree
	mv build/site-tree build/site-zensical

## pdf: routine PDFs (PDF/A-2b, one signature field per party) into build/pdf
pdf: install site-deps
	$(BIN)/rutinebok pdf --out build/pdf $(PDF_ARGS)

## serve: set up, check, and serve a draft of the site at http://127.0.0.1:8000 (reloads on data/ changes)
# --dirty: after a change only the pages whose generated text changed are built again.
serve: check site-deps
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dirty --dev-addr 127.0.0.1:8000

## test: lint (ruff, with a complexity limit), then the whole test suite, browser tests included
test: install system-deps node-deps zensical-deps
	$(BIN)/ruff check rutinebok tests bench
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check rutinebok tests bench

## bench: speed on generated corpora (not part of test)
bench: install system-deps
	$(BIN)/python bench/check_bench.py 100 1000
	$(BIN)/python bench/site_bench.py 1000
	$(BIN)/python bench/tree_bench.py
	$(BIN)/python bench/pdf_bench.py 100

clean:
	rm -rf $(VENV) $(ZVENV) .cache site site.new node_modules bench/out .pytest_cache
