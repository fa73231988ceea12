"""The distributed deployment (`make airflow-celery`): CeleryExecutor on a Redis broker, a PostgreSQL metadata
database and Celery result backend, two Celery workers with hostnames and process trees of their own sharing
the work directory. The dumps are pinned to one worker and the load to the other (tests/live/conftest.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from devtools.local_airflow import CELERY_WORKERS, free_port
from devtools.servers import Servers
from tests.live import test_fleet
from tests.live.conftest import CELERY_ROUTES, LiveAirflow
from tests.live.test_fleet import CHILD, FLEET

pytestmark = pytest.mark.live
DAG = "migrate_database"


def _count(server, dbname: str) -> int:
    with server.connect(dbname) as conn:
        return conn.execute("SELECT count(*) FROM shop.customers").fetchone()[0]


def test_one_migration_spread_over_two_workers(live_celery: LiveAirflow, servers: Servers) -> None:
    """A `directory` migration: pg_dump writes the dump on one worker, pg_restore reads it on the other (the shared
    work directory), every phase runs on one of the two workers, and the target is verified."""
    api, s = live_celery.api, live_celery.suffix
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": f"ui_shop_{s}",
            "target_conn_id": "live_target",
            "target_database": f"ui_target_{s}",
            "dump_format": "directory",
            "require_approval": False,
            "drain": False,
        },
    )
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
        restoring = conn.execute(
            "SELECT d.datname FROM pg_db_role_setting s JOIN pg_database d"
            " ON d.oid = s.setdatabase WHERE d.datname LIKE %s"
            " AND 'timescaledb.restoring=on' = ANY(s.setconfig)",
            (f"%{live_celery.suffix}",),
        )
        assert restoring.fetchall() == []


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _tools_on(database: str) -> list[str]:
    """Client tools (pg_restore, psql, pg_dump) whose command line names `database`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            line = _cmdline(int(entry.name))
            if database in line and any(tool in line for tool in ("pg_restore", "psql", "pg_dump")):
                found.append(line)
    return found


def _copying(server, dbname: str) -> bool:
    with server.connect(dbname) as conn:
        row = conn.execute("SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy").fetchone()
    return row[0] > 20_000


def test_a_worker_killed_in_the_middle_of_load(live_celery: LiveAirflow, servers: Servers) -> None:
    """The worker running `load` dies (SIGKILL to every Airflow process of it, as when its machine is lost): its
    pg_restore dies with it (no orphan keeps loading), the scheduler notices the lost task, and the retry on
    another worker empties what the killed attempt left (its claim in the target) and loads again; the run ends
    verified and the source stays drained after the cutover."""
    airflow, api, s = live_celery.airflow, live_celery.api, live_celery.suffix
    src, tgt = f"kill_src_{s}", f"kill_tgt_{s}"
    servers.pg15.create_database(src)
    with servers.pg15.connect(src) as conn:
        conn.execute(
            "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h, repeat('y', 300) AS pad "
            "FROM generate_series(1, 400000) g"
        )
        conn.execute("ALTER TABLE big ADD PRIMARY KEY (id)")
    servers.tsdb_target.create_database(tgt, extensions=("timescaledb",))
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": src,
            "target_conn_id": "live_target",
            "target_database": tgt,
            "dump_format": "directory",
            "require_approval": False,
            "drain": True,
        },
    )
    deadline = time.monotonic() + 300
    while not (api.task_states(DAG, run_id).get("load") == "running" and _copying(servers.tsdb_target, tgt)):
        assert time.monotonic() < deadline, api.task_states(DAG, run_id)
        assert api.run_state(DAG, run_id) not in ("success", "failed"), "the load ended before the fault"
        time.sleep(0.2)
    loader = airflow.procs[CELERY_ROUTES["load"]]
    doomed = [loader.pid, *_descendants(loader.pid)]
    tools = ("pg_restore", "psql", "pg_dump")
    airflow_procs = [pid for pid in doomed if not any(tool in _cmdline(pid) for tool in tools)]
    assert any("pg_restore" in _cmdline(pid) for pid in doomed)
    for pid in airflow_procs:  # the worker's Celery and Airflow processes only: the tools must die by themselves
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    loader.wait(timeout=30)
    deadline = time.monotonic() + 15
    while _tools_on(tgt):
        assert time.monotonic() < deadline, f"orphan tools still loading: {_tools_on(tgt)}"
        time.sleep(0.2)
    replacement = "worker-c"  # another machine serving the lost worker's queue
    airflow.start_worker(replacement, ("default", CELERY_ROUTES["load"]), free_port())
    assert api.wait_for_run(DAG, run_id, timeout=900) == "success", api.task_states(DAG, run_id)
    hosts = api.task_hosts(DAG, run_id)
    assert hosts["load"] == replacement
    tries = api.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/load")["try_number"]
    assert tries == 2
    verified = api.xcom(DAG, run_id, "verify")
    assert verified["differences"] == [] and verified["rows"] == 400_000
    with servers.tsdb_target.connect(tgt) as conn:
        assert conn.execute("SELECT count(*) FROM big").fetchone()[0] == 400_000
        assert conn.execute("SELECT to_regnamespace('_timescale_migration_claim')").fetchone()[0] is None
    with servers.pg15.connect(src) as conn:  # cut over: the source stays blocked for its applications
        public = conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')")
        assert public.fetchone()[0] is False
    assert not _tools_on(tgt) and not _tools_on(src)
