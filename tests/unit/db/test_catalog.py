"""Unit tests of timescale_migration.db.catalog over a fake psycopg connection (no server)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from psycopg.rows import dict_row

from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.catalog import ServerInfo

pytestmark = pytest.mark.unit


class FakeCursor:
    """Records what is executed and answers from the fake connection's canned rows."""

    def __init__(self, conn: FakeConn, row_factory: Any) -> None:
        self.conn = conn
        self.row_factory = row_factory
        self.description: list[str] | None = None
        self._rows: list[Any] = []

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, query: Any, params: Any = None) -> None:
        text = query.as_string()
        self.conn.executed.append((text, params, self.row_factory))
        for name, answer in self.conn.answers.items():
            if text == sqlfiles.text(name) or (name in self.conn.composed and self.conn.composed[name] in text):
                self._rows = list(answer or [])
                self.description = ["col"] if answer is not None else None
                return
        raise AssertionError(f"unexpected query: {text}")

    def fetchall(self) -> list[Any]:
        return self._rows


class FakeConn:
    """Answers include/sql queries by file name; `composed` maps names of composed queries to a text they contain."""

    def __init__(self, answers: dict[str, list[Any]], composed: dict[str, str] | None = None) -> None:
        self.answers = answers
        self.composed = composed or {}
        self.executed: list[tuple[str, Any, Any]] = []

    def cursor(self, row_factory: Any = None) -> FakeCursor:
        return FakeCursor(self, row_factory)


SERVER_ROW = {
    "version_num": 170002,
    "version": "17.2 (Debian 17.2-1)",
    "user_name": "tsdbadmin",
    "database_name": "tsdb",
    "is_superuser": False,
    "can_read_passwords": False,
    "database_bytes": 8_000_000,
    "encoding": "UTF8",
}
"""What server_info.sql returns."""


@pytest.mark.parametrize(("version_num", "major"), [(170002, 17), (150008, 15), (160000, 16), (180000, 18)])
def test_server_info_major(version_num: int, major: int) -> None:
    """The major version is server_version_num // 10000."""
    assert ServerInfo(**{**SERVER_ROW, "version_num": version_num}).major == major


def test_server_info_as_dict() -> None:
    """as_dict holds every field plus the major version."""
    assert ServerInfo(**SERVER_ROW).as_dict() == {**SERVER_ROW, "major": 17}


def test_server_info_query() -> None:
    """server_info() runs server_info.sql with dict rows and builds a ServerInfo."""
    conn = FakeConn({"server/server_info": [SERVER_ROW]})
    info = catalog.server_info(conn)  # type: ignore[arg-type]
    assert info == ServerInfo(**SERVER_ROW)
    assert info.encoding == "UTF8"
    assert conn.executed[0][2] is dict_row


def test_server_info_sql_returns_every_field() -> None:
    """server_info.sql names a column for each ServerInfo field, encoding included."""
    text = sqlfiles.text("server/server_info")
    names = [f.name for f in dataclasses.fields(ServerInfo)]
    assert "encoding" in names
    assert [name for name in names if f" AS {name}" not in text] == []


def test_installed_extensions() -> None:
    """Installed extensions map name to version and schema."""
    conn = FakeConn(
        {
            "extensions/installed_extensions": [
                {"name": "timescaledb", "version": "2.19.3", "schema_name": "public"},
                {"name": "plpgsql", "version": "1.0", "schema_name": "pg_catalog"},
            ]
        }
    )
    assert catalog.installed_extensions(conn) == {  # type: ignore[arg-type]
        "timescaledb": {"version": "2.19.3", "schema": "public"},
        "plpgsql": {"version": "1.0", "schema": "pg_catalog"},
    }


def test_available_extensions() -> None:
    """Available extensions map name to default version (None allowed)."""
    conn = FakeConn(
        {
            "extensions/available_extensions": [
                {"name": "pg_trgm", "default_version": "1.6"},
                {"name": "odd", "default_version": None},
            ]
        }
    )
    assert catalog.available_extensions(conn) == {"pg_trgm": "1.6", "odd": None}  # type: ignore[arg-type]


def test_available_versions_passes_name() -> None:
    """available_versions() binds the extension name as a query parameter."""
    conn = FakeConn({"extensions/available_extension_versions": [{"version": "2.19.3"}, {"version": "2.20.0"}]})
    assert catalog.available_versions(conn, "timescaledb") == ["2.19.3", "2.20.0"]  # type: ignore[arg-type]
    assert conn.executed[0][1] == {"name": "timescaledb"}


def test_user_objects() -> None:
    """User objects read "kind name"."""
    conn = FakeConn(
        {"databases/user_objects": [{"kind": "table", "name": "public.x"}, {"kind": "schema", "name": "app"}]}
    )
    assert catalog.user_objects(conn) == ["table public.x", "schema app"]  # type: ignore[arg-type]


def test_client_sessions_isoformat() -> None:
    """backend_start becomes an ISO string (JSON-friendly for XCom)."""
    start = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
    conn = FakeConn(
        {
            "drain/client_sessions": [
                {
                    "pid": 7,
                    "user_name": "app",
                    "application_name": "web",
                    "client_addr": "10.0.0.5",
                    "state": "idle",
                    "backend_start": start,
                }
            ]
        }
    )
    assert catalog.client_sessions(conn)[0]["backend_start"] == "2026-11-26T12:00:00+00:00"  # type: ignore[arg-type]


def test_hypertables_without_timescaledb() -> None:
    """Without the extension there are no hypertables and the hypertables query is not run."""
    conn = FakeConn(
        {"extensions/installed_extensions": [{"name": "plpgsql", "version": "1.0", "schema_name": "pg_catalog"}]}
    )
    assert catalog.hypertables(conn) == {}  # type: ignore[arg-type]
    assert len(conn.executed) == 1


def test_hypertables_with_timescaledb() -> None:
    """Hypertables are keyed by (schema, table)."""
    conn = FakeConn(
        {
            "extensions/installed_extensions": [{"name": "timescaledb", "version": "2.19.3", "schema_name": "public"}],
            "timescaledb/hypertable_chunk_counts": [
                {"schema_name": "m", "table_name": "c", "num_dimensions": 1, "num_chunks": 12}
            ],
        }
    )
    assert catalog.hypertables(conn) == {("m", "c"): {"num_dimensions": 1, "num_chunks": 12}}  # type: ignore[arg-type]


def test_chunk_tables() -> None:
    """Chunks are a set of (schema, table)."""
    conn = FakeConn(
        {
            "timescaledb/chunk_tables": [
                {"schema_name": "_timescaledb_internal", "table_name": "_hyper_1_1_chunk"},
                {"schema_name": "m", "table_name": "_hyper_1_2_chunk"},
            ]
        }
    )
    assert catalog.chunk_tables(conn) == {  # type: ignore[arg-type]
        ("_timescaledb_internal", "_hyper_1_1_chunk"),
        ("m", "_hyper_1_2_chunk"),
    }


def test_user_tables_and_sequences() -> None:
    """Tables and sequences come back as tuples."""
    conn = FakeConn(
        {
            "verify/user_tables": [
                {"schema_name": "public", "table_name": "t", "kind": "table", "display_name": '"public"."t"'}
            ],
            "verify/user_sequences": [
                {"schema_name": "public", "sequence_name": "t_id_seq", "display_name": '"public"."t_id_seq"'},
            ],
        }
    )
    assert [row[:3] for row in catalog.user_tables(conn)] == [("public", "t", "table")]  # type: ignore[arg-type]
    assert [row[:2] for row in catalog.user_sequences(conn)] == [("public", "t_id_seq")]  # type: ignore[arg-type]


def test_sequence_state_types() -> None:
    """sequence_state gives (int, bool)."""
    conn = FakeConn({"verify/sequence_state": [(7, 1)]}, composed={"verify/sequence_state": "last_value, is_called"})
    assert catalog.sequence_state(conn, "public", "s") == (7, True)  # type: ignore[arg-type]
    assert '"public"."s"' in conn.executed[0][0]


def test_run_without_result_rows() -> None:
    """run() returns [] for a statement that returns no rows."""
    conn = FakeConn({"extensions/drop_extension": None}, composed={"extensions/drop_extension": "DROP EXTENSION"})  # type: ignore[dict-item]
    assert catalog.run(conn, sqlfiles.compose("extensions/drop_extension", extension="timescaledb")) == []  # type: ignore[arg-type]
    assert 'DROP EXTENSION "timescaledb";' in conn.executed[0][0]


def test_describe_copies() -> None:
    """Each running COPY as "relation N rows" (thousands separated); none: empty, for the caller to word."""
    assert catalog.describe_copies(
        [
            {"relation": "orders", "rows_done": 1234567, "bytes_done": 9},
            {"relation": '"Café"', "rows_done": 0, "bytes_done": 0},
        ]
    ) == ('orders 1,234,567 rows, "Café" 0 rows')
    assert catalog.describe_copies([]) == ""
