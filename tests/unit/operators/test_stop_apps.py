"""Unit tests of operators/stop_apps.py: the gate's summary and passing without approval."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.unit.operators.conftest import SOURCE_PASSWORD, TARGET_PASSWORD, make_plan
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.db import catalog
from timescale_migration.exceptions import PreflightRefused
from timescale_migration.operators.stop_apps import StopAppsOperator, gate_body
from timescale_migration.options import hypertable_specs
from timescale_migration.params import HYPERTABLE_EXAMPLE
from timescale_migration.tools.clienttools import ClientTools

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/usr/lib/postgresql/17/bin", major=17, version="17.12")
SESSIONS: list[dict[str, Any]] = [
    {
        "pid": 4242,
        "user_name": "app",
        "application_name": "billing-api",
        "client_addr": "10.0.0.7",
        "state": "idle",
        "backend_start": "2026-11-26T11:00:00+00:00",
    },
    {
        "pid": 4343,
        "user_name": "report",
        "application_name": None,
        "client_addr": "local",
        "state": None,
        "backend_start": "2026-11-26T11:30:00+00:00",
    },
]
SOURCE = "source 'migration_source' (source.example:5432/appdb as postgres)"
TARGET = "target 'migration_target' (target.example:5432/tsdb as tsdbadmin)"


def lines_of(body: str) -> list[str]:
    """The gate body's lines."""
    return body.splitlines()


def test_gate_body_versions_and_sizes() -> None:
    """The summary table holds where each side is, both PostgreSQL and TimescaleDB versions and sizes."""
    lines = lines_of(gate_body(make_plan(TOOLS), SOURCE, TARGET, SESSIONS))
    assert f"| where | {SOURCE} | {TARGET} |" in lines
    assert "| PostgreSQL | 17.2 | 17.4 |" in lines
    assert "| TimescaleDB | 2.19.3 | 2.19.3 |" in lines
    assert "| database size | 20.0 MB | 8.0 MB |" in lines


def test_gate_body_tools_and_extensions() -> None:
    """It names the client tools and the source's extensions."""
    body = gate_body(make_plan(TOOLS), SOURCE, TARGET, [])
    assert "Client tools: PostgreSQL 17.12 in `/usr/lib/postgresql/17/bin`." in body
    assert "Extensions: timescaledb 2.19.3." in body


def test_gate_body_sessions_table() -> None:
    """Each other session is a table row; missing application and state show empty."""
    lines = lines_of(gate_body(make_plan(TOOLS), SOURCE, TARGET, SESSIONS))
    assert "**2 other client session(s) on the source**:" in lines
    assert "| pid | user | application | client | state | since |" in lines
    assert "| 4242 | app | billing-api | 10.0.0.7 | idle | 2026-11-26T11:00:00+00:00 |" in lines
    assert "| 4343 | report |  | local |  | 2026-11-26T11:30:00+00:00 |" in lines


def test_gate_body_without_sessions() -> None:
    """With nobody connected it says 0 and shows no session table."""
    body = gate_body(make_plan(TOOLS), SOURCE, TARGET, [])
    assert "**0 other client session(s) on the source**." in body.splitlines()
    assert "| pid |" not in body


def test_gate_body_lists_the_tables_to_load_as_hypertables() -> None:
    """The person approving sees which tables become hypertables, and how (a | in a name cannot break the table)."""
    specs = hypertable_specs([*HYPERTABLE_EXAMPLE, {"table": "a|b", "time_column": "t", "chunk_interval": 60}])
    body = gate_body(make_plan(TOOLS), SOURCE, TARGET, [], converting=specs)
    assert (
        "Loaded as hypertables (converted before their rows arrive): public.conditions (time time every 1 day, "
        "hash device_id in 4, compression after 7 days, retention after 1 year); public.a\\|b (time t every 60)."
    ) in body
    assert "Loaded as hypertables" not in gate_body(make_plan(TOOLS), SOURCE, TARGET, [])


def test_gate_body_caps_session_rows() -> None:
    """At most 50 sessions are listed, but the count is the real one."""
    many = [{**SESSIONS[0], "pid": 10_000 + i} for i in range(60)]
    body = gate_body(make_plan(TOOLS), SOURCE, TARGET, many)
    assert "**60 other client session(s) on the source**:" in body
    assert "| 10049 |" in body
    assert "| 10050 |" not in body


def test_gate_body_aligned_note() -> None:
    """An aligned TimescaleDB is mentioned with the change made."""
    body = gate_body(make_plan(TOOLS, aligned="2.20.0 -> 2.19.3"), SOURCE, TARGET, [])
    assert "TimescaleDB on the target was aligned (2.20.0 -> 2.19.3)." in body.splitlines()


def test_gate_body_no_aligned_note_when_not_aligned() -> None:
    """Without alignment there is no such note."""
    assert "aligned" not in gate_body(make_plan(TOOLS), SOURCE, TARGET, [])


def test_gate_body_plain_postgresql() -> None:
    """A plain PostgreSQL source shows '-' for TimescaleDB and no extensions."""
    body = gate_body(make_plan(TOOLS, timescaledb=False), SOURCE, TARGET, [])
    assert "| TimescaleDB | - | - |" in body.splitlines()
    assert "Extensions: none." in body


def test_operator_default_subject() -> None:
    """The gate has a subject telling what to do."""
    assert StopAppsOperator(task_id="stop_apps").subject.startswith("Stop the applications")


def test_operator_passes_without_approval(
    monkeypatch: pytest.MonkeyPatch, opened, make_context, tmp_path: Path
) -> None:
    """require_approval=false approves by itself after writing the summary (which holds no password)."""
    monkeypatch.setattr(catalog, "client_sessions", lambda conn: SESSIONS)
    operator = StopAppsOperator(task_id="stop_apps")
    context = make_context(make_plan(TOOLS), require_approval=False)
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": []}
    result = operator.execute(context)
    assert result["chosen_options"] == [operator.APPROVE]
    assert result["approved_by"] == "require_approval=false"
    assert "| 4242 | app | billing-api |" in operator.body
    assert "source.example:5432/appdb" in operator.body
    assert "Preflight report: [the migration's page](/plugin/migrations/migrations/runs/" in operator.body
    assert SOURCE_PASSWORD not in operator.body
    assert TARGET_PASSWORD not in operator.body
    assert opened == [("source", None)]


def test_gate_body_lists_preflight_findings() -> None:
    """Findings of the checks are shown to the person approving; none, no heading."""
    warning = Finding("database settings", WARNING, "lc_messages = C (database-wide)", "only a superuser may set it")
    lines = lines_of(gate_body(make_plan(TOOLS), SOURCE, TARGET, [], [warning]))
    assert "**1 preflight finding(s)** — read them before approving:" in lines
    assert "| warning | database settings | lc_messages = C (database-wide) | only a superuser may set it |" in lines
    assert "preflight finding" not in gate_body(make_plan(TOOLS), SOURCE, TARGET, [])


def test_operator_shows_findings_of_the_checks(monkeypatch: pytest.MonkeyPatch, opened, make_context) -> None:
    """The gate reads the findings from the checks' XCom."""
    monkeypatch.setattr(catalog, "client_sessions", lambda conn: [])
    warning = Finding("database settings", WARNING, "lc_messages = C (database-wide)", "superuser only")
    plan = dataclasses.replace(make_plan(TOOLS), findings=[warning.to_dict()])
    operator = StopAppsOperator(task_id="stop_apps")
    context = make_context(plan, require_approval=False)
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": []}
    operator.execute(context)
    assert "| warning | database settings | lc_messages = C (database-wide) | superuser only |" in operator.body


@pytest.mark.parametrize(
    "extensions",
    [None, {"findings": [Finding("extensions", BLOCKING, "extension postgis 3.5", "not available").to_dict()]}],
    ids=["check_extensions without a result", "a blocking finding"],
)
def test_the_gate_never_opens_on_a_blocking_finding(
    monkeypatch: pytest.MonkeyPatch, opened, make_context, extensions
) -> None:
    """Whatever reached the gate (the DAG does not let it), a check without a result or a blocking finding refuses
    the run before the gate is shown or the source is asked anything."""
    context = make_context(make_plan(TOOLS), require_approval=False)
    if extensions is not None:
        context["ti"].xcoms["check_extensions"] = extensions
    with pytest.raises(PreflightRefused, match="the gate found 1 blocking problem"):
        StopAppsOperator(task_id="stop_apps").execute(context)
    assert opened == []
