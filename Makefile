# Coproduce: `make run` serves the site with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_WORKERS ?= 2
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

NODE_STAMP := node_modules/.installed

# Message catalogues (Babel): one .po per language under app/translations, compiled to .mo
# at install so the site and the tests serve every language with no manual step.
TRANSLATIONS := app/translations
POT := $(TRANSLATIONS)/messages.pot
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: install run serve secret-key test test-fast test-postgres lint fmt docs bench bench-imports bench-background bench-cache bench-exports clean
.PHONY: translations-extract translations-update translations-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres,test,dev,docs]'
	touch $(STAMP)

# The JavaScript linter (Biome), from the committed lockfile; nothing from npm is served.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

# Every marked string from app/ and templates/ into the template catalogue.
translations-extract: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--add-location=file --sort-by-file --no-wrap --project=Coproduce -o $(POT) .

# New strings into each language's catalogue (untranslated until someone translates them).
translations-update: translations-extract
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i $(POT) -d $(TRANSLATIONS)

translations-compile: $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

instance/secret_key: | $(STAMP)
	$(BIN)/python -c "from pathlib import Path; from app.config import write_secret_key; write_secret_key(Path('instance'))"

secret-key: instance/secret_key

# The site and a background worker together (Procfile.dev); Ctrl-C stops both.
run: install secret-key
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	HOST=$(HOST) $(BIN)/honcho --procfile Procfile.dev start --port $(PORT)

# The production pair (Procfile): gunicorn and `flask --app app worker`, one of each here;
# in production run each as a service, as many times as needed.
# One instance: instance/secret_key is allowed (gunicorn warns); several instances need one
# SECRET_KEY in their environment.
serve: install secret-key
	ALLOW_INSTANCE_SECRET_KEY=$${ALLOW_INSTANCE_SECRET_KEY:-1} HOST=$(HOST) \
		$(BIN)/honcho --procfile Procfile start --port $(PORT)

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The inner loop: everything but the browser tests.
test-fast: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

# The same suite on PostgreSQL, less the browser tests: they check pages and scripts, which
# the SQLite pass has already driven, and they would double the run's time.
test-postgres: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

lint: install $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npx --no-install biome check static/js

fmt: install $(NODE_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	npx --no-install biome check --write static/js

# The documentation site, into site/; warnings are errors, and nothing is fetched.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Datasette, the side-by-side baseline of bench/lists.py, in a venv of its own: never the app's.
BENCH_VENV := bench/.venv
$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet 'datasette>=0.65'
	touch $@

# BENCH_LIST_ARGS=--million adds N = 1,000,000 to the list matrix (bench/lists.py).
bench: install secret-key $(BENCH_VENV)/.installed
	$(BIN)/python bench/lists.py --datasette $(BENCH_VENV)/bin/datasette $(BENCH_LIST_ARGS)
	$(BIN)/python bench/requests.py
	$(BIN)/python bench/map_clusters.py $(BENCH_ARGS)
	$(BIN)/python bench/alert_digests.py $(BENCH_ARGS)
	$(BIN)/python bench/photos.py

# Imports: 100,000 rows on SQLite (add BENCH_IMPORT_ARGS="--postgres URL" for PostgreSQL).
bench-imports: install
	$(BIN)/python bench/import_throughput.py $(BENCH_IMPORT_ARGS)

# The CSV export through the shipped gunicorn.conf.py beside `sqlite3 -csv`: 100,000 rows
# (add BENCH_EXPORT_ARGS="--n 1000000 --keep /tmp/bench-1m.sqlite3" for a million).
bench-exports: install
	$(BIN)/python bench/exports.py $(BENCH_EXPORT_ARGS)

# A real worker process: queue round trip and mail (add BENCH_BACKGROUND_ARGS="--redis URL").
bench-background: install
	$(BIN)/python bench/background_work.py $(BENCH_BACKGROUND_ARGS)

# Cached public outputs through gunicorn (2 workers): /healthz against each output's repeated 200
# and 304, on 100,000 initiatives (BENCH_CACHE_ARGS="--rows 1000000" or "--postgres URL").
bench-cache: install
	$(BIN)/python bench/output_cache.py $(BENCH_CACHE_ARGS)

clean:
	rm -rf $(VENV) node_modules site .pytest_cache .ruff_cache .mypy_cache
