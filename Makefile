# LACOE Mobile Service: `make run` serves the demo, `make test` runs the suite, `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := APP_ENV=development AUTH_MODE=dev
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_STUDENTS ?= 3000
EMAIL ?=

.DEFAULT_GOAL := help
.PHONY: help run token test install bench bench-quick bench-drills infra-check lint clean

help: ## list the targets with what they do
	@echo "make <target> (variables: HOST=$(HOST) PORT=$(PORT) DEMO_STUDENTS=$(DEMO_STUDENTS) EMAIL=...)"
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned requirements
	@true

run: $(STAMP) ## migrate and seed instance/mobile.db, serve the demo on HOST:PORT (dev sign-in)
	@$(BIN)/python -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	  r = s.connect_ex(("$(HOST)", $(PORT))); s.close(); \
	  sys.exit(0 if r else "port $(PORT) on $(HOST) is busy (another make run?); choose another: make run PORT=$(shell expr $(PORT) + 1)")'
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi seed --if-empty --students $(DEMO_STUDENTS)
	@echo ""
	@echo "LACOE Mobile Service (development sign-in) on http://$(HOST):$(PORT)"
	@echo "  Start page:        http://$(HOST):$(PORT)/"
	@echo "  API docs:          http://$(HOST):$(PORT)/docs"
	@echo "  Pilot dashboard:   http://$(HOST):$(PORT)/pilot  (dev sign-in page)"
	@echo "  An API token:      make token EMAIL=csw.demo@dcfs.lacounty.gov   (prints an Authorization header)"
	@echo "  Then:              curl -s -H \"\$$(make -s token EMAIL=csw.demo@dcfs.lacounty.gov)\" http://$(HOST):$(PORT)/api/v1/me"
	@echo ""
	$(DEV_ENV) BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c infra/gunicorn.conf.py wsgi:app

token: $(STAMP) ## print "Authorization: Bearer ..." for a demo account: make token EMAIL=csw.demo@dcfs.lacounty.gov
	@test -n "$(EMAIL)" || { echo "usage: make token EMAIL=csw.demo@dcfs.lacounty.gov (demo accounts: see README.md)" >&2; exit 2; }
	@$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade >&2
	@$(DEV_ENV) $(BIN)/flask --app wsgi seed --if-empty --students $(DEMO_STUDENTS) >&2
	@$(DEV_ENV) $(BIN)/flask --app wsgi dev-token --header "$(EMAIL)"

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
test: $(STAMP) ## run the test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL run ($$TEST_DATABASE_URL) =="; \
		$(BIN)/python -m pytest --require-postgres; \
	fi

lint: $(STAMP) ## static checks of the whole tree (ruff, rules in pyproject.toml)
	$(BIN)/ruff check .

bench: $(STAMP) ## the benchmark (BENCH_ARGS="--database-url ... --enforce-targets"), see bench/RESULTS.md
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(STAMP) ## benchmark smoke run: checks that the benchmark works, not its targets (CI)
	$(BIN)/python -m bench --quick

# Fault drills (private PostgreSQL on port 55432, gunicorn HUP/TERM, fleet of 3 + nginx): manual;
# CI runs only the fleet drill's short form (python -m bench.drills --only fleet --short).
bench-drills: $(STAMP) ## fault drills: PostgreSQL outage, HUP/TERM, Redis/IdP faults, fleet of 3 + nginx (manual)
	$(BIN)/python -m bench.drills

# Offline checks of Dockerfile, Kubernetes manifests and nginx config (also run by .ci/run).
infra-check: $(STAMP) ## offline checks of Dockerfile, Kubernetes manifests and nginx config
	bash infra/check

clean: ## remove .venv, instance/ (the demo database and dev keys) and caches
	rm -rf $(VENV) instance .pytest_cache
