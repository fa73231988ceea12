"""Unit tests of operators/restore_mode.py over stubbed sessions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from tests.support.fakes import RecordingLog
from tests.unit.operators.conftest import make_plan
from timescale_migration.checks.plan import TimescaleInfo
from timescale_migration.db import catalog, timescale_state
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators import restore_mode
from timescale_migration.operators.restore_mode import NOT_NEEDED, PostRestoreOperator, PreRestoreOperator
from timescale_migration.tools.clienttools import ClientTools

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """catalog.run and the state query stubbed; records the statements run."""
    state: dict[str, Any] = {"statements": [], "setting": "on", "schedulers": [1]}
    monkeypatch.setattr(catalog, "run", lambda conn, statement: state["statements"].append(statement.as_string()))
    monkeypatch.setattr(
        timescale_state,
        "timescale_state",
        lambda conn: {
            "database_restoring": state["setting"],
            "schedulers": state["schedulers"].pop(0) if len(state["schedulers"]) > 1 else state["schedulers"][0],
        },
    )
    monkeypatch.setattr(timescale_state.time, "sleep", lambda seconds: None)
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


def test_post_restore_called_again_when_no_scheduler_came(opened, make_context, executed, monkeypatch) -> None:
    """timescaledb#5842: no scheduler after the first call (the wait polls until it gives up), so post_restore is
    called once more, as the same login may."""
    executed["setting"] = None
    executed["schedulers"] = [0] * 30 + [1]
    monkeypatch.setattr(timescale_state.time, "monotonic", iter(range(0, 10_000)).__next__)
    monkeypatch.setattr(PostRestoreOperator, "ensure_scheduler", lambda self, conn: 1)
    result = PostRestoreOperator(task_id="post_restore").execute(make_context(make_plan(TOOLS)))
    assert result == {"restoring": None, "schedulers": 1}
    calls = [s for s in executed["statements"] if 'SELECT "public".timescaledb_post_restore();' in s]
    assert len(calls) == 2


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


# --- ensure_scheduler -------------------------------------------------------------------------------------------------


class Refused(psycopg.errors.InsufficientPrivilege):
    """A permission error carrying the server's primary message, as psycopg raises it."""

    @property
    def diag(self) -> Any:  # type: ignore[override]
        return SimpleNamespace(message_primary="must be superuser to restart background workers")


@pytest.fixture
def scheduler(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The target's answers stubbed: scheduler counts polled in turn, the restart function's schema; no waiting."""
    state: dict[str, Any] = {
        "counts": [0],
        "function": [{"schema_name": "_timescaledb_functions"}],
        "asked": [],
        "statements": [],
        "sleeps": [],
        "refuse": False,
        "log": RecordingLog(),
    }

    def rows(conn: Any, name: str) -> list[dict[str, Any]]:
        state["asked"].append(name)
        if name == "timescaledb/state":
            count = state["counts"].pop(0) if len(state["counts"]) > 1 else state["counts"][0]
            return [{"session_restoring": "off", "database_restoring": None, "schedulers": count}]
        if name == "timescaledb/restart_workers_function":
            return state["function"]
        raise AssertionError(f"unexpected query {name}")

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        state["statements"].append(statement.as_string())
        if state["refuse"]:
            raise Refused("must be superuser")
        return [(True,)]

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(restore_mode, "SCHEDULER_WAIT_S", 0.0)
    monkeypatch.setattr(timescale_state.time, "sleep", lambda seconds: state["sleeps"].append(seconds))
    monkeypatch.setattr(PostRestoreOperator, "log", state["log"])
    return state


def ensure() -> int:
    """ensure_scheduler() on a stand-in connection."""
    return PostRestoreOperator(task_id="post_restore").ensure_scheduler("target")  # type: ignore[arg-type]


def test_ensure_scheduler_running_returns_at_once(scheduler: dict[str, Any]) -> None:
    """A running scheduler is reported at once: no restart, no waiting."""
    scheduler["counts"] = [2]
    assert ensure() == 2
    assert scheduler["asked"] == ["timescaledb/state"]
    assert scheduler["statements"] == []
    assert scheduler["sleeps"] == []
    assert scheduler["log"].levels("warning") == []


def test_ensure_scheduler_waits_for_late_scheduler(scheduler: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the wait, polling goes on (half a second apart) until the scheduler appears; no restart."""
    monkeypatch.setattr(restore_mode, "SCHEDULER_WAIT_S", 60.0)
    scheduler["counts"] = [0, 0, 1]
    assert ensure() == 1
    assert scheduler["sleeps"] == [0.5, 0.5]
    assert scheduler["statements"] == []


def test_ensure_scheduler_restarts_workers(scheduler: dict[str, Any]) -> None:
    """No scheduler: the workers are restarted through the function's schema, and the new count returned."""
    scheduler["counts"] = [0, 3]
    assert ensure() == 3
    assert scheduler["asked"] == ["timescaledb/state", "timescaledb/restart_workers_function", "timescaledb/state"]
    assert len(scheduler["statements"]) == 1
    assert 'SELECT "_timescaledb_functions".restart_background_workers();' in scheduler["statements"][0]
    assert any("restarting background workers" in w for w in scheduler["log"].levels("warning"))


def test_ensure_scheduler_restart_uses_schema_found(scheduler: dict[str, Any]) -> None:
    """An older TimescaleDB keeps the function in _timescaledb_internal: that schema is called."""
    scheduler["counts"] = [0, 1]
    scheduler["function"] = [{"schema_name": "_timescaledb_internal"}]
    assert ensure() == 1
    assert 'SELECT "_timescaledb_internal".restart_background_workers();' in scheduler["statements"][0]


def test_ensure_scheduler_restart_without_result(scheduler: dict[str, Any]) -> None:
    """Still no scheduler after the restart: 0 is returned (verify reports it)."""
    scheduler["counts"] = [0]
    assert ensure() == 0
    assert len(scheduler["statements"]) == 1


def test_ensure_scheduler_function_missing(scheduler: dict[str, Any]) -> None:
    """Without restart_background_workers() nothing is run: 0 with a warning that jobs will not run."""
    scheduler["function"] = []
    assert ensure() == 0
    assert scheduler["statements"] == []
    warnings = scheduler["log"].levels("warning")
    assert len(warnings) == 1
    assert "restart_background_workers() was not found" in warnings[0]


def test_ensure_scheduler_permission_refused(scheduler: dict[str, Any]) -> None:
    """A user who may not restart the workers gets 0 and a warning with the server's message."""
    scheduler["refuse"] = True
    assert ensure() == 0
    assert len(scheduler["statements"]) == 1
    assert scheduler["log"].levels("warning")[-1] == (
        "cannot restart background workers: must be superuser to restart background workers"
    )
    assert scheduler["asked"].count("timescaledb/state") == 1
