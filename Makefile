# Flaneur's two commands: `make run` (set up, migrate, serve) and `make test` (set up, check, test).
# Every step is idempotent and skipped when its inputs have not changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app server
VIEWER := static/viewer
PO_FILES := $(wildcard server/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
PYTEST_ARGS ?=
#: `make run DEMO=0` serves without loading the demo downtown
DEMO ?= 1

export FLASK_APP := server

.PHONY: run test setup venv viewer translations migrate demo lint contracts catalogue \
	test-sqlite test-postgres test-groups test-browser i18n clean s3rver prod

run: setup migrate demo ## set up, migrate, load the demo downtown and serve on http://127.0.0.1:5000
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup lint contracts catalogue test-sqlite test-postgres test-groups ## the whole suite, as CI runs it

prod: setup s3rver ## the production topology on loopback (PostgreSQL, Redis, S3, gunicorn, 2 workers) on http://127.0.0.1:8000
	$(PY) tools/prod_stack.py up $(if $(filter-out 0,$(DEMO)),--demo)

setup: venv viewer translations

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Flaneur needs Python 3.11 or newer (set PYTHON=python3.x)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

viewer: $(VIEWER)/dist/flaneur.js

$(VIEWER)/node_modules/.installed: $(VIEWER)/package.json $(VIEWER)/package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || \
		{ echo "Flaneur's viewer needs Node.js 20 or newer"; exit 1; }
	cd $(VIEWER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

#: s3rver, the S3 server the tests run that enforces CORS and keeps its data on disk (npm, pinned)
s3rver: tools/s3rver/node_modules/.installed

tools/s3rver/node_modules/.installed: tools/s3rver/package.json tools/s3rver/package-lock.json
	cd tools/s3rver && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VIEWER)/dist/flaneur.js: $(VIEWER)/node_modules/.installed $(VIEWER)/build.mjs $(wildcard $(VIEWER)/src/*) \
		$(wildcard $(VIEWER)/src/editor/*)
	cd $(VIEWER) && npm run --silent build

translations: $(MO_FILES)

server/translations/%/LC_MESSAGES/messages.mo: server/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d server/translations -l $* >/dev/null

migrate: venv ## apply database migrations
	$(FLASK) db upgrade

demo: migrate ## load the demo downtown (renders only the first time; then about a second)
ifneq ($(DEMO),0)
	$(FLASK) demo load
endif

lint: venv
	$(VENV)/bin/ruff check .

contracts: venv
	$(VENV)/bin/lint-imports

catalogue: venv
	$(PY) tools/check_catalogue.py

#: the expensive groups, run once in the production configuration with time budgets
#: (tests/support/budgets.py)
GROUPS := browser or fuzz or load or fault
#: pytest-xdist processes for the SQLite and PostgreSQL runs (0: all in one process)
TEST_WORKERS ?= auto

test-sqlite: setup s3rver ## the suite on SQLite and local storage, but for the expensive groups
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not ($(GROUPS))" --durations=15 $(PYTEST_ARGS)

test-postgres: setup s3rver ## the database tests again, each process on a throwaway PostgreSQL cluster
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --postgres -m "database and not ($(GROUPS))" \
		--durations=15 $(PYTEST_ARGS)

test-groups: setup s3rver ## browser, fuzzing, load and fault tests on PostgreSQL + S3, one at a time
	$(PY) -m pytest --postgres --s3 -m "$(GROUPS)" --durations=15 $(PYTEST_ARGS)

test-browser: setup s3rver ## only the Chromium tests (PostgreSQL + S3, as in CI)
	$(PY) -m pytest --postgres --s3 -m browser $(PYTEST_ARGS)

i18n: venv ## extract messages, update the catalogues, compile them
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -c i18n: --no-location \
		-o server/translations/messages.pot --project Flaneur --copyright-holder "Flaneur contributors" .
	for lang in de en es fr; do \
		if [ -f server/translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel update -i server/translations/messages.pot -d server/translations -l $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(VENV)/bin/pybabel init -i server/translations/messages.pot -d server/translations -l $$lang; \
		fi; \
	done
	$(VENV)/bin/pybabel compile -d server/translations

clean: ## remove what setup built (keeps the database in instance/)
	rm -rf $(VENV) $(VIEWER)/node_modules $(VIEWER)/dist tools/s3rver/node_modules $(MO_FILES)
