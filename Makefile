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

.PHONY: install run serve secret-key test test-fast test-postgres lint fmt docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres,test,dev,docs]'
	touch $(STAMP)

# The JavaScript linter (Biome), from the committed lockfile; nothing from npm is served.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP)

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
serve: install
	HOST=$(HOST) $(BIN)/honcho --procfile Procfile start --port $(PORT)

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The inner loop: everything but the browser tests.
test-fast: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

test-postgres: install
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

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

bench: install secret-key
	$(BIN)/python bench/requests.py
	$(BIN)/python bench/map_clusters.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules site .pytest_cache .ruff_cache .mypy_cache
