"""rehearse_migrations in a real Airflow: started by its schedule, history and trend report written, scratch
databases dropped, the real target untouched."""

from __future__ import annotations

import json
import time

import pytest

from devtools.servers import Servers
from tests.live.conftest import LiveAirflow
from timescale_migration.fleet.childruns import child_run_id

pytestmark = pytest.mark.live
DAG = "rehearse_migrations"


def _scheduled_run(live: LiveAirflow, timeout: float = 180) -> str:
    """The run the scheduler creates once the DAG is switched on (@daily, no catch-up: the latest interval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = live.api.get(f"/dags/{DAG}/dagRuns", run_type="scheduled")["dag_runs"]
        if runs:
            return runs[0]["dag_run_id"]
        time.sleep(2)
    raise TimeoutError("the scheduler started no rehearsal")


def _databases(server) -> set[str]:
    with server.connect() as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_scheduled_rehearsals_record_history_and_trend(live: LiveAirflow, servers: Servers) -> None:
    """Both databases rehearsed on schedule and once more by hand: four history records with phases and a
    predicted downtime, a report with the chart, no scratch database left, the real target as it was."""
    api, s = live.api, live.suffix
    dag = api.get(f"/dags/{DAG}")
    assert dag["is_paused"] is True  # rehearsals read production sources: switched on deliberately
    api.wait_for_dag(DAG)  # switches it on
    scheduled = _scheduled_run(live)
    assert api.wait_for_run(DAG, scheduled, timeout=600) == "success"
    manual = api.trigger(DAG, {})
    assert api.wait_for_run(DAG, manual, timeout=600) == "success"

    # only the children of these two runs: a run crossing midnight also gets the next @daily run's children
    ours = {
        child_run_id("rehearsal", f"{name}_{s}", parent)
        for name in ("shop", "metrics")
        for parent in (scheduled, manual)
    }
    children = api.get("/dags/migrate_database/dagRuns", run_id_pattern="rehearsal__", limit=100)["dag_runs"]
    mine = [c for c in children if c["dag_run_id"] in ours]
    assert len(mine) == 4 and all(c["conf"]["rehearsal"] is True for c in mine)
    assert {c["conf"]["target_database"] for c in mine} == {f"tsm_rehearsal_shop_{s}", f"tsm_rehearsal_metrics_{s}"}

    folder = live.work_dir / "rehearsals"
    records = [
        record
        for line in (folder / "history.jsonl").read_text().splitlines()
        if (record := json.loads(line))["run_id"] in {scheduled, manual}
    ]
    assert sorted(r["name"] for r in records) == sorted([f"shop_{s}", f"metrics_{s}"] * 2)
    for record in records:
        assert record["verified"] is True, record
        assert record["size_bytes"] > 0
        assert {"dump_data", "load", "analyze", "verify"} <= set(record["phases"])
        assert 0 < record["predicted_downtime_s"] < 600
        assert record["predicted_downtime_s"] >= record["phases"]["load"] + record["phases"]["verify"]
    assert {r["run_id"] for r in records} == {scheduled, manual}
    report = (folder / "report.html").read_text()
    assert "<svg" in report and "<polyline" in report and f"shop_{s}" in report and f"metrics_{s}" in report
    assert oct((folder / "history.jsonl").stat().st_mode & 0o777) == "0o600"

    left = _databases(servers.tsdb_target)
    assert not {f"tsm_rehearsal_shop_{s}", f"tsm_rehearsal_metrics_{s}"} & left
    with servers.tsdb_target.connect(f"real_target_{s}") as conn:
        assert conn.execute("SELECT note FROM production_marker").fetchall() == [("untouched",)]
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema', '_timescaledb_catalog', '_timescaledb_config',"
            " '_timescaledb_internal', '_timescaledb_cache', 'timescaledb_information',"
            " 'timescaledb_experimental', '_timescaledb_functions')"
        ).fetchone()[0]
    assert tables == 1
