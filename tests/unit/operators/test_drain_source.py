"""Unit tests of operators/drain_source.py over a faked source server (see the source_db fixture)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from tests.support.fakes import RUN_ID, RecordingLog, client_session
from timescale_migration.db.drain import PUBLIC
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.drain_source import DrainSourceOperator
from timescale_migration.settings import BLOCK_RECORD_DATABASE

pytestmark = pytest.mark.unit
RUN = f"migrate_database/{RUN_ID}"


def grantee(name: str, *, superuser: bool = False) -> dict[str, Any]:
    """A row of database_connect_grantees.sql."""
    return {"grantee": name, "is_superuser": superuser}


def execute(context: dict[str, Any]) -> dict[str, Any]:
    """Run drain_source."""
    return DrainSourceOperator(task_id="drain_source").execute(context)


def test_drain_false_touches_nothing(source_db: dict[str, Any], make_context, work_dir: Path) -> None:
    """drain=false neither connects nor records anything."""
    assert execute(make_context(drain=False)) == {"drained": False}
    assert source_db["opened"] == []
    assert source_db["statements"] == []
    assert source_db["records"] == {}


def test_drain_blocks_records_and_returns(source_db: dict[str, Any], make_context) -> None:
    """CONNECT is revoked from PUBLIC and the application roles, the superuser login keeps working, and the
    record on the source server (database postgres) says exactly what was revoked, for which run."""
    source_db["grantees"] = [grantee(PUBLIC), grantee("app"), grantee("postgres", superuser=True)]
    result = execute(make_context())
    assert source_db["statements"] == [
        'REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
        'REVOKE CONNECT ON DATABASE "appdb" FROM "app";',
    ]
    assert result["drained"] is True and result["action"] == "new"
    assert result["revoked"] == [PUBLIC, "app"] and result["granted"] == []
    assert result["restore_sql"] == (
        'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;\nGRANT CONNECT ON DATABASE "appdb" TO "app";'
    )
    assert "connect_blocks in database 'postgres'" in result["record"]
    row = source_db["records"]["appdb"]
    assert (row["migrator"], row["first_run"], row["runs"]) == ("postgres", RUN, [RUN])
    assert row["revoked"] == [PUBLIC, "app"] and row["database_oid"] == 16384
    assert source_db["opened"] == [("source", "postgres"), ("source", None)]


def test_drain_log_says_what_to_do_by_hand(
    source_db: dict[str, Any], make_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log names the roles, the run, where the record is, the statements that undo it and how to mark it."""
    log = RecordingLog()
    monkeypatch.setattr(DrainSourceOperator, "log", log)
    source_db["grantees"] = [grantee(PUBLIC), grantee("app")]
    execute(make_context())
    text = next(line for line in log.levels("info") if line.startswith("new sessions blocked"))
    assert f"CONNECT on database 'appdb' was taken from PUBLIC, app by run {RUN} at " in text
    assert "Record: timescale_migration.connect_blocks in database 'postgres' of source " in text
    assert 'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;\nGRANT CONNECT ON DATABASE "appdb" TO "app";' in text
    assert (
        "UPDATE timescale_migration.connect_blocks SET released_at = now(), released_by = 'by hand'\n"
        "WHERE database_name = 'appdb';"
    ) in text


def test_drain_grants_a_plain_login_first(source_db: dict[str, Any], make_context) -> None:
    """A login without CONNECT of its own (it connected through PUBLIC) is granted it before PUBLIC is revoked."""
    source_db["user"], source_db["superuser"] = "migrator", False
    source_db["grantees"] = [grantee(PUBLIC), grantee("owner")]
    result = execute(make_context())
    assert source_db["statements"] == [
        'GRANT CONNECT ON DATABASE "appdb" TO "migrator";',
        'REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
        'REVOKE CONNECT ON DATABASE "appdb" FROM "owner";',
    ]
    assert result["granted"] == ["migrator"]


def test_drain_again_keeps_the_earliest_record(source_db: dict[str, Any], make_context) -> None:
    """A second drain (a retry, or another run through another connection) finds the source blocked: the earlier
    record stays as it was, the new run is only added to its runs, and the ACL it sees is not recorded."""
    source_db["grantees"] = [grantee(PUBLIC), grantee("old_app")]
    first = execute(make_context())
    source_db["grantees"] = [grantee("postgres", superuser=True)]  # what the block left
    source_db["statements"].clear()
    context = make_context()
    context["ti"].run_id = "manual__second"
    second = execute(context)
    assert second["action"] == "kept"
    assert second["revoked"] == first["revoked"] == [PUBLIC, "old_app"]
    assert second["blocked_by_run"] == RUN
    assert source_db["records"]["appdb"]["runs"] == [RUN, "migrate_database/manual__second"]
    assert source_db["statements"] == [
        'REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
        'REVOKE CONNECT ON DATABASE "appdb" FROM "old_app";',
    ]


def test_drain_again_adds_roles_granted_since(source_db: dict[str, Any], make_context) -> None:
    """A role given CONNECT while the source was blocked is blocked too, and added to the earliest record."""
    source_db["grantees"] = [grantee(PUBLIC)]
    execute(make_context())
    source_db["grantees"] = [grantee("new_app")]
    result = execute(make_context())
    assert result["action"] == "extended"
    assert result["revoked"] == [PUBLIC, "new_app"]
    assert source_db["statements"][-1] == 'REVOKE CONNECT ON DATABASE "appdb" FROM "new_app";'


def test_drain_replaces_the_record_of_a_dropped_database(source_db: dict[str, Any], make_context) -> None:
    """An unreleased record of a database that was dropped and created again (another oid) is replaced."""
    source_db["grantees"] = [grantee("ghost")]
    execute(make_context())
    source_db["oids"]["appdb"] = 99999
    source_db["grantees"] = [grantee(PUBLIC)]
    result = execute(make_context())
    assert result["action"] == "replaced"
    assert result["revoked"] == [PUBLIC]
    assert source_db["records"]["appdb"]["database_oid"] == 99999


def test_drain_refused_revoke_keeps_neither_block_nor_record(source_db: dict[str, Any], make_context) -> None:
    """A login that may not revoke gets what to do; record and grants roll back together."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["refuse"] = True
    with pytest.raises(MigrationError) as err:
        execute(make_context())
    message = str(err.value)
    assert message.startswith("cannot block new sessions on source ")
    assert "must be owner of database appdb" in message
    assert "Nothing was revoked" in message and "drain=false" in message
    assert source_db["records"] == {}


def test_drain_refused_record_revokes_nothing(source_db: dict[str, Any], make_context) -> None:
    """A login that may not create the record's table is stopped before anything is revoked, told how to
    prepare it."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["refuse_create"] = True
    with pytest.raises(MigrationError) as err:
        execute(make_context())
    message = str(err.value)
    assert "cannot keep the block record in timescale_migration.connect_blocks in database 'postgres'" in message
    assert "Nothing was revoked" in message
    assert 'CREATE SCHEMA timescale_migration AUTHORIZATION "postgres"' in message
    assert source_db["statements"] == []


def test_drain_without_rights_on_the_records_revokes_nothing(source_db: dict[str, Any], make_context) -> None:
    """A table of records the login may not write (a superuser made it): stopped before revoking, told the GRANTs."""
    source_db["table"], source_db["refuse_write"] = True, True
    source_db["grantees"] = [grantee(PUBLIC)]
    with pytest.raises(MigrationError) as err:
        execute(make_context())
    assert "login postgres may not write that table. Nothing was revoked" in str(err.value)
    assert 'GRANT SELECT, INSERT, UPDATE ON timescale_migration.connect_blocks TO "postgres"' in str(err.value)
    assert source_db["statements"] == [] and source_db["records"] == {}


def test_drain_of_the_record_database_itself_is_refused(
    source_db: dict[str, Any], make_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrating the database that holds the records would carry them to the target: refused before connecting."""
    monkeypatch.setenv(BLOCK_RECORD_DATABASE.name, "appdb")
    with pytest.raises(MigrationError, match=rf"set {BLOCK_RECORD_DATABASE.name} on every worker"):
        execute(make_context())
    assert source_db["opened"] == []


def test_drain_keeps_records_where_the_env_says(
    source_db: dict[str, Any], make_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$TSM_BLOCK_RECORD_DATABASE names the database of the records."""
    monkeypatch.setenv(BLOCK_RECORD_DATABASE.name, "dba_tools")
    source_db["grantees"] = [grantee(PUBLIC)]
    result = execute(make_context())
    assert source_db["opened"][0] == ("source", "dba_tools")
    assert "in database 'dba_tools'" in result["record"]


def deferred(context: dict[str, Any]) -> tuple[DrainSourceOperator, TaskDeferred]:
    """Run drain_source until it defers; the operator and its deferral."""
    op = DrainSourceOperator(task_id="drain_source")
    op.pre_execute(context)
    with pytest.raises(TaskDeferred) as deferral:
        op.execute(context)
    return op, deferral.value


def event(deferral: TaskDeferred, status: str) -> dict[str, Any]:
    """The event the trigger fires: the status and what the task handed it."""
    return {"status": status, "handback": deferral.trigger.serialize()[1]["handback"]}


def test_drain_defers_the_wait_to_the_triggerer(source_db: dict[str, Any], make_context, connections) -> None:
    """Sessions still open: the block and its record are written, then the wait goes to SessionsClosedTrigger
    (connection id, database and deadline only: nothing secret), with the result to hand back."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242)]
    before = time.time()
    _, deferral = deferred(make_context(drain_timeout=5, source_database="other db"))
    path, kwargs = deferral.trigger.serialize()
    assert path == "timescale_migration.triggers.SessionsClosedTrigger"
    assert kwargs["conn_id"] == connections["source_conn_id"] and kwargs["database"] == "other db"
    assert before + 5 <= kwargs["deadline"] <= time.time() + 5
    assert deferral.method_name == "finish_drain" and deferral.timeout == timedelta(seconds=125)
    assert kwargs["handback"]["result"]["revoked"] == [PUBLIC]
    assert "other db" in source_db["records"], "blocked and recorded before the wait"


def test_drain_fails_while_sessions_stay_open(source_db: dict[str, Any], make_context) -> None:
    """The trigger's deadline passed with sessions open: the task fails naming them; the source stays blocked,
    its record kept."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242)]
    context = make_context(drain_timeout=5)
    op, deferral = deferred(context)
    with pytest.raises(MigrationError) as err:
        op.finish_drain(context, event(deferral, "timeout"))
    message = str(err.value)
    assert "1 session(s) still open on source " in message
    assert "after 5s: pid 4242 app (billing-api)" in message
    assert "terminate_sessions=true" in message
    assert source_db["terminated"] == []
    assert "appdb" in source_db["records"]


def test_drain_done_when_the_sessions_closed(source_db: dict[str, Any], make_context) -> None:
    """The trigger saw them close: the result handed over is the task's, and its span starts before the wait."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242)]
    context = make_context(drain_timeout=5)
    _, deferral = deferred(context)
    source_db["open"] = []
    resumed = DrainSourceOperator(task_id="drain_source")
    resumed.pre_execute(context)
    assert resumed.finish_drain(context, event(deferral, "closed"))["drained"] is True
    assert resumed._phase_started == event(deferral, "closed")["handback"]["started"] is not None


def test_drain_terminates_sessions_when_asked(source_db: dict[str, Any], make_context) -> None:
    """terminate_sessions=true ends the sessions still open after the timeout, and the drain succeeds."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242), client_session(4343, "report", None)]
    context = make_context(drain_timeout=5, terminate_sessions=True)
    op, deferral = deferred(context)
    result = op.finish_drain(context, event(deferral, "timeout"))
    assert result["drained"] is True
    assert source_db["terminated"] == [4242, 4343]


def test_drain_timeout_zero_does_not_defer(source_db: dict[str, Any], make_context) -> None:
    """drain_timeout=0: no wait at all, the sessions are ended (or the task fails) at once."""
    source_db["grantees"] = [grantee(PUBLIC)]
    source_db["open"] = [client_session(4242)]
    assert execute(make_context(drain_timeout=0, terminate_sessions=True))["drained"] is True
    assert source_db["terminated"] == [4242]


def test_drain_uses_source_database_param(source_db: dict[str, Any], make_context) -> None:
    """source_database names the database blocked and the record's key."""
    source_db["grantees"] = [grantee(PUBLIC)]
    execute(make_context(source_database="other db"))
    assert source_db["statements"] == ['REVOKE CONNECT ON DATABASE "other db" FROM PUBLIC;']
    assert list(source_db["records"]) == ["other db"]
