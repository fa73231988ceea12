"""What one side holds, as structure: schemas, tables, columns, indexes, constraints, types, functions,
triggers, policies, comments, sequences, extensions, roles, the database's settings and comment, and
TimescaleDB's hypertables, dimensions, chunks, compression settings and jobs. Each section maps an object's
name to a detail string.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg

from timescale_migration.db import catalog, dbsettings, privileges, sqlfiles

SECTIONS = {
    "schemas": "inventory/schemas", "tables": "inventory/tables", "columns": "inventory/columns",
    "indexes": "inventory/indexes", "constraints": "inventory/constraints", "types": "inventory/types",
    "functions": "inventory/functions", "triggers": "inventory/triggers", "policies": "inventory/policies",
    "comments": "inventory/comments", "sequence definitions": "inventory/sequences",
    "extensions": "inventory/extensions", "roles": "inventory/roles",
}
"""Section name -> the include/sql file that lists its objects (sequence values are data, not structure)."""
TIMESCALE_SECTIONS = {
    "hypertables": "timescaledb/hypertables", "dimensions": "timescaledb/dimensions", "chunks": "timescaledb/chunks",
    "chunk states": "timescaledb/chunk_states", "compression": "timescaledb/compression",
    "continuous aggregates": "timescaledb/continuous_aggregates", "jobs": "timescaledb/jobs",
}
"""TimescaleDB's sections (as "timescaledb <section>") -> the include/sql file listing them."""


def take(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """Every section of the inventory of the connected database."""
    catalog.run(conn, sqlfiles.query("verify/verify_session"))
    result = {name: section(conn, query) for name, query in SECTIONS.items()}
    result[dbsettings.SECTION] = dbsettings.read(conn).inventory()
    result.update(privileges.inventory(conn))
    if "timescaledb" in catalog.installed_extensions(conn):
        for name, query in TIMESCALE_SECTIONS.items():
            result[f"timescaledb {name}"] = section(conn, query)
    return result


def timescale_state(conn: psycopg.Connection) -> dict[str, Any]:
    """timescaledb.restoring (session and database) and the background worker scheduler of the database."""
    return catalog.rows(conn, "timescaledb/state")[0]


def wait_for_scheduler(conn: psycopg.Connection, seconds: float) -> dict[str, Any]:
    """timescale_state(), polled every half second for up to `seconds` until a scheduler serves the database."""
    deadline = time.monotonic() + seconds
    state = timescale_state(conn)
    while state["schedulers"] < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        state = timescale_state(conn)
    return state


def section(conn: psycopg.Connection, name: str) -> dict[str, str]:
    """One section: name -> detail of each row include/sql/<name>.sql lists (in verify_session's settings)."""
    return {row["name"]: row["detail"] or "" for row in catalog.rows(conn, name)}
