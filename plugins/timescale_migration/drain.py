"""Draining the source for the downtime: no new sessions from application roles, an exact record of what was
revoked so that `release` can grant it back, and waiting for (or ending) the sessions still open.

Connections are blocked with database CONNECT privileges, the one mechanism a DBA can undo from SQL: CONNECT
is revoked from PUBLIC and from every role holding it, except the migration's own login, which is granted it
explicitly if needed. Superusers connect whatever the ACL says; their sessions are listed, not blocked.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import catalog, sql, workdir
from timescale_migration.constants import APPLICATION_NAME

PUBLIC = "PUBLIC"


@dataclass
class BlockRecord:
    """What a drain changed on one database, enough to undo it exactly."""

    database: str
    migrator: str
    revoked: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    superusers: list[str] = field(default_factory=list)
    run_id: str = ""
    at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


def record_path(work_dir: str | None, conn_id: str, database: str) -> Path:
    """Where the block record of one source database is kept (outside any run directory)."""
    base = workdir.base_dir(work_dir) / "blocks"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    return base / f"{workdir.unique_name(conn_id)}__{workdir.unique_name(database)}.json"


def load_record(path: Path) -> BlockRecord | None:
    """The recorded block, if this source is blocked."""
    if not path.is_file():
        return None
    return BlockRecord(**json.loads(path.read_text(encoding="utf-8")))


def save_record(path: Path, record: BlockRecord) -> None:
    """Persist the record (mode 0600) before anything is revoked."""
    fd = os.open(path.with_suffix(".partial"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record.to_dict(), f)
    path.with_suffix(".partial").replace(path)


def plan_block(conn: psycopg.Connection, database: str, migrator: str, run_id: str) -> BlockRecord:
    """Who holds CONNECT now, and what the block will revoke and grant."""
    grantees = catalog.rows(conn, "database_connect_grantees")
    me = catalog.server_info(conn)
    names = [g["grantee"] for g in grantees]
    return BlockRecord(
        database=database,
        migrator=migrator,
        revoked=[n for n in names if n != migrator],
        granted=[] if migrator in names or me.is_superuser else [migrator],
        superusers=[g["grantee"] for g in grantees if g["is_superuser"] and g["grantee"] != migrator],
        run_id=run_id,
        at=time.time(),
    )


def apply_block(conn: psycopg.Connection, record: BlockRecord) -> None:
    """Grant the migrator first, then revoke everyone else (idempotent: revoking twice is harmless)."""
    for role in record.granted:
        catalog.run(conn, sql.compose("grant_connect", database=record.database, role=role))
    for role in record.revoked:
        if role == PUBLIC:
            catalog.run(conn, sql.compose("revoke_connect_public", database=record.database))
        else:
            catalog.run(conn, sql.compose("revoke_connect", database=record.database, role=role))


def release(conn: psycopg.Connection, record: BlockRecord) -> None:
    """Grant back exactly what the block revoked; revoke what it granted."""
    for role in record.revoked:
        if role == PUBLIC:
            catalog.run(conn, sql.compose("grant_connect_public", database=record.database))
        else:
            catalog.run(conn, sql.compose("grant_connect", database=record.database, role=role))
    for role in record.granted:
        catalog.run(conn, sql.compose("revoke_connect", database=record.database, role=role))


def other_sessions(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Client sessions on the database other than the migration's own."""
    return [s for s in catalog.client_sessions(conn) if s["application_name"] != APPLICATION_NAME]


def wait_for_sessions(conn: psycopg.Connection, timeout: float, *, terminate: bool, log: Any) -> list[dict[str, Any]]:
    """Wait up to `timeout` seconds for other sessions to end; then end them if `terminate`. Returns those left."""
    deadline = time.monotonic() + timeout
    sessions = other_sessions(conn)
    while sessions and time.monotonic() < deadline:
        log.info("waiting for %d session(s) to close: %s", len(sessions), describe(sessions))
        time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))
        sessions = other_sessions(conn)
    if sessions and terminate:
        log.warning("terminating %d session(s) still open: %s", len(sessions), describe(sessions))
        for session in sessions:
            catalog.rows(conn, "terminate_session", {"pid": session["pid"]})
        for _ in range(20):
            sessions = other_sessions(conn)
            if not sessions:
                break
            time.sleep(0.25)
    return sessions


def describe(sessions: list[dict[str, Any]]) -> str:
    """pid, user and application of each session, for logs and errors."""
    return ", ".join(f"pid {s['pid']} {s['user_name']} ({s['application_name'] or 'no application'})"
                     for s in sessions[:20])
