"""TimescaleDB's state in one database around a restore: timescaledb.restoring (session and database) and whether a
background worker scheduler serves the database (restore_mode's operators and verify read it)."""

from __future__ import annotations

import time
from typing import Any

import psycopg

from timescale_migration.db import catalog


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
