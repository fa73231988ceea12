# Timescale migration with Airflow: `make demo` and `make test` work on a fresh clone (Debian 12, run as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=
BENCH_HT_ARGS ?= --size-mb 1000 --runs 2
BENCH_SH_ARGS ?=
BENCH_DEPLOYED_ARGS ?= --executors local
# scripts/, bench/ and the tests import devtools/ and plugins/timescale_migration from here (pytest.ini says the same)
export PYTHONPATH := $(CURDIR):$(CURDIR)/plugins

.PHONY: venv servers stop status test unit lint demo airflow airflow-celery bench bench-hypertables bench-deployed bench-schema-heavy clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV) (pinned by constraints.txt)"
	@$(VENV)/bin/pip install -q --upgrade pip > $(VENV)/pip.log 2>&1 || { tail -20 $(VENV)/pip.log; exit 1; }
	@$(VENV)/bin/pip install -q -r requirements.txt -r requirements-dev.txt -c constraints.txt >> $(VENV)/pip.log 2>&1 \
		|| { grep -v '^WARNING: Location' $(VENV)/pip.log | tail -30; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)  ## the virtualenv at .venv

servers:  ## start the local PostgreSQL 15 and TimescaleDB servers (installs them the first time)
	bash scripts/testservers.sh start

stop:  ## stop the local servers
	bash scripts/testservers.sh stop

status:
	bash scripts/testservers.sh status

test: venv  ## every test (unit, integration, end-to-end) against fresh servers started for the run and stopped after
	bash scripts/browser.sh
	bash scripts/testservers.sh reset
	bash scripts/with-servers.sh $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

unit: venv  ## the tests that need no server
	$(VENV)/bin/python -m pytest -m unit $(PYTEST_ARGS)

lint: venv  ## ruff and the type checker (mypy over plugins/ and dags/, configured in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff format --check .

demo: venv  ## migrate a sample PostgreSQL and a sample TimescaleDB database through the DAG and print the verification
	bash scripts/with-servers.sh $(VENV)/bin/python scripts/demo.py

airflow: venv  ## a local Airflow 3.3 (UI, scheduler, triggerer, dag-processor) on this repo with the demo connections; Ctrl-C stops it
	bash scripts/with-servers.sh $(VENV)/bin/python -m devtools.local_airflow

airflow-celery: venv  ## the same, distributed: CeleryExecutor, Redis broker, PostgreSQL metadata DB, two Celery workers
	bash scripts/with-servers.sh $(VENV)/bin/python -m devtools.local_airflow --celery

bench: venv  ## the DAG against the documented commands (BENCH_ARGS="--size-mb 2000"), then the other four benches
	bash scripts/with-servers.sh $(VENV)/bin/python bench/run.py $(BENCH_ARGS)
	bash scripts/with-servers.sh $(VENV)/bin/python bench/hypertables.py $(BENCH_HT_ARGS)
	bash scripts/with-servers.sh $(VENV)/bin/python bench/deployed.py $(BENCH_DEPLOYED_ARGS)
	bash scripts/with-servers.sh $(VENV)/bin/python bench/schema_heavy.py $(BENCH_SH_ARGS)

bench-deployed: venv  ## downtime under a deployed Airflow against `airflow dags test` (BENCH_DEPLOYED_ARGS="--executors local,celery")
	bash scripts/with-servers.sh $(VENV)/bin/python bench/deployed.py $(BENCH_DEPLOYED_ARGS)

bench-schema-heavy: venv  ## thousands of partitions and of chunks (BENCH_SH_ARGS="--partitions 7000 --chunks 5000")
	bash scripts/with-servers.sh $(VENV)/bin/python bench/schema_heavy.py $(BENCH_SH_ARGS)

bench-hypertables: venv  ## a PostgreSQL 15 time-series table migrated as it is and as a hypertable (BENCH_HT_ARGS="--size-mb 1000")
	bash scripts/with-servers.sh $(VENV)/bin/python bench/hypertables.py $(BENCH_HT_ARGS)

clean:
	bash scripts/testservers.sh reset
	rm -rf .airflow
