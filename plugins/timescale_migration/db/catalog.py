"""What a database holds and can do, asked through psycopg with the SQL in include/sql."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.rows import dict_row

from timescale_migration.db import sqlfiles


def rows(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All rows of include/sql/<name>.sql as dicts."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sqlfiles.query(name), params)
        return cur.fetchall()


def run(
    conn: psycopg.Connection, statement: pgsql.SQL | pgsql.Composed, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Execute a composed statement (with bound `params`); its rows if it returns any."""
    with conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


@dataclass(frozen=True)
class ServerInfo:
    """Version and privileges seen from one connection."""

    version_num: int
    version: str
    user_name: str
    database_name: str
    is_superuser: bool
    can_read_passwords: bool
    database_bytes: int
    encoding: str

    @property
    def major(self) -> int:
        """PostgreSQL major version (15, 16, 17...)."""
        return self.version_num // 10000

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for XCom."""
        return {**asdict(self), "major": self.major}


def section(conn: psycopg.Connection, name: str) -> dict[str, str]:
    """name -> detail of each row include/sql/<name>.sql lists: one section of a side's inventory (verify), or the
    jobs timescale_features records."""
    return {row["name"]: row["detail"] or "" for row in rows(conn, name)}


def database_identity(conn: psycopg.Connection, database: str) -> dict[str, Any]:
    """{system_identifier, database_oid} of `database` on the connected server: which server incarnation and which
    database the name stands for now (either None when unknown: not readable, or no such database)."""
    return rows(conn, "databases/database_identity", {"database": database})[0]


def server_info(conn: psycopg.Connection) -> ServerInfo:
    """Server version, user and database size."""
    return ServerInfo(**rows(conn, "server/server_info")[0])


def installed_extensions(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """Installed extensions: name -> {version, schema_name}."""
    return {
        row["name"]: {"version": row["version"], "schema": row["schema_name"]}
        for row in rows(conn, "extensions/installed_extensions")
    }


def available_extensions(conn: psycopg.Connection) -> dict[str, str | None]:
    """Extensions the server can install: name -> default version."""
    return {row["name"]: row["default_version"] for row in rows(conn, "extensions/available_extensions")}


def available_versions(conn: psycopg.Connection, extension: str) -> list[str]:
    """Versions of `extension` the server can install."""
    return [row["version"] for row in rows(conn, "extensions/available_extension_versions", {"name": extension})]


def user_objects(conn: psycopg.Connection) -> list[str]:
    """Up to 50 user objects ("table public.x"), empty for an empty database."""
    return [f"{row['kind']} {row['name']}" for row in rows(conn, "databases/user_objects")]


def client_sessions(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Other client sessions on this database."""
    return [{**row, "backend_start": row["backend_start"].isoformat()} for row in rows(conn, "drain/client_sessions")]


def largest_tables(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The ten largest user relations."""
    return rows(conn, "copy/largest_tables")


def user_tables(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """(schema, table, kind, display name) of every relation holding user rows."""
    return [(r["schema_name"], r["table_name"], r["kind"], r["display_name"]) for r in rows(conn, "verify/user_tables")]


def hypertables(conn: psycopg.Connection) -> dict[tuple[str, str], dict[str, int]]:
    """(schema, table) -> {num_dimensions, num_chunks}; empty where TimescaleDB is not installed."""
    if "timescaledb" not in installed_extensions(conn):
        return {}
    return {
        (r["schema_name"], r["table_name"]): {"num_dimensions": r["num_dimensions"], "num_chunks": r["num_chunks"]}
        for r in rows(conn, "timescaledb/hypertable_chunk_counts")
    }


def chunk_tables(conn: psycopg.Connection) -> set[tuple[str, str]]:
    """(schema, table) of every TimescaleDB chunk (call only where TimescaleDB is installed)."""
    return {(r["schema_name"], r["table_name"]) for r in rows(conn, "timescaledb/chunk_tables")}


def materializations(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(schema, table, the aggregate's name) of every continuous aggregate's materialization hypertable."""
    return [(r["schema_name"], r["table_name"], r["display_name"]) for r in rows(conn, "timescaledb/materializations")]


def user_sequences(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(schema, sequence, display name) of every user sequence."""
    return [(r["schema_name"], r["sequence_name"], r["display_name"]) for r in rows(conn, "verify/user_sequences")]


def sequence_state(conn: psycopg.Connection, schema: str, sequence: str) -> tuple[int, bool]:
    """(last_value, is_called) of one sequence."""
    last_value, is_called = run(conn, sqlfiles.compose("verify/sequence_state", sequence=(schema, sequence)))[0]
    return int(last_value), bool(is_called)


def describe_copies(copies: list[dict[str, Any]]) -> str:
    """The COPYs of copy_progress.sql as a person reads them: "relation N rows, ..." (empty: none running)."""
    return ", ".join(f"{c['relation']} {c['rows_done']:,} rows" for c in copies)
