# The two commands: `make run` (demo on SQLite at http://127.0.0.1:8000/) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers; the machine has 2 cores.
WORKERS ?= 2

.PHONY: install run test lint browser-deps fixture serve

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving http://$(HOST):$(PORT)/  (log in as admin, staff, cadre or leader; password jiujiang-demo)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when missing and we may (root + apt-get).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium fonts-noto-cjk'."; \
	  fi; \
	fi

test: install browser-deps
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Production run (README "Production run"): migrate, collectstatic, gunicorn + whitenoise.
# Needs DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL in the environment.
serve: install
	BIND=$(HOST):$(PORT) PYTHON=$(BIN)/python scripts/serve

# Regenerate fixtures/demo.json from cases/demo.py (deterministic) on a scratch database.
fixture: install
	rm -f /tmp/landreform-fixture.sqlite3
	DATABASE_URL=sqlite:////tmp/landreform-fixture.sqlite3 $(BIN)/python manage.py migrate -v0
	DATABASE_URL=sqlite:////tmp/landreform-fixture.sqlite3 $(BIN)/python manage.py build_demo_fixture
