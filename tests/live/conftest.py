"""A real Airflow (api-server, scheduler, dag-processor, triggerer; LocalExecutor) started once for these tests,
with connections to the local servers and fleet/rehearsal configs written for the session; and a distributed
one (CeleryExecutor, Redis, PostgreSQL metadata database, two Celery workers) for tests/live/test_celery.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from devtools.local_airflow import (
    ADMIN,
    CELERY_WORKERS,
    Distributed,
    LocalAirflow,
    create_metadata_database,
    free_port,
    metadata_url,
)
from devtools.rest import AirflowAPI
from devtools.servers import REPO, Servers
from timescale_migration.fleet.fleetconfig import FleetConfig

SAMPLES = REPO / "include" / "samples"


@dataclass
class LiveAirflow:
    """The running deployment, a logged-in API client, and the names the session's configs use."""

    airflow: LocalAirflow
    api: AirflowAPI
    password: str
    suffix: str
    work_dir: Path

    @property
    def url(self) -> str:
        """The UI's address."""
        return self.airflow.url


def fleet_config(suffix: str, work_dir: Path) -> dict:
    """Three databases into one target server, one at a time; `broken` has a non-empty target and fails."""
    return {
        "work_dir": str(work_dir),
        "defaults": {"require_approval": True, "dump_format": "directory", "jobs": 2},
        "targets": {"live_target": {"max_parallel": 1}},
        "databases": [
            {
                "name": "shop",
                "source_conn_id": "live_pg15",
                "source_database": f"fleet_shop_{suffix}",
                "target_conn_id": "live_target",
                "target_database": f"fleet_shop_{suffix}",
                "create_target_database": True,
            },
            {
                "name": "metrics",
                "source_conn_id": "live_tsdb",
                "source_database": f"fleet_metrics_{suffix}",
                "target_conn_id": "live_target",
                "target_database": f"fleet_metrics_{suffix}",
                "create_target_database": True,
            },
            {
                "name": "broken",
                "source_conn_id": "live_pg15",
                "source_database": f"fleet_broken_{suffix}",
                "target_conn_id": "live_target",
                "target_database": f"fleet_broken_{suffix}",
            },
        ],
    }


def rehearsal_config(suffix: str, work_dir: Path) -> dict:
    """Two databases rehearsed daily into scratch databases on the target server; the real target is `tsdb_<s>`."""
    return {
        "schedule": "@daily",
        "max_parallel": 1,
        "work_dir": str(work_dir),
        "defaults": {"dump_format": "directory", "jobs": 2},
        "databases": [
            {
                "name": f"shop_{suffix}",
                "source_conn_id": "live_pg15",
                "source_database": f"rehearse_shop_{suffix}",
                "target_conn_id": "live_target",
                "target_database": f"real_target_{suffix}",
            },
            {
                "name": f"metrics_{suffix}",
                "source_conn_id": "live_tsdb",
                "source_database": f"rehearse_metrics_{suffix}",
                "target_conn_id": "live_target",
                "target_database": f"real_target_{suffix}",
            },
        ],
    }


def _prepare_databases(servers: Servers, suffix: str) -> None:
    for name in (
        f"fleet_shop_{suffix}",
        f"fleet_broken_{suffix}",
        f"rehearse_shop_{suffix}",
        f"ui_shop_{suffix}",
        f"rest_shop_{suffix}",
        f"reject_shop_{suffix}",
        f"rollback_shop_{suffix}",
        f"page_shop_{suffix}",
    ):
        servers.pg15.create_database(name)
        servers.pg15.psql_file(name, SAMPLES / "postgres_sample.sql")
    for name in (f"fleet_metrics_{suffix}", f"rehearse_metrics_{suffix}"):
        servers.tsdb_source.create_database(name)
        servers.tsdb_source.psql_file(name, SAMPLES / "timescaledb_sample.sql")
    for name in (
        f"ui_target_{suffix}",
        f"rest_target_{suffix}",
        f"reject_target_{suffix}",
        f"rollback_target_{suffix}",
        f"page_target_{suffix}",
    ):
        servers.tsdb_target.create_database(name, extensions=("timescaledb",))
    servers.tsdb_target.create_database(f"fleet_broken_{suffix}", extensions=("timescaledb",))
    with servers.tsdb_target.connect(f"fleet_broken_{suffix}") as conn:  # not empty: check_versions refuses it
        conn.execute("CREATE TABLE already_here (id int)")
    servers.tsdb_target.create_database(f"real_target_{suffix}", extensions=("timescaledb",))
    with servers.tsdb_target.connect(f"real_target_{suffix}") as conn:  # the real target: rehearsals never touch it
        conn.execute("CREATE TABLE production_marker (note text)")
        conn.execute("INSERT INTO production_marker VALUES ('untouched')")


def _drop_databases(servers: Servers, suffix: str) -> None:
    """Every database of this session on every server (each TimescaleDB database holds a scheduler worker)."""
    for server in (servers.pg15, servers.tsdb_source, servers.tsdb_target):
        with server.connect() as conn:
            names = [
                row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"%{suffix}",))
            ]
        for name in names:
            server.drop_database(name)


ROUTING_POLICY = '''"""Test routing: tasks named in $TSM_TEST_TASK_QUEUES (JSON task id -> queue) go to that queue."""
import json
import os

ROUTES = json.loads(os.environ.get("TSM_TEST_TASK_QUEUES", "{}"))


def task_policy(task):
    if task.task_id in ROUTES:
        task.queue = ROUTES[task.task_id]
'''
"""airflow_local_settings.py of the distributed test deployment: a cluster policy pinning tasks to workers."""

CELERY_ROUTES = {"dump_roles": CELERY_WORKERS[0], "dump_data": CELERY_WORKERS[0], "load": CELERY_WORKERS[1]}
"""The distributed deployment's workers each listen on a queue of their own: the dumps are written on one and
loaded on the other, as two hosts sharing the work directory would."""


def _deployment(servers: Servers, tmp_path_factory: pytest.TempPathFactory, *, celery: bool) -> Iterator[LiveAirflow]:
    """Airflow started on free ports in a temp home; stopped (every process group) afterwards."""
    suffix = uuid.uuid4().hex[:6]
    home = tmp_path_factory.mktemp("live-celery" if celery else "live-airflow")
    work_dir = home / "work"
    _prepare_databases(servers, suffix)
    (home / "fleet.json").write_text(json.dumps(fleet_config(suffix, work_dir)))
    (home / "rehearsals.json").write_text(json.dumps(rehearsal_config(suffix, work_dir)))
    extra = {
        "TSM_PG_BIN_DIR": servers.bin_dir,
        "TSM_FLEET_CONFIG": str(home / "fleet.json"),
        "TSM_REHEARSALS_CONFIG": str(home / "rehearsals.json"),
        "TSM_WORK_DIR": str(work_dir),
    }
    distributed = None
    if celery:
        create_metadata_database(servers.pg15, f"airflow_{suffix}")
        distributed = Distributed(
            metadata_url(servers.pg15, f"airflow_{suffix}"),
            free_port(),
            worker_log_ports=tuple(free_port() for _ in CELERY_WORKERS),
        )
        (home / "config").mkdir(parents=True, exist_ok=True)
        (home / "config" / "airflow_local_settings.py").write_text(ROUTING_POLICY)
        extra["TSM_TEST_TASK_QUEUES"] = json.dumps(CELERY_ROUTES)
    airflow = LocalAirflow(home, free_port(), extra, log_ports=(free_port(), free_port()), distributed=distributed)
    airflow.prepare(
        {
            "live_pg15": servers.pg15.conn_dict("postgres"),
            "live_tsdb": servers.tsdb_source.conn_dict("postgres"),
            "live_target": servers.tsdb_target.conn_dict("postgres"),
        },
        FleetConfig.load(home / "fleet.json"),
    )
    airflow.start()
    try:
        password = airflow.password()
        api = AirflowAPI(airflow.url, ADMIN, password)
        for dag_id in ("migrate_database", "migrate_fleet", "release_source"):
            api.wait_for_dag(dag_id)
        yield LiveAirflow(airflow, api, password, suffix, work_dir)
    finally:
        airflow.stop()
        _drop_databases(servers, suffix)


@pytest.fixture(scope="session")
def live(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAirflow]:
    """The LocalExecutor deployment (SQLite), for the whole session."""
    yield from _deployment(servers, tmp_path_factory, celery=False)


@pytest.fixture(scope="module")
def live_celery(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAirflow]:
    """The distributed deployment (CeleryExecutor, Redis, PostgreSQL metadata database, two workers), for one
    test module."""
    yield from _deployment(servers, tmp_path_factory, celery=True)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where a test leaves screenshots and other output: test-output/<test name>/ in the repo (git-ignored)."""
    path = REPO / "test-output" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def rows_in_target(servers: Servers, dbname: str) -> int:
    """Rows in the target database's user tables: 0 when nothing of the source's data arrived (a Reject at
    stop_apps leaves only what stage_schema staged, definitions without rows)."""
    with servers.tsdb_target.connect(dbname) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE '\\_timescale%'"
        ).fetchall()
        return sum(
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))).fetchone()[0]
            for schema, name in tables
        )
