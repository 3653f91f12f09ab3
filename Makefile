# LACOE Mobile Service: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := APP_ENV=development AUTH_MODE=dev
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_STUDENTS ?= 3000

.PHONY: run test test-sqlite test-postgres install bench bench-quick bench-drills infra-check lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi seed --if-empty --students $(DEMO_STUDENTS)
	@echo ""
	@echo "LACOE Mobile Service (development sign-in) on http://$(HOST):$(PORT)"
	@echo "  API docs:          http://$(HOST):$(PORT)/docs"
	@echo "  Pilot dashboard:   http://$(HOST):$(PORT)/pilot  (dev sign-in page)"
	@echo "  Get a dev token:   $(DEV_ENV) $(BIN)/flask --app wsgi dev-token csw.demo@dcfs.lacounty.gov"
	@echo "  Exchange it:       curl -s -X POST http://$(HOST):$(PORT)/auth/token \\"
	@echo "                       -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \\"
	@echo "                       -d subject_token_type=urn:ietf:params:oauth:token-type:access_token \\"
	@echo "                       -d subject_token=<dev token>"
	@echo ""
	$(DEV_ENV) BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c infra/gunicorn.conf.py wsgi:app

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
test: $(STAMP)
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL run ($$TEST_DATABASE_URL) =="; \
		$(BIN)/python -m pytest --require-postgres; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check mobile_service auth api tests bench

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Fault drills (private PostgreSQL on port 55432, gunicorn HUP/TERM, fleet of 3 + nginx): manual;
# CI runs only the fleet drill's short form (python -m bench.drills --only fleet --short).
bench-drills: $(STAMP)
	$(BIN)/python -m bench.drills

# Offline checks of Dockerfile, Kubernetes manifests and nginx config (also run by .ci/run).
infra-check: $(STAMP)
	bash infra/check

clean:
	rm -rf $(VENV) instance .pytest_cache
