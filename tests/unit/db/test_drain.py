"""Unit tests of timescale_migration.db.drain over stubbed catalog answers and a fake clock (no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import FakeClock, RecordingLog, client_session
from timescale_migration.constants import APPLICATION_NAME
from timescale_migration.db import catalog, drain
from timescale_migration.db.drain import PUBLIC, BlockRecord
from timescale_migration.settings import BLOCK_RECORD_DATABASE

pytestmark = pytest.mark.unit


def grantee(name: str, *, superuser: bool = False) -> dict[str, Any]:
    """A row of database_connect_grantees.sql."""
    return {"grantee": name, "is_superuser": superuser}


def plan(grantees: list[dict[str, Any]], migrator: str = "migrator", *, superuser: bool = False) -> BlockRecord:
    """plan_block for database appdb (oid 16384) in run-1."""
    return drain.plan_block(grantees, "appdb", 16384, migrator, superuser=superuser, run_id="run-1")


# --- plan_block -------------------------------------------------------------------------------------------------------


def test_plan_block_revokes_public_and_others_keeps_migrator() -> None:
    """PUBLIC and every other grantee are revoked; the migrator, who holds CONNECT, is kept and not granted."""
    record = plan([grantee(PUBLIC), grantee("app"), grantee("migrator"), grantee("postgres", superuser=True)])
    assert (record.database, record.database_oid, record.migrator) == ("appdb", 16384, "migrator")
    assert record.revoked == [PUBLIC, "app", "postgres"]
    assert record.granted == []
    assert record.superusers == ["postgres"]
    assert (record.run_id, record.runs) == ("run-1", ["run-1"])
    assert record.at > 0 and record.active


def test_plan_block_grants_migrator_lacking_connect() -> None:
    """A migrator that is neither a grantee nor a superuser is granted CONNECT so it keeps working."""
    record = plan([grantee("owner"), grantee(PUBLIC)])
    assert record.revoked == ["owner", PUBLIC]
    assert record.granted == ["migrator"]
    assert record.superusers == []


def test_plan_block_superuser_migrator_needs_no_grant() -> None:
    """A superuser migrator connects whatever the ACL says: nothing is granted to it."""
    record = plan([grantee(PUBLIC)], "postgres", superuser=True)
    assert record.revoked == [PUBLIC]
    assert record.granted == []


def test_plan_block_lists_superusers_but_not_the_migrator() -> None:
    """Other superusers are listed (they cannot be blocked); a superuser migrator is not."""
    record = plan(
        [grantee("admin", superuser=True), grantee("postgres", superuser=True), grantee("app")],
        "postgres",
        superuser=True,
    )
    assert record.superusers == ["admin"]
    assert record.revoked == ["admin", "app"]


def test_plan_block_writes_the_statements_that_undo_it() -> None:
    """restore_sql is what a DBA would type: grant back, then revoke what the block granted; names quoted."""
    record = drain.plan_block(
        [grantee(PUBLIC), grantee('we"ird')], "app db", 1, "migrator", superuser=False, run_id="r"
    )
    assert record.restore_sql == (
        'GRANT CONNECT ON DATABASE "app db" TO PUBLIC;\n'
        'GRANT CONNECT ON DATABASE "app db" TO "we""ird";\n'
        'REVOKE CONNECT ON DATABASE "app db" FROM "migrator";'
    )


# --- extend_block -----------------------------------------------------------------------------------------------------


def test_extend_keeps_the_earliest_record() -> None:
    """Seeing the ACL the block left (nobody but the migrator) changes nothing but the list of runs."""
    first = plan([grantee(PUBLIC), grantee("app")])
    again, added = drain.extend_block(first, [grantee("migrator")], "migrator", superuser=False, run_id="run-2")
    assert added == []
    assert (again.revoked, again.granted, again.run_id, again.at) == (first.revoked, first.granted, "run-1", first.at)
    assert again.runs == ["run-1", "run-2"]
    assert drain.extend_block(again, [], "migrator", superuser=False, run_id="run-2")[0].runs == ["run-1", "run-2"]


def test_extend_adds_roles_granted_since() -> None:
    """A role that holds CONNECT again (granted while blocked) is added, so it is blocked and restored too."""
    first = plan([grantee(PUBLIC)], "postgres", superuser=True)
    again, added = drain.extend_block(first, [grantee("late_app")], "postgres", superuser=True, run_id="run-2")
    assert added == ["late_app"]
    assert again.revoked == [PUBLIC, "late_app"]
    assert again.restore_sql.endswith('GRANT CONNECT ON DATABASE "appdb" TO "late_app";')


def test_extend_through_another_login() -> None:
    """A second run with another login: the first run's login keeps CONNECT as the first block left it; a new
    plain login is granted CONNECT, and that grant is taken back at release."""
    first = plan([grantee(PUBLIC), grantee("first")], "first")
    again, added = drain.extend_block(first, [grantee("first")], "second", superuser=False, run_id="run-2")
    assert again.revoked == [PUBLIC]
    assert again.granted == ["second"]
    assert added == ["(granted) second"]


def test_describe_names_roles_runs_and_time() -> None:
    """The record in words: database, roles, first run and later runs."""
    record = BlockRecord(
        database="appdb",
        migrator="m",
        revoked=[PUBLIC, "app"],
        granted=["m"],
        run_id="r1",
        at=1_800_000_000.0,
        runs=["r1", "r2"],
    )
    assert record.describe() == (
        "CONNECT on database 'appdb' was taken from PUBLIC, app and given to m by run r1 "
        "at 2027-01-15 08:00:00 UTC (re-applied by 1 later run(s): r2)"
    )


def test_record_database_default_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records live in the postgres database unless $TSM_BLOCK_RECORD_DATABASE says otherwise."""
    monkeypatch.delenv(BLOCK_RECORD_DATABASE.name, raising=False)
    assert drain.record_database() == "postgres"
    monkeypatch.setenv(BLOCK_RECORD_DATABASE.name, "dba")
    assert drain.record_database() == "dba"


def test_records_place_names_the_table_the_database_and_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages name where the records are: the table, its database and the source server."""
    monkeypatch.setenv(BLOCK_RECORD_DATABASE.name, "dba")
    assert drain.records_place("source 'src' (db.example:5432/appdb)") == (
        "dba",
        "timescale_migration.connect_blocks in database 'dba' of source 'src' (db.example:5432/appdb)",
    )


def test_legacy_record_path_under_blocks(tmp_path: Path) -> None:
    """Older versions' records: <work_dir>/blocks/<conn>-<hash>__<db>-<hash>.json, read back as a record."""
    path = drain.legacy_record_path(str(tmp_path), "my conn", "app/db")
    assert path.parent == tmp_path / "blocks"
    assert path.name.startswith("my_conn-") and "__app_db-" in path.name and path.suffix == ".json"
    assert drain.load_legacy_record(path) is None


# --- wait_for_sessions ------------------------------------------------------------------------------------------------


OWN = client_session(1, "postgres", APPLICATION_NAME)


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Open sessions stubbed: `open` is what the server shows now (our own session always among them);
    `end_after` polls (if set) end them; terminate_session ends the named pid."""
    state: dict[str, Any] = {
        "open": [],
        "polls": 0,
        "end_after": None,
        "terminated": [],
        "clock": FakeClock(),
        "log": RecordingLog(),
    }

    def client_sessions(conn: Any) -> list[dict[str, Any]]:
        state["polls"] += 1
        if state["end_after"] is not None and state["polls"] > state["end_after"]:
            state["open"] = []
        return [OWN, *state["open"]]

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if name != "drain/terminate_session":
            raise AssertionError(f"unexpected query {name}")
        assert params is not None
        state["terminated"].append(params["pid"])
        state["open"] = [s for s in state["open"] if s["pid"] != params["pid"]]
        return [{"terminated": True}]

    monkeypatch.setattr(catalog, "client_sessions", client_sessions)
    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(drain, "time", state["clock"])
    return state


def wait(state: dict[str, Any], timeout: float, *, terminate: bool) -> list[dict[str, Any]]:
    """wait_for_sessions on a stand-in connection."""
    return drain.wait_for_sessions("conn", timeout, terminate=terminate, log=state["log"])  # type: ignore[arg-type]


def test_wait_ignores_own_sessions(sessions: dict[str, Any]) -> None:
    """The migration's own sessions do not count: with no other, it returns at once."""
    assert wait(sessions, 60, terminate=False) == []
    assert sessions["clock"].slept == []


def test_wait_returns_empty_when_sessions_end(sessions: dict[str, Any]) -> None:
    """Sessions that close within the timeout: nothing left, nothing terminated, waited less than the timeout."""
    sessions["open"] = [client_session(4242), client_session(4343, "report", None)]
    sessions["end_after"] = 3
    assert wait(sessions, 60, terminate=True) == []
    assert sessions["terminated"] == []
    assert 0 < sum(sessions["clock"].slept) < 60
    assert any("pid 4343 report (no application)" in text for level, text in sessions["log"].lines if level == "info")


def test_wait_terminates_when_asked(sessions: dict[str, Any]) -> None:
    """Sessions still open after the timeout are terminated when asked, each by its pid."""
    sessions["open"] = [client_session(4242), client_session(4343)]
    assert wait(sessions, 10, terminate=True) == []
    assert sessions["terminated"] == [4242, 4343]
    assert sessions["clock"].now >= 1010.0
    warnings = [text for level, text in sessions["log"].lines if level == "warning"]
    assert warnings == ["terminating 2 session(s) still open: pid 4242 app (billing-api), pid 4343 app (billing-api)"]


def test_wait_returns_the_rest_without_terminating(sessions: dict[str, Any]) -> None:
    """Without terminate the sessions still open after the timeout are returned, untouched."""
    sessions["open"] = [client_session(4242)]
    assert wait(sessions, 10, terminate=False) == [client_session(4242)]
    assert sessions["terminated"] == []
    assert sessions["clock"].now >= 1010.0
    assert max(sessions["clock"].slept) <= 2.0


def test_wait_zero_timeout_does_not_wait(sessions: dict[str, Any]) -> None:
    """drain_timeout=0 does not wait at all."""
    sessions["open"] = [client_session(4242)]
    assert wait(sessions, 0, terminate=False) == [client_session(4242)]
    assert sessions["clock"].slept == []


def test_wait_returns_sessions_that_survive_termination(sessions: dict[str, Any], monkeypatch) -> None:
    """A session that outlives pg_terminate_backend is returned after a bounded wait."""
    sessions["open"] = [client_session(4242)]
    monkeypatch.setattr(catalog, "rows", lambda conn, name, params=None: sessions["terminated"].append(params["pid"]))
    assert wait(sessions, 1, terminate=True) == [client_session(4242)]
    assert sessions["terminated"] == [4242]
    assert sessions["clock"].now < 1000.0 + 1 + 10


def test_describe_caps_at_twenty() -> None:
    """describe names pid, user and application of at most 20 sessions."""
    text = drain.describe([client_session(100 + i) for i in range(25)])
    assert text.startswith("pid 100 app (billing-api), pid 101 app")
    assert "pid 119 " in text
    assert "pid 120 " not in text
