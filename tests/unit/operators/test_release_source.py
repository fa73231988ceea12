"""Unit tests of operators/release_source.py over a faked source server (see the source_db fixture)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.support.fakes import RUN_ID
from timescale_migration.db import catalog, drain
from timescale_migration.db.drain import PUBLIC, BlockRecord
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.drain_source import DrainSourceOperator
from timescale_migration.operators.release_source import ReleaseSourceOperator

pytestmark = pytest.mark.unit


def release(context: dict[str, Any], *, forget: bool = False) -> dict[str, Any]:
    """Run release_source (forget: as the migrate_database DAG's own task)."""
    return ReleaseSourceOperator(task_id="release_source", forget_migration=forget).execute(context)


def drain_now(source_db: dict[str, Any], context: dict[str, Any], *grantees: str) -> None:
    """Drain the source holding these CONNECT grantees; forget the statements."""
    source_db["grantees"] = [{"grantee": g, "is_superuser": False} for g in grantees]
    DrainSourceOperator(task_id="drain_source").execute(context)
    source_db["statements"].clear()


def test_release_without_record_refuses(source_db: dict[str, Any], make_context) -> None:
    """No record anywhere: the release fails saying where it looked, and grants nothing."""
    with pytest.raises(MigrationError) as err:
        release(make_context())
    message = str(err.value)
    assert message.startswith("no block record for source ")
    assert "timescale_migration.connect_blocks in database 'postgres'" in message
    assert "Nothing was granted" in message
    assert source_db["statements"] == []


def test_release_grants_back_and_marks_released(source_db: dict[str, Any], make_context) -> None:
    """CONNECT goes back to whom it was revoked from, the migrator's grant is taken back, the record is marked
    released (kept for the DBA); a second release says so and grants nothing."""
    source_db["user"], source_db["superuser"] = "migrator", False
    context = make_context()
    drain_now(source_db, context, PUBLIC, "app")
    result = release(context)
    assert source_db["statements"] == [
        'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;',
        'GRANT CONNECT ON DATABASE "appdb" TO "app";',
        'REVOKE CONNECT ON DATABASE "appdb" FROM "migrator";',
    ]
    assert result["released"] is True and result["restored"] == [PUBLIC, "app"]
    assert source_db["records"]["appdb"]["released_by"].startswith("migrate_database/")
    source_db["statements"].clear()
    assert release(context)["released"] is False
    assert source_db["statements"] == []


def test_release_failure_keeps_record(source_db: dict[str, Any], make_context, monkeypatch) -> None:
    """A failed release (the source went away) leaves the record active, so a retry can still undo the block."""
    context = make_context()
    drain_now(source_db, context, PUBLIC)

    def gone(conn: Any, statement: Any, params: Any = None) -> list[Any]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(catalog, "run", gone)
    with pytest.raises(psycopg.OperationalError):
        release(context)
    assert source_db["records"]["appdb"]["released_at"] is None


def test_release_after_two_runs_restores_the_first_grants(source_db: dict[str, Any], make_context) -> None:
    """Drained twice (the second time already blocked): the release gives back what applications had."""
    context = make_context()
    drain_now(source_db, context, PUBLIC, "app")
    drain_now(source_db, context, "postgres")  # the ACL the first block left, seen by the second run
    release(context)
    assert source_db["statements"] == [
        'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;',
        'GRANT CONNECT ON DATABASE "appdb" TO "app";',
    ]


def test_release_skips_roles_dropped_since(source_db: dict[str, Any], make_context) -> None:
    """A role dropped while the source was blocked cannot get CONNECT back: the others do, the release succeeds."""
    context = make_context()
    drain_now(source_db, context, PUBLIC, "app", "retired")
    source_db["dropped"] = {"retired"}
    assert release(context)["released"] is True
    assert source_db["statements"] == [
        'GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;',
        'GRANT CONNECT ON DATABASE "appdb" TO "app";',
    ]


def test_release_refuses_a_record_of_a_dropped_database(source_db: dict[str, Any], make_context) -> None:
    """A record whose database was dropped and created again is not applied to the new one."""
    context = make_context()
    drain_now(source_db, context, PUBLIC)
    source_db["oids"]["appdb"] = 4242
    with pytest.raises(MigrationError, match=r"was dropped since; the database of that name now has oid 4242"):
        release(context)
    assert source_db["statements"] == []


def test_release_looks_up_the_named_database(source_db: dict[str, Any], make_context) -> None:
    """A record of another database of the same server is not released."""
    drain_now(source_db, make_context(), PUBLIC)
    with pytest.raises(MigrationError, match="no block record"):
        release(make_context(source_database="other"))
    assert source_db["records"]["appdb"]["released_at"] is None


def test_rollback_leaves_a_block_of_an_earlier_run(source_db: dict[str, Any], make_context) -> None:
    """The DAG's own release_source (a rollback) undoes only its run's block: a source that an earlier run left
    blocked (a cutover) stays blocked, its record active; the release_source DAG still releases it."""
    first = make_context()
    first["ti"].run_id = "manual__first"
    drain_now(source_db, first, PUBLIC, "app")
    second = make_context()
    drain_now(source_db, second, "postgres")
    second["ti"].xcoms["drain_source"] = {"drained": True, "blocked_by_run": "migrate_database/manual__first"}
    assert release(second, forget=True) == {"released": False, "blocked_by_run": "migrate_database/manual__first"}
    assert source_db["statements"] == []
    assert source_db["records"]["appdb"]["released_at"] is None
    assert release(make_context())["restored"] == [PUBLIC, "app"]


def test_rollback_releases_its_own_block(source_db: dict[str, Any], make_context) -> None:
    """A rollback of the run that blocked the source first gives CONNECT back."""
    context = make_context()
    drain_now(source_db, context, PUBLIC)
    context["ti"].xcoms["drain_source"] = {"drained": True, "blocked_by_run": f"migrate_database/{RUN_ID}"}
    assert release(context, forget=True)["released"] is True
    assert source_db["statements"] == ['GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;']
    assert context["outlet_events"] == {}  # a rollback tells no downstream DAG that the target is the data's home
    assert ReleaseSourceOperator(task_id="release_source", forget_migration=True).outlets == []


def test_dag_task_of_a_run_without_drain_does_nothing(source_db: dict[str, Any], make_context) -> None:
    """migrate_database's own release_source (a rollback) of a run that did not drain opens no session."""
    assert release(make_context(drain=False), forget=True) == {"released": False}
    assert source_db["opened"] == []


def test_release_reads_an_older_versions_file_record(source_db: dict[str, Any], make_context) -> None:
    """A block recorded by an earlier version under <work_dir>/blocks/ is still released, and its file removed."""
    context = make_context()
    params = context["params"]
    path = drain.legacy_record_path(params["work_dir"], params["source_conn_id"], "appdb")
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(BlockRecord(database="appdb", migrator="postgres", revoked=[PUBLIC], run_id="old").to_dict())
    )
    assert release(context)["restored"] == [PUBLIC]
    assert source_db["statements"] == ['GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;']
    assert not path.exists()
