"""Unit tests of timescale_migration.drain over stubbed catalog answers and a fake clock (no server)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from tests.unit.operators.conftest import FakeClock, client_session, statement_text
from timescale_migration import catalog, drain
from timescale_migration.catalog import ServerInfo
from timescale_migration.constants import APPLICATION_NAME
from timescale_migration.drain import PUBLIC, BlockRecord

pytestmark = pytest.mark.unit


def server(user: str, *, superuser: bool) -> ServerInfo:
    """The ServerInfo of the migration's own session."""
    return ServerInfo(version_num=170002, version="17.2", user_name=user, database_name="appdb",
                      is_superuser=superuser, can_read_passwords=superuser, database_bytes=1000, encoding="UTF8")


def grantee(name: str, *, superuser: bool = False) -> dict[str, Any]:
    """A row of database_connect_grantees.sql."""
    return {"grantee": name, "is_superuser": superuser}


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The source's answers stubbed: who holds CONNECT, who we are; records statements run and queries asked."""
    state: dict[str, Any] = {"grantees": [], "me": server("migrator", superuser=False), "ran": [], "asked": []}

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        state["asked"].append((name, params))
        if name == "database_connect_grantees":
            return state["grantees"]
        raise AssertionError(f"unexpected query {name}")

    def run(conn: Any, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        state["ran"].append(statement_text(statement))
        return []

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "server_info", lambda conn: state["me"])
    return state


# --- plan_block -------------------------------------------------------------------------------------------------------


def test_plan_block_revokes_public_and_others_keeps_migrator(source: dict[str, Any]) -> None:
    """PUBLIC and every other grantee are revoked; the migrator, who holds CONNECT, is kept and not granted."""
    source["grantees"] = [grantee(PUBLIC), grantee("app"), grantee("migrator"), grantee("postgres", superuser=True)]
    record = drain.plan_block("conn", "appdb", "migrator", "run-1")  # type: ignore[arg-type]
    assert record.database == "appdb"
    assert record.migrator == "migrator"
    assert record.revoked == [PUBLIC, "app", "postgres"]
    assert record.granted == []
    assert record.superusers == ["postgres"]
    assert record.run_id == "run-1"
    assert record.at > 0
    assert [name for name, _ in source["asked"]] == ["database_connect_grantees"]


def test_plan_block_grants_migrator_lacking_connect(source: dict[str, Any]) -> None:
    """A migrator that is neither a grantee nor a superuser is granted CONNECT so it keeps working."""
    source["grantees"] = [grantee("owner"), grantee(PUBLIC)]
    record = drain.plan_block("conn", "appdb", "migrator", "run-1")  # type: ignore[arg-type]
    assert record.revoked == ["owner", PUBLIC]
    assert record.granted == ["migrator"]
    assert record.superusers == []


def test_plan_block_superuser_migrator_needs_no_grant(source: dict[str, Any]) -> None:
    """A superuser migrator connects whatever the ACL says: nothing is granted to it."""
    source["grantees"] = [grantee(PUBLIC)]
    source["me"] = server("postgres", superuser=True)
    record = drain.plan_block("conn", "appdb", "postgres", "run-1")  # type: ignore[arg-type]
    assert record.revoked == [PUBLIC]
    assert record.granted == []


def test_plan_block_lists_superusers_but_not_the_migrator(source: dict[str, Any]) -> None:
    """Other superusers are listed (they cannot be blocked); a superuser migrator is not."""
    source["grantees"] = [grantee("admin", superuser=True), grantee("postgres", superuser=True), grantee("app")]
    source["me"] = server("postgres", superuser=True)
    record = drain.plan_block("conn", "appdb", "postgres", "run-1")  # type: ignore[arg-type]
    assert record.superusers == ["admin"]
    assert record.revoked == ["admin", "app"]


# --- apply_block / release --------------------------------------------------------------------------------------------


RECORD = BlockRecord(database="app db", migrator="migrator", revoked=[PUBLIC, "app", 'we"ird'],
                     granted=["migrator"], superusers=[], run_id="run-1", at=1.0)


def test_apply_block_grants_migrator_first_then_revokes(source: dict[str, Any]) -> None:
    """The migrator is granted CONNECT before anything is revoked; PUBLIC is revoked as the keyword."""
    drain.apply_block("conn", RECORD)  # type: ignore[arg-type]
    assert source["ran"] == [
        'GRANT CONNECT ON DATABASE "app db" TO "migrator";',
        'REVOKE CONNECT ON DATABASE "app db" FROM PUBLIC;',
        'REVOKE CONNECT ON DATABASE "app db" FROM "app";',
        'REVOKE CONNECT ON DATABASE "app db" FROM "we""ird";',
    ]


def test_release_grants_back_then_revokes_migrator(source: dict[str, Any]) -> None:
    """release grants back exactly what was revoked, then revokes what the block granted."""
    drain.release("conn", RECORD)  # type: ignore[arg-type]
    assert source["ran"] == [
        'GRANT CONNECT ON DATABASE "app db" TO PUBLIC;',
        'GRANT CONNECT ON DATABASE "app db" TO "app";',
        'GRANT CONNECT ON DATABASE "app db" TO "we""ird";',
        'REVOKE CONNECT ON DATABASE "app db" FROM "migrator";',
    ]


def test_block_without_grants_only_revokes(source: dict[str, Any]) -> None:
    """With nothing granted, the block revokes and the release grants back, nothing else."""
    record = BlockRecord(database="appdb", migrator="postgres", revoked=[PUBLIC])
    drain.apply_block("conn", record)  # type: ignore[arg-type]
    drain.release("conn", record)  # type: ignore[arg-type]
    assert source["ran"] == ['REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
                                         'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;']


# --- record_path / save_record / load_record --------------------------------------------------------------------------


def test_record_path_under_blocks(tmp_path: Path) -> None:
    """Records live in <work_dir>/blocks (mode 0700), one per connection and database, named safely."""
    path = drain.record_path(str(tmp_path), "my conn", "app/db")
    assert path.parent == tmp_path / "blocks"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.name.startswith("my_conn-") and "__app_db-" in path.name and path.suffix == ".json"
    assert drain.record_path(str(tmp_path), "my conn", "other") != path
    assert drain.record_path(str(tmp_path), "my_conn", "app_db") != path  # same safe name, another database


def test_save_and_load_record_round_trip(tmp_path: Path) -> None:
    """A saved record loads back equal, mode 0600, with no partial file left."""
    path = drain.record_path(str(tmp_path), "src", "appdb")
    drain.save_record(path, RECORD)
    assert drain.load_record(path) == RECORD
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_save_record_replaces_older_record(tmp_path: Path) -> None:
    """Saving again replaces the record."""
    path = drain.record_path(str(tmp_path), "src", "appdb")
    drain.save_record(path, RECORD)
    newer = BlockRecord(database="appdb", migrator="postgres", revoked=["app"], run_id="run-2")
    drain.save_record(path, newer)
    assert drain.load_record(path) == newer


def test_load_record_absent(tmp_path: Path) -> None:
    """No record means the source is not blocked."""
    assert drain.load_record(drain.record_path(str(tmp_path), "src", "appdb")) is None


# --- wait_for_sessions ------------------------------------------------------------------------------------------------


class RecordingLog:
    """Keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *args: Any) -> None:
        self.lines.append(("info", message % args))

    def warning(self, message: str, *args: Any) -> None:
        self.lines.append(("warning", message % args))


OWN = client_session(1, "postgres", APPLICATION_NAME)


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Open sessions stubbed: `open` is what the server shows now (our own session always among them);
    `end_after` polls (if set) end them; terminate_session ends the named pid."""
    state: dict[str, Any] = {"open": [], "polls": 0, "end_after": None, "terminated": [], "clock": FakeClock(),
                             "log": RecordingLog()}

    def client_sessions(conn: Any) -> list[dict[str, Any]]:
        state["polls"] += 1
        if state["end_after"] is not None and state["polls"] > state["end_after"]:
            state["open"] = []
        return [OWN, *state["open"]]

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if name != "terminate_session":
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
