"""Unit tests of operators/check_versions.py: version rules, and execute() over stubbed catalog answers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support.fakes import statement_text
from tests.unit.operators.conftest import write_tools
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.db import catalog, dbsettings, privileges
from timescale_migration.db.catalog import ServerInfo
from timescale_migration.exceptions import ClientToolsError, MigrationError, TargetNotEmptyError, VersionCheckError
from timescale_migration.operators import check_versions
from timescale_migration.operators.check_versions import (
    DUMP_SIZE_MARGIN,
    CheckVersionsOperator,
    check_majors,
    timescaledb_action,
)

pytestmark = pytest.mark.unit


# --- check_majors -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), [(15, 15), (15, 17), (17, 17), (16, 18)])
def test_check_majors_allows_same_or_newer_target(source: int, target: int) -> None:
    """A target of the same or a newer major version is fine."""
    check_majors(source, target, f"{source}.1", f"{target}.2")


def test_check_majors_refuses_older_target() -> None:
    """An older target is refused naming both versions and what to use instead."""
    with pytest.raises(VersionCheckError) as err:
        check_majors(17, 15, "17.2", "15.8")
    message = str(err.value)
    assert "target PostgreSQL 15 is older than source PostgreSQL 17" in message
    assert "15.8" in message
    assert "17.2" in message
    assert "PostgreSQL 17 or newer" in message


# --- timescaledb_action -----------------------------------------------------------------------------------------------


def test_timescaledb_action_ok_when_identical() -> None:
    """Identical versions need nothing, whatever the target offers."""
    assert timescaledb_action("2.19.3", "2.19.3", []) == "ok"


def test_timescaledb_action_create_when_absent() -> None:
    """Not installed on the target but installable: create it."""
    assert timescaledb_action("2.19.3", None, ["2.18.0", "2.19.3"]) == "create"


def test_timescaledb_action_replace_when_different() -> None:
    """Another version installed, the source's installable: replace it."""
    assert timescaledb_action("2.19.3", "2.20.0", ["2.19.3", "2.20.0"]) == "replace"


def test_timescaledb_action_error_names_both_versions() -> None:
    """A version the target cannot install is refused naming both versions and what the target offers."""
    with pytest.raises(VersionCheckError) as err:
        timescaledb_action("2.19.3", "2.20.0", ["2.20.0", "2.21.1"])
    message = str(err.value)
    assert "source 2.19.3" in message
    assert "target 2.20.0" in message
    assert "2.20.0, 2.21.1" in message
    assert "ALTER EXTENSION timescaledb UPDATE" in message


def test_timescaledb_action_error_when_nothing_installable() -> None:
    """Absent and not installable: the message says so."""
    with pytest.raises(VersionCheckError) as err:
        timescaledb_action("2.19.3", None, [])
    assert "target not installed" in str(err.value)
    assert "no version" in str(err.value)


# --- execute() --------------------------------------------------------------------------------------------------------


def server(version_num: int, user: str, size: int = 1000) -> ServerInfo:
    """A ServerInfo for one side (fields the dataclass does not have are left out)."""
    values = {"version_num": version_num, "version": f"{version_num // 10000}.{version_num % 100}",
              "user_name": user, "database_name": "db", "is_superuser": user == "postgres",
              "can_read_passwords": user == "postgres", "database_bytes": size, "encoding": "UTF8"}
    names = {f.name for f in dataclasses.fields(ServerInfo)}
    return ServerInfo(**{key: value for key, value in values.items() if key in names})


@pytest.fixture
def sides(monkeypatch: pytest.MonkeyPatch, opened, tmp_path: Path) -> dict[str, Any]:
    """Stubbed catalog answers per side and free space in the work directory; the test changes them before
    calling execute(). `queries` records (side, name) of each catalog.rows() call, `usage` each disk_usage path;
    `records`: the block records table writable (True), present but not writable (False), absent and not creatable
    (None)."""
    state: dict[str, Any] = {
        "info": {"source": server(170002, "postgres"), "target": server(170004, "tsdbadmin")},
        "extensions": {"source": {"plpgsql": {"version": "1.0", "schema": "pg_catalog"}},
                       "target": {"plpgsql": {"version": "1.0", "schema": "pg_catalog"}}},
        "objects": [],
        "installable": ["2.19.3"],
        "tools": write_tools(tmp_path / "bin"),
        "tool_calls": [],
        "data_bytes": 1_000_000,
        "free": 10_000_000_000,
        "queries": [],
        "usage": [],
        "findings": [],
        "preflight": [],
        "privilege_findings": [],
        "features": {"license": "apache", "user_jobs": 0, "compressed_chunks": 0, "continuous_aggregates": 0},
        "target_license": "apache",
        "compressed_columns": [],
        "all_null": {},
        "records": True,
    }

    def rows(conn: str, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        state["queries"].append((conn, name))
        if name == "copy/table_data_bytes":
            return [{"bytes": state["data_bytes"]}]
        if name == "timescaledb/features":
            return [dict(state["features"])]
        if name == "timescaledb/license":
            return [{"license": state["target_license"]}]
        if name == "timescaledb/compressed_columns":
            return state["compressed_columns"]
        if name == "drain/block_records_exist":
            return [{"present": state["records"] is not None, "writable": bool(state["records"])}]
        raise AssertionError(f"unexpected query {name}")

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = statement_text(statement)
        state["queries"].append((conn, text))
        return [(state["all_null"].get(text, 0),)]

    monkeypatch.setattr(catalog, "run", run)

    def disk_usage(path: Any) -> SimpleNamespace:
        state["usage"].append(Path(path))
        return SimpleNamespace(total=2 * state["free"], used=state["free"], free=state["free"])

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(check_versions, "shutil", SimpleNamespace(disk_usage=disk_usage))
    monkeypatch.setattr(catalog, "server_info", lambda conn: state["info"][conn])
    monkeypatch.setattr(catalog, "installed_extensions", lambda conn: state["extensions"][conn])
    monkeypatch.setattr(catalog, "user_objects", lambda conn: state["objects"])
    monkeypatch.setattr(catalog, "available_versions", lambda conn, ext: state["installable"])

    def find(pg_bin_dir: str | None, min_major: int):
        state["tool_calls"].append((pg_bin_dir, min_major))
        return state["tools"]

    monkeypatch.setattr(check_versions, "find_client_tools", find)

    def preflight(source: str, target: str, database: str, reserved: set[str], *, roles_migrated: bool) -> list:
        state["preflight"].append((source, target, database, reserved, roles_migrated))
        return state["findings"]

    monkeypatch.setattr(dbsettings, "preflight", preflight)
    monkeypatch.setattr(privileges, "preflight", lambda *args, **kwargs: state["privilege_findings"])
    return state


def test_execute_plain_postgresql(sides: dict[str, Any], make_context, opened) -> None:
    """A plain PostgreSQL source gives a plan without TimescaleDB and with the tools found."""
    result = CheckVersionsOperator(task_id="check_versions").execute(make_context())
    plan = MigrationPlan.from_xcom(result)
    assert plan.timescaledb is None
    assert plan.client_tools == sides["tools"]
    assert plan.source["major"] == 17
    assert plan.role_passwords is True
    assert plan.source["encoding"] == "UTF8"
    assert plan.target["encoding"] == "UTF8"
    assert sides["tool_calls"] == [(None, 17)]
    assert sides["queries"] == [("source", "copy/table_data_bytes"), ("source", "drain/block_records_exist")]
    assert ("source", "postgres") in opened, "the drain's record database is asked, on the source server"


def test_execute_asks_tools_for_newest_server(sides: dict[str, Any], make_context) -> None:
    """Client tools must match the newer of the two servers, and pg_bin_dir is passed on."""
    sides["info"]["source"] = server(150008, "postgres")
    CheckVersionsOperator(task_id="check_versions").execute(make_context(pg_bin_dir="/opt/pg/bin"))
    assert sides["tool_calls"] == [("/opt/pg/bin", 17)]


def test_execute_refuses_older_target_before_anything_else(sides: dict[str, Any], make_context) -> None:
    """An older target fails before client tools are even looked for."""
    sides["info"]["target"] = server(150008, "tsdbadmin")
    with pytest.raises(VersionCheckError):
        CheckVersionsOperator(task_id="check_versions").execute(make_context())
    assert sides["tool_calls"] == []


def test_execute_propagates_client_tools_error(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """No usable client tools fails the task with that error."""
    def find(pg_bin_dir: str | None, min_major: int):
        raise ClientToolsError("install postgresql-client-17")

    monkeypatch.setattr(check_versions, "find_client_tools", find)
    with pytest.raises(ClientToolsError, match="postgresql-client-17"):
        CheckVersionsOperator(task_id="check_versions").execute(make_context())


def test_execute_refuses_non_empty_target(sides: dict[str, Any], make_context) -> None:
    """A target holding objects is refused, naming the first ten and saying there are more."""
    sides["objects"] = [f"table public.t{i}" for i in range(12)]
    with pytest.raises(TargetNotEmptyError) as err:
        CheckVersionsOperator(task_id="check_versions").execute(make_context())
    message = str(err.value)
    assert "table public.t9" in message
    assert "table public.t10" not in message
    assert "and more" in message
    assert "nothing was changed" in message


def test_execute_aligns_timescaledb_on_empty_target(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """A missing but installable TimescaleDB is created on the empty target and the plan says so."""
    sides["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    aligned: list[tuple[str, bool]] = []

    def align(self, target, version: str, *, replace: bool) -> None:
        aligned.append((version, replace))
        sides["extensions"]["target"] = {"timescaledb": {"version": version, "schema": "extensions"}}

    monkeypatch.setattr(CheckVersionsOperator, "_align", align)
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(make_context()))
    assert aligned == [("2.19.3", False)]
    assert plan.aligned == "none -> 2.19.3"
    assert plan.timescaledb is not None
    assert (plan.timescaledb.version, plan.timescaledb.source_schema, plan.timescaledb.target_schema) == (
        "2.19.3", "public", "extensions",
    )


def test_execute_does_not_touch_identical_timescaledb(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """Identical TimescaleDB versions are left alone."""
    ext = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    sides["extensions"] = {"source": ext, "target": ext}
    monkeypatch.setattr(CheckVersionsOperator, "_align", lambda *a, **k: pytest.fail("must not align"))
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(make_context()))
    assert plan.aligned is None
    assert plan.timescaledb is not None


def test_community_features_need_a_community_target(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """A source whose community build holds jobs, compressed chunks and an aggregate is refused before anything
    changes when the target runs the Apache build, naming what the source uses."""
    sides["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    sides["features"] = {"license": "timescale", "user_jobs": 4, "compressed_chunks": 15, "continuous_aggregates": 1}
    monkeypatch.setattr(CheckVersionsOperator, "_align", lambda *a, **k: pytest.fail("must not align"))
    with pytest.raises(VersionCheckError) as err:
        CheckVersionsOperator(task_id="check_versions").execute(make_context())
    assert "4 user job(s), 15 compressed chunk(s), 1 continuous aggregate(s)" in str(err.value)
    assert "Apache-licensed build" in str(err.value) and "nothing was changed" in str(err.value)
    sides["target_license"] = "timescale"
    sides["extensions"]["target"] = sides["extensions"]["source"]
    CheckVersionsOperator(task_id="check_versions").execute(make_context())  # a community target: fine


def test_all_null_batches_refuse_a_2_19_migration(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """2.19.x on both sides: a compressed column whose batch is NULL in every row is named (hypertable, chunk,
    column) with timescaledb#8893 and the fix, before anything changes; other columns are not named."""
    ext = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    sides["extensions"] = {"source": ext, "target": ext}
    sides["features"] = {"license": "timescale", "user_jobs": 0, "compressed_chunks": 2, "continuous_aggregates": 0}
    sides["target_license"] = "timescale"
    twin = ("_timescaledb_internal", "compress_hyper_2_7_chunk")
    sides["compressed_columns"] = [
        {"hypertable": "telemetry.readings", "chunk": "_timescaledb_internal._hyper_1_3_chunk",
         "twin_schema": twin[0], "twin_name": twin[1], "column_name": column} for column in ("value", "note")]
    checked = []

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = statement_text(statement)
        checked.append((conn, text))
        return [(3 if '"note"' in text else 0,)]

    monkeypatch.setattr(catalog, "run", run)
    with pytest.raises(VersionCheckError) as err:
        CheckVersionsOperator(task_id="check_versions").execute(make_context())
    message = str(err.value)
    assert "telemetry.readings chunk _timescaledb_internal._hyper_1_3_chunk column note (3 batch(es))" in message
    assert "column value" not in message
    assert "timescaledb#8893" in message and "2.20.1 or newer" in message
    assert [c for c, _ in checked] == ["source", "source"]
    assert 'FROM "_timescaledb_internal"."compress_hyper_2_7_chunk" t' in checked[1][1]
    assert 'compressed_data_info(t."note")' in checked[1][1]
    ext2 = {"timescaledb": {"version": "2.20.1", "schema": "public"}}  # fixed there: not even looked at
    sides["extensions"] = {"source": ext2, "target": ext2}
    checked.clear()
    CheckVersionsOperator(task_id="check_versions").execute(make_context())
    assert checked == []


def test_execute_reports_unreadable_passwords(sides: dict[str, Any], make_context) -> None:
    """A source user that cannot read pg_authid makes the plan dump roles without passwords."""
    sides["info"]["source"] = server(170002, "app_owner")
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(make_context()))
    assert plan.role_passwords is False


# --- room for the dump ------------------------------------------------------------------------------------------------


def test_execute_checks_room_in_the_run_directory(sides: dict[str, Any], make_context) -> None:
    """The source's table data size is asked on the source and compared with the run directory's free space."""
    context = make_context()
    CheckVersionsOperator(task_id="check_versions").execute(context)
    assert sides["queries"] == [("source", "copy/table_data_bytes"), ("source", "drain/block_records_exist")]
    assert sides["usage"] == [CheckVersionsOperator(task_id="check_versions").run_dir(context)]


def test_execute_refuses_too_little_room(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """Less free space than the table data plus the margin fails naming both sizes, before TimescaleDB is aligned."""
    sides["data_bytes"] = 1_000_000_000
    sides["free"] = 500_000_000
    sides["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    monkeypatch.setattr(CheckVersionsOperator, "_align", lambda *a, **k: pytest.fail("must not align"))
    context = make_context()
    with pytest.raises(MigrationError) as err:
        CheckVersionsOperator(task_id="check_versions").execute(context)
    message = str(err.value)
    run_dir = CheckVersionsOperator(task_id="check_versions").run_dir(context)
    assert message.startswith(f"not enough room for the dump in {run_dir}: ")
    assert "500.0 MB free" in message
    assert "about 1,200.0 MB needed" in message
    assert "nothing was changed" in message


def test_execute_room_margin_boundary(sides: dict[str, Any], make_context) -> None:
    """Exactly the table data plus the margin is enough; one byte less is not."""
    sides["data_bytes"] = 10_000_000
    sides["free"] = int(10_000_000 * DUMP_SIZE_MARGIN)
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(make_context()))
    assert plan.client_tools == sides["tools"]
    sides["free"] -= 1
    with pytest.raises(MigrationError, match=r"12\.0 MB needed"):
        CheckVersionsOperator(task_id="check_versions").execute(make_context())


def test_execute_empty_source_fits_anywhere(sides: dict[str, Any], make_context) -> None:
    """A source without table data needs no room at all."""
    sides["data_bytes"] = 0
    sides["free"] = 1
    plan = MigrationPlan.from_xcom(CheckVersionsOperator(task_id="check_versions").execute(make_context()))
    assert plan.timescaledb is None


def test_execute_keeps_settings_findings_in_the_plan(sides: dict[str, Any], make_context) -> None:
    """The settings preflight gets both sides, the target database and its reserved roles; warnings go in the plan."""
    warning = Finding("database settings", WARNING, "lc_messages = C (database-wide)", "superuser only",
                      ("database settings", "database lc_messages"))
    sides["findings"] = [warning]
    result = CheckVersionsOperator(task_id="check_versions").execute(make_context(roles=False))
    assert sides["preflight"] == [("source", "target", "tsdb", {"postgres", "tsdbadmin"}, False)]
    assert [Finding.from_dict(f) for f in MigrationPlan.from_xcom(result).findings] == [warning]


def test_execute_refuses_a_blocking_finding_before_aligning(sides: dict[str, Any], make_context, monkeypatch) -> None:
    """A blocking finding fails the check, naming it, before TimescaleDB is aligned on the target."""
    sides["extensions"]["source"] = {"timescaledb": {"version": "2.19.3", "schema": "public"}}
    sides["findings"] = [Finding("database settings", BLOCKING, "x = 1 (database-wide)", "cannot")]
    monkeypatch.setattr(CheckVersionsOperator, "_align", lambda *a, **k: pytest.fail("aligned despite a blocker"))
    with pytest.raises(MigrationError, match=r"x = 1 \(database-wide\): cannot"):
        CheckVersionsOperator(task_id="check_versions").execute(make_context())
@pytest.mark.parametrize(("records", "expected"), [
    (False, "login postgres may not write that table. Nothing was changed"),
    (None, "login postgres may not create schema timescale_migration there. Nothing was changed"),
])
def test_execute_refuses_a_drain_that_could_not_keep_its_record(sides: dict[str, Any], make_context,
                                                                 records: bool | None, expected: str) -> None:
    """The drain's record must be writable on the source server: refused here, before the gate."""
    sides["records"] = records
    with pytest.raises(MigrationError, match=expected):
        CheckVersionsOperator(task_id="check_versions").execute(make_context())


def test_execute_without_drain_does_not_ask_for_records(sides: dict[str, Any], make_context) -> None:
    """drain=false keeps no record: nothing is asked about it."""
    sides["records"] = None
    CheckVersionsOperator(task_id="check_versions").execute(make_context(drain=False))
    assert ("source", "drain/block_records_exist") not in sides["queries"]
