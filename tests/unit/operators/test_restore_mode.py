"""Unit tests of operators/restore_mode.py over stubbed sessions."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.unit.operators.conftest import make_plan
from timescale_migration import catalog
from timescale_migration.clienttools import ClientTools
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.restore_mode import NOT_NEEDED, PostRestoreOperator, PreRestoreOperator
from timescale_migration.plan import TimescaleInfo

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """catalog.run and restoring_setting stubbed; records the statements run."""
    state: dict[str, Any] = {"statements": [], "setting": "on"}
    monkeypatch.setattr(catalog, "run", lambda conn, statement: state["statements"].append(statement.as_string()))
    monkeypatch.setattr(catalog, "restoring_setting", lambda conn: state["setting"])
    return state


def test_plain_postgresql_needs_nothing(opened, make_context, executed) -> None:
    """Both succeed without touching the target for a plain PostgreSQL source."""
    context = make_context(make_plan(TOOLS, timescaledb=False))
    assert PreRestoreOperator(task_id="pre_restore").execute(context) == {"restoring": NOT_NEEDED}
    assert PostRestoreOperator(task_id="post_restore").execute(context) == {"restoring": NOT_NEEDED}
    assert opened == []
    assert executed["statements"] == []


def test_pre_restore_calls_schema_qualified_function(opened, make_context, executed) -> None:
    """pre_restore calls <target schema>.timescaledb_pre_restore() on the target."""
    plan = make_plan(TOOLS, timescaledb=TimescaleInfo("2.19.3", "public", "ts ext"))
    result = PreRestoreOperator(task_id="pre_restore").execute(make_context(plan))
    assert result == {"restoring": "on"}
    assert len(executed["statements"]) == 1
    assert 'SELECT "ts ext".timescaledb_pre_restore();' in executed["statements"][0]
    assert opened == [("target", None)]


def test_post_restore_leaves_restore_mode(opened, make_context, executed, monkeypatch) -> None:
    """post_restore calls timescaledb_post_restore(), succeeds once restoring is off, checks the scheduler."""
    executed["setting"] = None
    monkeypatch.setattr(PostRestoreOperator, "ensure_scheduler", lambda self, conn: 1)
    result = PostRestoreOperator(task_id="post_restore").execute(make_context(make_plan(TOOLS)))
    assert result == {"restoring": None, "schedulers": 1}
    assert 'SELECT "public".timescaledb_post_restore();' in executed["statements"][0]


def test_post_restore_fails_if_still_restoring(opened, make_context, executed) -> None:
    """post_restore fails while the database is still in restore mode."""
    executed["setting"] = "on"
    with pytest.raises(MigrationError, match="still on"):
        PostRestoreOperator(task_id="post_restore").execute(make_context(make_plan(TOOLS)))


def test_permission_refusal_explained(opened, make_context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A target user who may not call the function gets a message saying who may."""
    def refuse(conn, statement):
        raise psycopg.errors.InsufficientPrivilege("permission denied for function timescaledb_pre_restore")

    monkeypatch.setattr(catalog, "run", refuse)
    with pytest.raises(MigrationError, match=r"may not run timescaledb_pre_restore\(\)"):
        PreRestoreOperator(task_id="pre_restore").execute(make_context(make_plan(TOOLS)))
