"""Unit tests of operators/release_source.py over a stubbed source (see the source_db fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from timescale_migration import catalog, drain
from timescale_migration.drain import PUBLIC, BlockRecord
from timescale_migration.operators.drain_source import DrainSourceOperator
from timescale_migration.operators.release_source import ReleaseSourceOperator

pytestmark = pytest.mark.unit


def record_file(context: dict[str, Any], database: str = "appdb") -> Path:
    """Where the drain keeps its record for this run's source."""
    params = context["params"]
    return drain.record_path(params["work_dir"], params["source_conn_id"], database)


def release(context: dict[str, Any]) -> dict[str, Any]:
    """Run release_source."""
    return ReleaseSourceOperator(task_id="release_source").execute(context)


def test_release_without_record_does_nothing(source_db: dict[str, Any], make_context) -> None:
    """A source not blocked by a migration is left alone: no session, no statement."""
    assert release(make_context()) == {"released": False}
    assert source_db["opened"] == []
    assert source_db["statements"] == []


def test_release_grants_back_and_removes_record(source_db: dict[str, Any], make_context) -> None:
    """CONNECT goes back to whom it was revoked from, the migrator's grant is taken back, the record is removed."""
    context = make_context()
    path = record_file(context)
    drain.save_record(path, BlockRecord(database="appdb", migrator="migrator", revoked=[PUBLIC, "app"],
                                        granted=["migrator"], run_id="run-1"))
    result = release(context)
    assert source_db["statements"] == ['GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;',
                                       'GRANT CONNECT ON DATABASE "appdb" TO "app";',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM "migrator";']
    assert result == {"released": True, "revoked_by_run": "run-1", "restored": [PUBLIC, "app"]}
    assert not path.exists()
    assert source_db["opened"] == [("source", None)]
    assert release(context) == {"released": False}


def test_release_failure_keeps_record(source_db: dict[str, Any], make_context, monkeypatch) -> None:
    """A failed release (the source went away) keeps the record, so a retry can still undo the block."""
    context = make_context()
    path = record_file(context)
    drain.save_record(path, BlockRecord(database="appdb", migrator="postgres", revoked=[PUBLIC]))

    def gone(conn: Any, statement: Any, params: Any = None) -> list[Any]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(catalog, "run", gone)
    with pytest.raises(psycopg.OperationalError):
        release(context)
    assert drain.load_record(path) is not None


def test_drain_then_release_restores_the_acl(source_db: dict[str, Any], make_context) -> None:
    """What drain_source revoked, release_source grants back, in the DAG's own run params."""
    source_db["user"], source_db["superuser"] = "migrator", False
    source_db["grantees"] = [{"grantee": PUBLIC, "is_superuser": False}, {"grantee": "app", "is_superuser": False}]
    context = make_context()
    DrainSourceOperator(task_id="drain_source").execute(context)
    blocked = list(source_db["statements"])
    source_db["statements"].clear()
    result = release(context)
    assert blocked == ['GRANT CONNECT ON DATABASE "appdb" TO "migrator";',
                       'REVOKE CONNECT ON DATABASE "appdb" FROM PUBLIC;',
                       'REVOKE CONNECT ON DATABASE "appdb" FROM "app";']
    assert source_db["statements"] == ['GRANT CONNECT ON DATABASE "appdb" TO PUBLIC;',
                                       'GRANT CONNECT ON DATABASE "appdb" TO "app";',
                                       'REVOKE CONNECT ON DATABASE "appdb" FROM "migrator";']
    assert result["released"] is True


def test_release_looks_up_the_named_database(source_db: dict[str, Any], make_context) -> None:
    """A record of another database of the same connection is not released."""
    context = make_context(source_database="other")
    drain.save_record(record_file(context), BlockRecord(database="appdb", migrator="postgres", revoked=[PUBLIC]))
    assert release(context) == {"released": False}
    assert record_file(context).is_file()
