"""Unit tests of operators/drain_source.py over a stubbed source (see the source_db fixture)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from tests.unit.operators.conftest import RUN_ID, client_session
from timescale_migration import drain
from timescale_migration.drain import PUBLIC, BlockRecord
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.drain_source import DrainSourceOperator

pytestmark = pytest.mark.unit


def grantee(name: str, *, superuser: bool = False) -> dict[str, Any]:
    """A row of database_connect_grantees.sql."""
    return {"grantee": name, "is_superuser": superuser}


def record_file(context: dict[str, Any], database: str = "appdb") -> Path:
    """Where the drain keeps its record for this run's source."""
    params = context["params"]
    return drain.record_path(params["work_dir"], params["source_conn_id"], database)


def execute(context: dict[str, Any]) -> dict[str, Any]:
    """Run drain_source."""
    return DrainSourceOperator(task_id="drain_source").execute(context)


def test_drain_false_touches_nothing(source_db: dict[str, Any], make_context, work_dir: Path) -> None:
    """drain=false neither connects nor records anything."""
    assert execute(make_context(drain=False)) == {"drained": False}
    assert source_db["opened"] == []
    assert source_db["statements"] == []
    assert not (work_dir / "blocks").exists()


def test_drain_blocks_records_and_returns(source_db: dict[str, Any], make_context) -> None:
    """CONNECT is revoked from PUBLIC and the application roles, the superuser login keeps working, and the
    record (mode 0600) says exactly what was revoked, for which run."""
    source_db["grantees"] = [grantee(PUBLIC), grantee("app"), grantee("postgres", superuser=True)]
    context = make_context()
    result = execute(context)
    path = record_file(context)
    assert source_db["statements"] == ['REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM "app";']
    assert result == {"drained": True, "record": str(path), "revoked": [PUBLIC, "app"], "granted": []}
    record = drain.load_record(path)
    assert record is not None
    assert (record.database, record.migrator, record.run_id) == ("appdb", "postgres", RUN_ID)
    assert record.revoked == [PUBLIC, "app"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert source_db["opened"] == [("source", None)]


def test_drain_grants_a_plain_login_first(source_db: dict[str, Any], make_context) -> None:
    """A login without CONNECT of its own (it connected through PUBLIC) is granted it before PUBLIC is revoked."""
    source_db["user"], source_db["superuser"] = "migrator", False
    source_db["grantees"] = [grantee(PUBLIC), grantee("owner")]
    result = execute(make_context())
    assert source_db["statements"] == ['GRANT CONNECT ON DATABASE "appdb" TO "migrator";',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM "owner";']
    assert result["granted"] == ["migrator"]


def test_drain_retry_keeps_the_first_record(source_db: dict[str, Any], make_context) -> None:
    """A retry (the ACL already changed) applies the recorded block again instead of recording the new ACL."""
    context = make_context()
    path = record_file(context)
    earlier = BlockRecord(database="appdb", migrator="postgres", revoked=[PUBLIC, "old_app"], run_id="earlier run")
    drain.save_record(path, earlier)
    source_db["grantees"] = [grantee("postgres", superuser=True)]
    result = execute(context)
    assert "database_connect_grantees" not in source_db["asked"]
    assert source_db["statements"] == ['REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM "old_app";']
    assert result["revoked"] == [PUBLIC, "old_app"]
    assert drain.load_record(path) == earlier


def test_drain_refused_explains_and_keeps_record(source_db: dict[str, Any], make_context) -> None:
    """A login that may not revoke gets what to do, and the record stays so that release_source can undo."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["refuse"] = True
    context = make_context()
    with pytest.raises(MigrationError) as err:
        execute(context)
    message = str(err.value)
    path = record_file(context)
    assert message.startswith("cannot block new sessions on source ")
    assert "must be owner of database appdb" in message
    assert "drain=false" in message
    assert str(path) in message
    assert drain.load_record(path) is not None


def test_drain_fails_while_sessions_stay_open(source_db: dict[str, Any], make_context) -> None:
    """Sessions open after drain_timeout fail the task naming them; the source stays blocked."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242)]
    context = make_context(drain_timeout=5)
    with pytest.raises(MigrationError) as err:
        execute(context)
    message = str(err.value)
    assert "1 session(s) still open on source " in message
    assert "after 5s: pid 4242 app (billing-api)" in message
    assert "terminate_sessions=true" in message
    assert source_db["terminated"] == []
    assert source_db["clock"].now >= 1005.0
    assert record_file(context).is_file()


def test_drain_terminates_sessions_when_asked(source_db: dict[str, Any], make_context) -> None:
    """terminate_sessions=true ends the sessions still open after the timeout, and the drain succeeds."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242), client_session(4343, "report", None)]
    result = execute(make_context(drain_timeout=5, terminate_sessions=True))
    assert result["drained"] is True
    assert source_db["terminated"] == [4242, 4343]


def test_drain_uses_source_database_param(source_db: dict[str, Any], make_context) -> None:
    """source_database names the database blocked and the record's key."""
    source_db["grantees"] = [grantee(PUBLIC)]
    context = make_context(source_database="other db")
    execute(context)
    assert source_db["statements"] == ['REVOKE CONNECT ON DATABASE "other db" FROM PUBLIC;']
    assert record_file(context, "other db").is_file()
    assert not record_file(context).exists()
