"""Unit tests of operators/cutover.py: it records the cutover, whether the source stays blocked, and emits the
target database's asset event with the verification's summary."""

from __future__ import annotations

import pytest

from timescale_migration.fleet.assets import targets_alias
from timescale_migration.operators.cutover import CutoverOperator

pytestmark = pytest.mark.unit

SUMMARY = {
    "ok": True,
    "tables": 12,
    "rows": 345,
    "sequences": 3,
    "structure_items": 240,
    "differences": [],
    "timings": {"verify: target side seconds": 1.5},
    "report_html": "/work/run/verification.html",
    "report_json": "/work/run/verification.json",
}


def test_cutover_with_blocked_source(make_context, opened, connections: dict[str, str]) -> None:
    """After a drain the source stays blocked; the target is named; no session is opened."""
    context = make_context()
    context["ti"].xcoms["drain_source"] = {"drained": True}
    context["ti"].xcoms["verify"] = SUMMARY
    result = CutoverOperator(task_id="cutover").execute(context)
    target_conn_id = connections["target_conn_id"]
    assert result == {
        "target": f"target '{target_conn_id}' (target.example:5432/tsdb as tsdbadmin)",
        "source_blocked": True,
        "asset": f"timescale-migration://{target_conn_id}/tsdb",
    }
    assert opened == []


def test_cutover_without_drain(make_context, opened) -> None:
    """With drain=false (drain_source drained nothing) the source is reported as not blocked."""
    context = make_context(drain=False)
    context["ti"].xcoms["drain_source"] = {"drained": False}
    result = CutoverOperator(task_id="cutover").execute(context)
    assert result["source_blocked"] is False
    assert result["target"].startswith("target ")


def test_cutover_emits_the_asset_event_with_the_verification(
    make_context, connections: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event names the target database and carries verify's summary and the run's page, not worker paths."""
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    context = make_context(target_database="shop_new")
    context["ti"].xcoms["verify"] = SUMMARY
    CutoverOperator(task_id="cutover").execute(context)
    [(asset, extra)] = context["outlet_events"][targets_alias()].added
    assert asset.uri == f"timescale-migration://{connections['target_conn_id']}/shop_new"
    assert {key: extra[key] for key in ("ok", "tables", "rows", "sequences", "structure_items", "timings")} == {
        "ok": True,
        "tables": 12,
        "rows": 345,
        "sequences": 3,
        "structure_items": 240,
        "timings": {"verify: target side seconds": 1.5},
    }
    assert extra["run_id"] == context["ti"].run_id
    assert extra["source"].startswith("source ") and extra["target"].startswith("target ")
    assert extra["report"].startswith("https://airflow.example.com/plugin/migrations/migrations/runs/migrate_database/")
    assert "/work/run" not in str(extra)


def test_cutover_of_a_rehearsal_emits_nothing(make_context) -> None:
    """A rehearsal's scratch database is nobody's new home (switch_apps skips cutover there anyway)."""
    context = make_context(target_database="tsm_rehearsal_shop", rehearsal=True)
    context["ti"].xcoms["verify"] = SUMMARY
    assert "asset" not in CutoverOperator(task_id="cutover").execute(context)
    assert context["outlet_events"][targets_alias()].added == []
