"""migrate_fleet in a real Airflow: three databases through one target pool, gates answered one by one, one
database failing, and a re-run that skips what was migrated."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from devtools.rest import TERMINAL, AirflowAPI
from devtools.servers import Servers
from tests.live.conftest import LiveAirflow
from timescale_migration.operators.switch_apps import SWITCH
from timescale_migration.workdir import safe_name

pytestmark = pytest.mark.live
FLEET, CHILD = "migrate_fleet", "migrate_database"


def _children(api: AirflowAPI, fleet_run: str) -> dict[str, str]:
    """run_id -> state of the migrate_database runs this fleet run started."""
    runs = api.get(f"/dags/{CHILD}/dagRuns", limit=100, run_id_pattern=safe_name(fleet_run))["dag_runs"]
    return {r["dag_run_id"]: r["state"] for r in runs}


def _drive(api: AirflowAPI, fleet_run: str, timeout: float = 900) -> dict[str, Any]:
    """Answer every gate of the fleet's runs as it comes (one at a time); record how many ran at once."""
    answered: list[tuple[str, str]] = []
    most_at_once = 0
    deadline = time.monotonic() + timeout
    while api.run_state(FLEET, fleet_run) not in TERMINAL:
        assert time.monotonic() < deadline, f"fleet run still going: {api.task_states(FLEET, fleet_run)}"
        children = _children(api, fleet_run)
        most_at_once = max(most_at_once, sum(state in ("queued", "running") for state in children.values()))
        for gate in api.pending_gates(CHILD):
            run_id, task_id = gate["task_instance"]["dag_run_id"], gate["task_instance"]["task_id"]
            if run_id not in children:
                continue
            api.wait_for_gate(CHILD, run_id, task_id)  # lets the gate settle (see wait_for_gate)
            api.answer(CHILD, run_id, task_id, "Approve" if task_id == "stop_apps" else SWITCH)
            answered.append((run_id, task_id))
        time.sleep(2)
    return {"answered": answered, "most_at_once": most_at_once, "children": _children(api, fleet_run)}


def _summary(work_dir: Path, fleet_run: str) -> dict[str, dict[str, Any]]:
    path = work_dir / "fleet" / f"summary-{safe_name(fleet_run)}.json"
    return {row["name"]: row for row in json.loads(path.read_text())}


def _rows(server, dbname: str) -> int:
    with server.connect(dbname) as conn:
        return conn.execute("SELECT count(*) FROM shop.customers").fetchone()[0]


def test_fleet_migrates_limits_reports_and_reruns(live: LiveAirflow, servers: Servers) -> None:
    """shop and metrics are migrated one at a time (pool of 1 slot), each after its own two gates; broken fails
    at check_versions (non-empty target) and fails the fleet run; a re-run skips the two migrated ones."""
    api, s = live.api, live.suffix
    first = api.trigger(FLEET, {})
    driven = _drive(api, first)
    assert api.run_state(FLEET, first) == "failed"
    assert driven["most_at_once"] == 1
    assert len(driven["children"]) == 3
    gates_by_run: dict[str, list[str]] = {}
    for run_id, task_id in driven["answered"]:
        gates_by_run.setdefault(run_id, []).append(task_id)
    assert sorted(gates_by_run.values()) == [["stop_apps", "switch_apps"], ["stop_apps", "switch_apps"]]
    summary = _summary(live.work_dir, first)
    assert summary["shop"]["status"] == "migrated" and summary["metrics"]["status"] == "migrated"
    assert summary["shop"]["downtime_s"] > 0 and summary["metrics"]["rows"] > 0
    assert summary["broken"]["status"] == "failed"
    assert "check_versions" in summary["broken"]["reason"] and "is not empty" in summary["broken"]["reason"]
    assert _rows(servers.tsdb_target, f"fleet_shop_{s}") == _rows(servers.pg15, f"fleet_shop_{s}")

    second = api.trigger(FLEET, {})
    rerun = _drive(api, second)
    assert api.run_state(FLEET, second) == "failed"
    assert rerun["answered"] == []
    assert [run_id.split("__")[1] for run_id in rerun["children"]] == ["broken"]
    summary = _summary(live.work_dir, second)
    assert summary["shop"]["status"] == "skipped" and summary["metrics"]["status"] == "skipped"
    assert f"already migrated and verified by run fleet__shop__{safe_name(first)}" in summary["shop"]["reason"]
    assert summary["broken"]["status"] == "failed"
