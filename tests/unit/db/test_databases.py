"""Unit tests of timescale_migration.db.databases.drop_scratch: what it refuses before connecting, and what it drops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.fakes import RecordingLog, statement_text
from timescale_migration.db import catalog, databases
from timescale_migration.exceptions import MigrationError

pytestmark = pytest.mark.unit


@dataclass
class FakeServer:
    """An endpoint whose connect() fails the test unless `reachable` is set; sessions recorded."""

    conn_id: str = "scratch"
    database: str = "tsdb"
    reachable: bool = False
    label: str = "scratch 'scratch' (db.example:5432/tsdb as tsdbadmin)"
    sessions: list[str | None] = field(default_factory=list)

    @contextmanager
    def connect(self, database: str | None = None) -> Iterator[str]:
        """A fake session, or an AssertionError when no connection may be made."""
        if not self.reachable:
            raise AssertionError("connected although the name should have been refused first")
        self.sessions.append(database)
        yield "conn"


@pytest.fixture
def server_state(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """database_exists answers state["present"]; each statement catalog.run executes is recorded in "ran"."""
    state: dict[str, Any] = {"present": True, "ran": []}

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        assert name == "databases/database_exists"
        return [{"present": state["present"]}]

    def run(conn: Any, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        state["ran"].append(statement_text(statement))
        return []

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    return state


@pytest.mark.parametrize("database", ["tsdb", "shop", "TSM_REHEARSAL_shop", "x_tsm_rehearsal_shop", ""])
def test_drop_scratch_refuses_other_names(database: str) -> None:
    """Only names starting with tsm_rehearsal_ are dropped; anything else is refused before connecting."""
    with pytest.raises(MigrationError, match="only scratch databases named tsm_rehearsal_"):
        databases.drop_scratch(FakeServer(), database, RecordingLog())  # type: ignore[arg-type]


def test_drop_scratch_refuses_connection_database() -> None:
    """The connection's own database is refused, even with the scratch prefix, before connecting."""
    server = FakeServer(database="tsm_rehearsal_shop")
    with pytest.raises(MigrationError) as caught:
        databases.drop_scratch(server, "tsm_rehearsal_shop", RecordingLog())  # type: ignore[arg-type]
    assert "'scratch'" in str(caught.value)
    assert "it is the database of connection" in str(caught.value)


def test_drop_scratch_missing_database(server_state: dict[str, Any]) -> None:
    """A scratch database that is not there is not dropped; False."""
    server_state["present"] = False
    server = FakeServer(reachable=True)
    assert databases.drop_scratch(server, "tsm_rehearsal_shop", RecordingLog()) is False  # type: ignore[arg-type]
    assert server_state["ran"] == []


def test_drop_scratch_drops_from_connection_database(server_state: dict[str, Any]) -> None:
    """An existing scratch database is dropped (forced) from the connection's own database; True, logged."""
    server = FakeServer(reachable=True)
    log = RecordingLog()
    assert databases.drop_scratch(server, "tsm_rehearsal_shop", log) is True  # type: ignore[arg-type]
    assert server.sessions == [None, None]
    [statement] = server_state["ran"]
    assert statement.startswith("DROP DATABASE")
    assert '"tsm_rehearsal_shop"' in statement
    assert log.levels("info") == [f"dropped scratch database tsm_rehearsal_shop on {server.label}"]
