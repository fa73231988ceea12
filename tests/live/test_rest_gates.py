"""migrate_database in a real Airflow: triggered and answered through the REST API; the asset event is emitted at
cutover, never by a rollback or a rejection."""

from __future__ import annotations

import pytest
from psycopg import sql

from devtools.servers import Servers
from tests.live.conftest import LiveAirflow, rows_in_target
from timescale_migration.fleet import ledger
from timescale_migration.fleet.assets import target_asset
from timescale_migration.operators.switch_apps import ROLL_BACK, SWITCH

pytestmark = pytest.mark.live
DAG = "migrate_database"


def _count(server, dbname: str, schema: str, table: str) -> int:
    with server.connect(dbname) as conn:
        return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))).fetchone()[0]


def test_gates_answered_through_rest(live: LiveAirflow, servers: Servers) -> None:
    """Approve stop_apps and switch_apps by PATCHing hitlDetails: the run verifies, cuts over, emits the asset."""
    api, s = live.api, live.suffix
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": f"rest_shop_{s}",
            "target_conn_id": "live_target",
            "target_database": f"rest_target_{s}",
        },
    )
    gate = api.wait_for_gate(DAG, run_id, "stop_apps")
    assert gate["options"] == ["Approve", "Reject"]
    assert "other client session" in gate["body"] and f"rest_shop_{s}" in gate["body"]
    assert api.task_states(DAG, run_id)["dump_data"] is None  # nothing runs before the approval
    answer = api.answer(DAG, run_id, "stop_apps", "Approve")
    assert answer["chosen_options"] == ["Approve"]
    switch = api.wait_for_gate(DAG, run_id, "switch_apps")
    assert "Verification passed" in switch["body"]
    assert "[verification report](http://localhost:" in switch["body"]  # a link in the UI, not a worker's path
    api.answer(DAG, run_id, "switch_apps", SWITCH)
    assert api.wait_for_run(DAG, run_id) == "success"
    states = api.task_states(DAG, run_id)
    assert states["verify"] == "success" and states["cutover"] == "success"
    assert states["release_source"] == "skipped"
    assert _count(servers.tsdb_target, f"rest_target_{s}", "shop", "customers") == _count(
        servers.pg15, f"rest_shop_{s}", "shop", "customers"
    )
    events = api.asset_events(target_asset("live_target", f"rest_target_{s}").uri)
    assert [(e["source_run_id"], e["source_task_id"]) for e in events] == [(run_id, "cutover")]
    extra = events[0]["extra"]
    assert extra["ok"] is True and extra["rows"] > 0 and extra["tables"] > 0 and extra["structure_items"] > 0
    assert "/plugin/migrations/migrations/runs/migrate_database/" in extra["report"]
    assert ledger.read(str(live.work_dir), "live_target", f"rest_target_{s}")["run_id"] == run_id


def test_reject_at_stop_apps_changes_nothing(live: LiveAirflow, servers: Servers) -> None:
    """Reject at the first gate: the run ends without dumping, no row reaches the target (only the definitions
    stage_schema staged before the gate), no asset event."""
    api, s = live.api, live.suffix
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": f"reject_shop_{s}",
            "target_conn_id": "live_target",
            "target_database": f"reject_target_{s}",
        },
    )
    api.wait_for_gate(DAG, run_id, "stop_apps")
    api.answer(DAG, run_id, "stop_apps", "Reject")
    api.wait_for_run(DAG, run_id)
    states = api.task_states(DAG, run_id)
    assert states["stop_apps"] == "success"
    assert states["dump_data"] in ("skipped", "upstream_failed") and states["load"] != "success"
    with servers.tsdb_target.connect(f"reject_target_{s}") as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'shop'").fetchone()[0]
    assert tables == 10  # the definitions stage_schema staged before the gate, no row of them
    assert rows_in_target(servers, f"reject_target_{s}") == 0
    assert api.asset_events(target_asset("live_target", f"reject_target_{s}").uri) == []


def test_rollback_at_switch_apps_emits_no_asset_event(live: LiveAirflow, servers: Servers) -> None:
    """Roll back at the second gate: release_source gives the source back, the ledger forgets the target, and no
    downstream DAG is told that the target is the data's new home (no asset event)."""
    api, s = live.api, live.suffix
    source_db, target_db = f"rollback_shop_{s}", f"rollback_target_{s}"
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": source_db,
            "target_conn_id": "live_target",
            "target_database": target_db,
        },
    )
    api.wait_for_gate(DAG, run_id, "stop_apps")
    api.answer(DAG, run_id, "stop_apps", "Approve")
    api.wait_for_gate(DAG, run_id, "switch_apps")
    assert ledger.read(str(live.work_dir), "live_target", target_db)["run_id"] == run_id  # verified
    api.answer(DAG, run_id, "switch_apps", ROLL_BACK)
    assert api.wait_for_run(DAG, run_id) == "success"
    states = api.task_states(DAG, run_id)
    assert states["verify"] == "success" and states["release_source"] == "success"
    assert states["cutover"] == "skipped"
    assert api.asset_events(target_asset("live_target", target_db).uri) == []
    assert ledger.read(str(live.work_dir), "live_target", target_db) is None
    with servers.pg15.connect(source_db) as conn:  # the source is the applications' again
        assert conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]
