"""The distributed deployment (`make airflow-celery`): CeleryExecutor on a Redis broker, a PostgreSQL metadata
database and Celery result backend, two Celery workers with hostnames and process trees of their own sharing
the work directory. The dumps are pinned to one worker and the load to the other (tests/live/conftest.py)."""

from __future__ import annotations

import pytest

from scripts.local_airflow import CELERY_WORKERS
from tests.live import test_fleet
from tests.live.conftest import CELERY_ROUTES, LiveAirflow
from tests.live.test_fleet import CHILD, FLEET
from tests.support.servers import Servers

pytestmark = pytest.mark.live
DAG = "migrate_database"


def _count(server, dbname: str) -> int:
    with server.connect(dbname) as conn:
        return conn.execute("SELECT count(*) FROM shop.customers").fetchone()[0]


def test_one_migration_spread_over_two_workers(live_celery: LiveAirflow, servers: Servers) -> None:
    """A `directory` migration: pg_dump writes the dump on one worker, pg_restore reads it on the other (the shared
    work directory), every phase runs on one of the two workers, and the target is verified."""
    api, s = live_celery.api, live_celery.suffix
    run_id = api.trigger(DAG, {"source_conn_id": "live_pg15", "source_database": f"ui_shop_{s}",
                               "target_conn_id": "live_target", "target_database": f"ui_target_{s}",
                               "dump_format": "directory", "require_approval": False, "drain": False})
    assert api.wait_for_run(DAG, run_id, timeout=900) == "success", api.task_states(DAG, run_id)
    hosts = api.task_hosts(DAG, run_id)
    assert hosts["dump_data"] == CELERY_ROUTES["dump_data"] == CELERY_WORKERS[0]
    assert hosts["load"] == CELERY_ROUTES["load"] == CELERY_WORKERS[1]
    ran = {task: host for task, host in hosts.items() if api.task_states(DAG, run_id)[task] == "success"}
    assert set(ran.values()) == set(CELERY_WORKERS), hosts
    verified = api.xcom(DAG, run_id, "verify")
    assert verified["differences"] == [] and verified["tables"] >= 10
    assert _count(servers.tsdb_target, f"ui_target_{s}") == _count(servers.pg15, f"ui_shop_{s}")


def test_fleet_over_two_workers(live_celery: LiveAirflow, servers: Servers) -> None:
    """The fleet test of the LocalExecutor deployment, on the distributed one: three databases through a pool of
    one slot per target over two workers, one failing and named, a re-run skipping the migrated ones; every
    child's dump and load ran on different workers."""
    test_fleet.test_fleet_migrates_limits_reports_and_reruns(live_celery, servers)
    api = live_celery.api
    assert len(api.get(f"/dags/{FLEET}/dagRuns", limit=10)["dag_runs"]) == 2
    children = api.get(f"/dags/{CHILD}/dagRuns", limit=100)["dag_runs"]
    migrated = [c["dag_run_id"] for c in children if c["dag_run_id"].startswith("fleet__") and c["state"] == "success"]
    assert len(migrated) == 2, [(c["dag_run_id"], c["state"]) for c in children]
    for run_id in migrated:
        hosts = api.task_hosts(CHILD, run_id)
        assert (hosts["dump_data"], hosts["load"]) == (CELERY_WORKERS[0], CELERY_WORKERS[1]), hosts
    with servers.tsdb_target.connect() as conn:  # nothing of this deployment left in restoring mode
        restoring = conn.execute("SELECT d.datname FROM pg_db_role_setting s JOIN pg_database d"
                                 " ON d.oid = s.setdatabase WHERE d.datname LIKE %s"
                                 " AND 'timescaledb.restoring=on' = ANY(s.setconfig)", (f"%{live_celery.suffix}",))
        assert restoring.fetchall() == []
