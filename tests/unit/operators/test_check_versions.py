"""Unit tests of operators/check_extensions.py and operators/check_versions.py over stubbed checks and catalogs:
both tasks run their checks to the end, check_versions refuses the run once naming every blocking finding of
both, writes preflight.json either way, and aligns TimescaleDB only after everything passed. The checks
themselves: tests/unit/checks and, on real servers, tests/integration/test_preflight.py."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.operators.conftest import write_tools
from timescale_migration.checks import preflight, registry
from timescale_migration.checks import timescaledb as timescaledb_checks
from timescale_migration.checks.findings import BLOCKING, PREFLIGHT_FILE, WARNING, Finding
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.checks.preflight import check
from timescale_migration.db import catalog, timescale_features
from timescale_migration.db.catalog import ServerInfo
from timescale_migration.exceptions import PreflightRefused, VersionCheckError
from timescale_migration.operators.check_extensions import CheckExtensionsOperator
from timescale_migration.operators.check_versions import CheckVersionsOperator

pytestmark = pytest.mark.unit

MISSING = Finding(
    "extensions", BLOCKING, "extension postgis 3.5.2", "not available on the target", remedy="drop it from the source"
)
TRIGGER = Finding(
    "objects", BLOCKING, "1 event trigger(s): log_ddl", "only a superuser may create them", remedy="drop it"
)
COLLATE = Finding("locale", WARNING, "LC_COLLATE: source C, target C.UTF-8", "text sorts differently")


def server(version_num: int, user: str) -> ServerInfo:
    values = {
        "version_num": version_num,
        "version": f"{version_num // 10000}.{version_num % 100}",
        "user_name": user,
        "database_name": "db",
        "is_superuser": user == "postgres",
        "can_read_passwords": user == "postgres",
        "database_bytes": 1000,
        "encoding": "UTF8",
    }
    return ServerInfo(**{f.name: values[f.name] for f in dataclasses.fields(ServerInfo)})


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch, opened, tmp_path: Path) -> dict[str, Any]:
    """Catalog answers per side, client tools, and the lists of checks (the test sets state["checks"] and
    state["extension_checks"]); `aligned` records each TimescaleDB alignment."""
    state: dict[str, Any] = {
        "info": {"source": server(170002, "postgres"), "target": server(170004, "tsdbadmin")},
        "extensions": {
            "source": {"plpgsql": {"version": "1.0", "schema": "pg_catalog"}},
            "target": {"plpgsql": {"version": "1.0", "schema": "pg_catalog"}},
        },
        "tools": write_tools(tmp_path / "bin"),
        "aligned": [],
        "checks": [],
        "extension_checks": [],
    }
    monkeypatch.setattr(catalog, "server_info", lambda conn: state["info"][conn])
    monkeypatch.setattr(catalog, "installed_extensions", lambda conn: state["extensions"][conn])
    monkeypatch.setattr(catalog, "rows", lambda conn, name, params=None: [{"bytes": 4096}])
    monkeypatch.setattr(preflight, "find_client_tools", lambda pg_bin_dir, major: state["tools"])
    monkeypatch.setattr(registry, "CHECKS", state["checks"])
    monkeypatch.setattr(registry, "EXTENSION_CHECKS", state["extension_checks"])

    def align(self, target, version: str, *, replace: bool) -> None:
        state["aligned"].append((version, replace))
        state["extensions"]["target"] = {"timescaledb": {"version": version, "schema": "extensions"}}

    monkeypatch.setattr(CheckVersionsOperator, "_align", align)
    state["after_alignment"] = []

    def after_alignment(target, version: str, schema: str, login: str, superuser: bool, used) -> list[Finding]:
        state["after_alignment"].append((target, version, schema, login, superuser))
        return state.get("late", [])

    monkeypatch.setattr(timescaledb_checks, "after_alignment", after_alignment)
    monkeypatch.setattr(timescale_features, "features", lambda conn: timescale_features.Features("apache"))
    return state


def returning(*found: Finding):
    @check("fake", "a fake check")
    def fake(_pre) -> list[Finding]:
        return list(found)

    return fake


def raising(error: Exception):
    @check("versions", "client tools")
    def fake(_pre) -> list[Finding]:
        raise error

    return fake


def run_dir(make_context, context) -> Path:
    return CheckVersionsOperator(task_id="check_versions").run_dir(context)


def test_check_extensions_returns_its_findings_without_failing(stubbed, make_context) -> None:
    """Blocking findings of check_extensions do not fail it: they go to check_versions in its result."""
    stubbed["extension_checks"] += [returning(MISSING)]
    result = CheckExtensionsOperator(task_id="check_extensions").execute(make_context())
    assert result["source_extensions"] == stubbed["extensions"]["source"]
    assert [Finding.from_dict(f) for f in result["findings"]] == [MISSING]


def test_one_refusal_names_every_blocking_finding_of_both_checks(stubbed, make_context) -> None:
    """check_extensions' missing extension, a blocking finding and a refusal raised by two checks of
    check_versions: one PreflightRefused naming all three with their remedies, the warning counted;
    preflight.json has all four; TimescaleDB is not aligned."""
    stubbed["extensions"]["source"] = {"timescaledb": {"version": "2.99.0", "schema": "public"}}
    stubbed["checks"] += [
        returning(TRIGGER, COLLATE),
        raising(
            VersionCheckError(
                "pg_dump 15.8 in '/usr/lib/postgresql/15/bin' is older than the "
                "newest server involved (PostgreSQL 17): install "
                "postgresql-client-17"
            )
        ),
    ]
    context = make_context()
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": [MISSING.to_dict()]}
    with pytest.raises(PreflightRefused) as err:
        CheckVersionsOperator(task_id="check_versions").execute(context)
    lines = str(err.value).splitlines()
    assert "found 3 blocking problem(s) before the downtime" in lines[0] and "1 warning(s) besides" in lines[0]
    assert (
        lines[1] == "1. extensions: extension postgis 3.5.2: not available on the target. What to do: drop it "
        "from the source"
    )
    assert lines[2].startswith("2. objects: 1 event trigger(s): log_ddl")
    assert lines[3].startswith("3. versions: client tools: pg_dump 15.8") and "postgresql-client-17" in lines[3]
    assert stubbed["aligned"] == []
    report = json.loads((run_dir(make_context, context) / PREFLIGHT_FILE).read_text())
    assert report["refused"] is True and report["blocking"] == 3 and report["warnings"] == 1
    assert report["findings"][0]["subject"] == "extension postgis 3.5.2"


def test_a_check_extensions_that_failed_refuses_the_run(stubbed, make_context) -> None:
    """check_extensions left no result (it failed): check_versions runs its own checks and refuses, naming it."""
    stubbed["checks"] += [returning(COLLATE)]
    context = make_context()
    ti = context["ti"]
    ti.others[(ti.dag_id, ti.run_id, "check_extensions", "failure")] = {
        "task_id": "check_extensions",
        "error": "ConnectionConfigError: cannot connect",
    }
    with pytest.raises(
        PreflightRefused,
        match=r"check_extensions: the check did not finish: check_extensions left "
        r"no result \(ConnectionConfigError: cannot connect\)",
    ):
        CheckVersionsOperator(task_id="check_versions").execute(context)


def test_passing_checks_align_timescaledb_and_return_the_plan(stubbed, make_context) -> None:
    """Only warnings: TimescaleDB is aligned (as the version check decided), the plan keeps check_versions' own
    findings (check_extensions' stay in its XCom), and preflight.json says the run was not refused."""
    stubbed["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}

    @check("versions", "TimescaleDB version")
    def decide(pre) -> list[Finding]:
        pre.notes["timescaledb_action"] = "create"
        return [COLLATE]

    stubbed["checks"] += [decide]
    context = make_context()
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": []}
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(context))
    assert stubbed["aligned"] == [("2.19.3", False)]
    [(endpoint, *late)] = stubbed["after_alignment"]
    assert endpoint.side == "target" and late == ["2.19.3", "extensions", "tsdbadmin", False]
    assert plan.aligned == "none -> 2.19.3"
    assert plan.timescaledb is not None and plan.timescaledb.target_schema == "extensions"
    assert [Finding.from_dict(f) for f in plan.findings] == [COLLATE]
    assert plan.client_tools == stubbed["tools"] and plan.source["table_bytes"] == 4096
    report = json.loads((run_dir(make_context, context) / PREFLIGHT_FILE).read_text())
    assert report["refused"] is False and report["warnings"] == 1


def test_a_check_after_alignment_refuses_the_run(stubbed, make_context) -> None:
    """What only the aligned target can answer (its catalog queries, restore mode for a login without superuser)
    refuses the run before the gate, once TimescaleDB was aligned, naming it; preflight.json has it."""
    stubbed["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    stubbed["late"] = [Finding("timescaledb", BLOCKING, "timescaledb_pre_restore() on the target", "not allowed")]

    @check("versions", "TimescaleDB version")
    def decide(pre) -> list[Finding]:
        pre.notes["timescaledb_action"] = "create"
        return []

    stubbed["checks"] += [decide]
    context = make_context()
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": []}
    with pytest.raises(
        PreflightRefused,
        match=r"(?s)once TimescaleDB was aligned on the target, found 1 blocking "
        r"problem\(s\) before the downtime; only TimescaleDB was changed "
        r"\(none -> 2.19.3 on the empty target\).*timescaledb_pre_restore"
        r"\(\) on the target: not allowed",
    ):
        CheckVersionsOperator(task_id="check_versions").execute(context)
    report = json.loads((run_dir(make_context, context) / PREFLIGHT_FILE).read_text())
    assert report["refused"] is True and report["findings"][-1]["subject"] == "timescaledb_pre_restore() on the target"


def test_plain_postgresql_plan(stubbed, make_context) -> None:
    """A plain PostgreSQL source: no TimescaleDB, nothing aligned; a login that cannot read passwords says so."""
    stubbed["info"]["source"] = server(150008, "app_owner")
    context = make_context()
    context["ti"].xcoms["check_extensions"] = {"source_extensions": {}, "findings": []}
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(context))
    assert plan.timescaledb is None and plan.aligned is None and stubbed["aligned"] == []
    assert plan.role_passwords is False and plan.source["major"] == 15
