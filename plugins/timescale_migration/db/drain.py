"""Draining the source for the downtime: no new sessions from application roles, an exact record of what was
revoked so that `release` can grant it back, and waiting for (or ending) the sessions still open.

Connections are blocked with database CONNECT privileges, the one mechanism a DBA can undo from SQL: CONNECT
is revoked from PUBLIC and from every role holding it, except the migration's own login, which is granted it
explicitly if needed. Superusers connect whatever the ACL says; their sessions are listed, not blocked.

The record lives on the source server itself, in table `timescale_migration.connect_blocks` of a database that is
never migrated (`postgres`, or $TSM_BLOCK_RECORD_DATABASE), one row per database name. It is written in the same
transaction as the REVOKEs (a block without its record cannot exist), read by every worker and by a DBA with
psql, and it travels with the ACL it describes (a restored backup of the server has both). A second drain of a
database that is still blocked keeps the earliest record and only adds roles that hold CONNECT again.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration import settings, workdir
from timescale_migration.constants import (
    APPLICATION_NAME,
    BLOCK_RECORD_TABLE,
)
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.exceptions import MigrationError

PUBLIC = "PUBLIC"


@dataclass
class BlockRecord:
    """What drains changed on one database, enough to undo it exactly."""

    database: str
    migrator: str
    revoked: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    superusers: list[str] = field(default_factory=list)
    run_id: str = ""
    at: float = 0.0
    database_oid: int = 0
    runs: list[str] = field(default_factory=list)
    restore_sql: str = ""
    released_at: float | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        """True while the block is in force (not yet released)."""
        return self.released_at is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)

    def describe(self) -> str:
        """The record in words a DBA can act on."""
        when = datetime.fromtimestamp(self.at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if self.at else "?"
        given = f" and given to {', '.join(self.granted)}" if self.granted else ""
        text = (
            f"CONNECT on database {self.database!r} was taken from {', '.join(self.revoked) or 'nobody'}{given}"
            f" by run {self.run_id} at {when}"
        )
        if len(self.runs) > 1:
            text += f" (re-applied by {len(self.runs) - 1} later run(s): {', '.join(self.runs[1:])})"
        return text


@dataclass(frozen=True)
class BlockOutcome:
    """What one drain did to the record: `new`, `kept` (the earlier record as it was), `extended` (roles that
    held CONNECT again were added) or `replaced` (the record described a dropped database of that name)."""

    record: BlockRecord
    action: str
    added: list[str] = field(default_factory=list)
    stale: BlockRecord | None = None


def record_database() -> str:
    """The database of the source server that holds the block records."""
    return settings.block_record_database()


def records_place(source_label: str) -> tuple[str, str]:
    """The database of the source server that holds the block records, and how messages name the table there."""
    records = record_database()
    return records, f"{BLOCK_RECORD_TABLE} in database {records!r} of {source_label}"


def refuse_record_database(source_database: str) -> None:
    """The database that holds the records cannot be drained and migrated (its records would travel along)."""
    records = record_database()
    if source_database == records:
        raise MigrationError(
            f"the source database {records!r} is where the drain keeps its block records: set "
            f"{settings.BLOCK_RECORD_DATABASE.name} on every worker to another database of that server (one that is "
            "not migrated), or set drain=false and keep the applications away yourself. Nothing was revoked"
        )


def mark_released_by_hand(database: str) -> str:
    """The statement a DBA runs in the records database after undoing a block by hand."""
    return sqlfiles.command("drain/mark_block_released_by_hand", database_name=pgsql.Literal(database))


def unwritable_message(where: str, login: str, *, present: bool) -> str:
    """Why the login cannot keep the block record, and the statements a superuser runs once to allow it."""
    records = record_database()
    user = pgsql.Identifier(login).as_string(None)
    if present:
        return (
            f"cannot keep the block record in {where}: login {login} may not write that table. Nothing was "
            f"revoked. A superuser can allow it (in database {records!r}): GRANT USAGE ON SCHEMA "
            f"timescale_migration TO {user}; GRANT SELECT, INSERT, UPDATE ON {BLOCK_RECORD_TABLE} TO {user}; "
            "or set drain=false"
        )
    return (
        f"cannot keep the block record in {where}: login {login} may not create schema timescale_migration "
        f"there. Nothing was revoked. A superuser can prepare it once (in database {records!r}): CREATE SCHEMA "
        f"timescale_migration AUTHORIZATION {user}; or set {settings.BLOCK_RECORD_DATABASE.name} to a database of "
        "that server where the login may create a schema; or set drain=false"
    )


def can_keep_records(conn: psycopg.Connection) -> tuple[bool, bool]:
    """(present, writable): whether the records' table exists here and the login may write it (or create it)."""
    state = catalog.rows(conn, "drain/block_records_exist")[0]
    return bool(state["present"]), bool(state["writable"])


def restore_sql(record: BlockRecord) -> str:
    """The statements that undo the block, as a DBA would type them."""
    return "\n".join(_command(record, "grant", role) for role in record.revoked) + "".join(
        "\n" + _command(record, "revoke", role) for role in record.granted
    )


CONNECT_COMMANDS = {
    ("grant", True): "drain/grant_connect_public",
    ("grant", False): "drain/grant_connect",
    ("revoke", True): "drain/revoke_connect_public",
    ("revoke", False): "drain/revoke_connect",
}
"""(verb, to PUBLIC?) -> the file of the GRANT/REVOKE CONNECT statement."""


def _command(record: BlockRecord, verb: str, role: str) -> str:
    values = {"database": record.database} if role == PUBLIC else {"database": record.database, "role": role}
    return sqlfiles.command(CONNECT_COMMANDS[verb, role == PUBLIC], **values)


def plan_block(
    grantees: list[dict[str, Any]], database: str, oid: int, migrator: str, *, superuser: bool, run_id: str
) -> BlockRecord:
    """Who holds CONNECT now, and what a new block will revoke and grant."""
    names = [g["grantee"] for g in grantees]
    record = BlockRecord(
        database=database,
        migrator=migrator,
        revoked=[n for n in names if n != migrator],
        granted=[] if migrator in names or superuser else [migrator],
        superusers=[g["grantee"] for g in grantees if g["is_superuser"] and g["grantee"] != migrator],
        run_id=run_id,
        at=time.time(),
        database_oid=oid,
        runs=[run_id],
    )
    record.restore_sql = restore_sql(record)
    return record


def extend_block(
    record: BlockRecord, grantees: list[dict[str, Any]], migrator: str, *, superuser: bool, run_id: str
) -> tuple[BlockRecord, list[str]]:
    """The earlier record kept, plus roles holding CONNECT now that it does not name (granted since), so that
    they are blocked too and get it back at release. Returns the record and the roles added."""
    names = [g["grantee"] for g in grantees]
    kept_in = {migrator, record.migrator}  # the logins of this and of the first run keep CONNECT, as then
    added = [n for n in names if n not in record.revoked and n not in record.granted and n not in kept_in]
    grant_me = (
        not superuser and migrator not in names and migrator not in record.revoked and migrator not in record.granted
    )
    extended = replace(
        record,
        revoked=[*record.revoked, *added],
        granted=[*record.granted, *([migrator] if grant_me else [])],
        superusers=[
            *record.superusers,
            *(
                g["grantee"]
                for g in grantees
                if g["is_superuser"] and g["grantee"] not in record.superusers and g["grantee"] != migrator
            ),
        ],
        runs=record.runs if run_id in record.runs else [*record.runs, run_id],
    )
    extended.restore_sql = restore_sql(extended)
    return extended, added + (["(granted) " + migrator] if grant_me else [])


def ensure_record_table(conn: psycopg.Connection) -> bool:
    """Create the records' schema and table in this database if absent (once per server); True if the login
    may write them (a permission error if it may not create them)."""
    for attempt in range(2):
        state = catalog.rows(conn, "drain/block_records_exist")[0]
        if state["present"]:
            return bool(state["writable"])
        try:
            with conn.transaction():
                catalog.run(conn, sqlfiles.query("drain/create_block_record_schema"))
                catalog.run(conn, sqlfiles.query("drain/create_block_record_table"))
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateObject):
            if attempt:  # another drain created it at the same moment
                raise
    return bool(catalog.rows(conn, "drain/block_records_exist")[0]["writable"])


def read_record(conn: psycopg.Connection, database: str) -> BlockRecord | None:
    """The block record of `database` kept on this server (released or not), or None."""
    if not catalog.rows(conn, "drain/block_records_exist")[0]["present"]:
        return None
    found = catalog.rows(conn, "drain/block_record", {"database": database})
    if not found:
        return None
    row = found[0]
    return BlockRecord(
        database=row["database_name"],
        migrator=row["migrator"],
        revoked=list(row["revoked"]),
        granted=list(row["granted"]),
        superusers=list(row["superusers"]),
        run_id=row["first_run"],
        at=row["blocked_at"],
        database_oid=row["database_oid"],
        runs=list(row["runs"]),
        restore_sql=row["restore_sql"],
        released_at=row["released_at"],
        released_by=row["released_by"],
    )


def database_oid(conn: psycopg.Connection, database: str) -> int | None:
    """The oid of `database` on this server, None if it does not exist."""
    found = catalog.rows(conn, "databases/database_oid", {"database": database})
    return found[0]["oid"] if found else None


def _save(conn: psycopg.Connection, record: BlockRecord) -> None:
    catalog.run(
        conn,
        sqlfiles.query("drain/save_block_record"),
        {
            "database_name": record.database,
            "database_oid": record.database_oid,
            "revoked": record.revoked,
            "granted": record.granted,
            "superusers": record.superusers,
            "migrator": record.migrator,
            "first_run": record.run_id,
            "runs": record.runs,
            "blocked_at": record.at,
            "restore_sql": record.restore_sql,
        },
    )


def block(conn: psycopg.Connection, database: str, run_id: str) -> BlockOutcome:
    """In one transaction on the record database: write (or keep) the record, then grant the migrator and
    revoke everyone else. Either both happen or neither does."""
    migrator = conn.info.user
    superuser = catalog.server_info(conn).is_superuser
    with conn.transaction():
        catalog.rows(conn, "drain/lock_block_record", {"database": database})
        oid = database_oid(conn, database)
        if oid is None:
            raise MigrationError(f"database {database!r} does not exist on the source server")
        grantees = catalog.rows(conn, "drain/database_connect_grantees", {"database": database})
        earlier = read_record(conn, database)
        if earlier is not None and earlier.active and earlier.database_oid == oid:
            record, added = extend_block(earlier, grantees, migrator, superuser=superuser, run_id=run_id)
            outcome = BlockOutcome(record, "extended" if added else "kept", added)
        else:
            record = plan_block(grantees, database, oid, migrator, superuser=superuser, run_id=run_id)
            stale = earlier if earlier is not None and earlier.active else None
            outcome = BlockOutcome(record, "replaced" if stale else "new", stale=stale)
        if outcome.action != "kept" or run_id not in (earlier.runs if earlier else []):
            _save(conn, record)
        names = {g["grantee"] for g in grantees}
        if not superuser and migrator not in names:
            catalog.run(conn, sqlfiles.compose("drain/grant_connect", database=database, role=migrator))
        present = existing_roles(conn, record.revoked)
        for role in record.revoked:
            if role == PUBLIC:
                catalog.run(conn, sqlfiles.compose("drain/revoke_connect_public", database=database))
            elif role != migrator and role in present:
                catalog.run(conn, sqlfiles.compose("drain/revoke_connect", database=database, role=role))
    return outcome


def existing_roles(conn: psycopg.Connection, names: list[str]) -> set[str]:
    """Those of `names` that are roles on this server now (PUBLIC always counts)."""
    asked = {"names": [n for n in names if n != PUBLIC]}
    found = {row["rolname"] for row in catalog.rows(conn, "roles/existing_roles", asked)}
    return found | ({PUBLIC} if PUBLIC in names else set())


def release(conn: psycopg.Connection, database: str, run_id: str) -> tuple[BlockRecord | None, bool, list[str]]:
    """In one transaction on the record database: grant back what the record revoked, revoke what it granted,
    mark it released. Returns (record, released now, roles dropped since); (None, False, []) without a record."""
    with conn.transaction():
        if catalog.rows(conn, "drain/block_records_exist")[0]["present"]:
            catalog.rows(conn, "drain/lock_block_record", {"database": database})
        record = read_record(conn, database)
        if record is None or not record.active:
            return record, False, []
        oid = database_oid(conn, database)
        if oid != record.database_oid:
            now = "it does not exist now" if oid is None else f"the database of that name now has oid {oid}"
            raise MigrationError(
                f"the block record of database {database!r} describes a database (oid {record.database_oid}) that "
                f"was dropped since; {now}, and no drain changed its privileges. Nothing was granted. Look at the "
                f"row in {BLOCK_RECORD_TABLE} and delete it by hand once you are sure"
            )
        gone = apply_release(conn, record)
        catalog.run(conn, sqlfiles.query("drain/mark_block_released"), {"database": database, "run": run_id})
    return record, True, gone


def apply_release(conn: psycopg.Connection, record: BlockRecord) -> list[str]:
    """Grant back exactly what the block revoked; revoke what it granted. Returns the roles that no longer exist
    (dropped since the block: nothing to give back to them)."""
    present = existing_roles(conn, record.revoked + record.granted)
    for role in record.revoked:
        if role == PUBLIC:
            catalog.run(conn, sqlfiles.compose("drain/grant_connect_public", database=record.database))
        elif role in present:
            catalog.run(conn, sqlfiles.compose("drain/grant_connect", database=record.database, role=role))
    for role in record.granted:
        if role in present:
            catalog.run(conn, sqlfiles.compose("drain/revoke_connect", database=record.database, role=role))
    return [role for role in record.revoked + record.granted if role not in present]


def legacy_record_path(work_dir: str | None, conn_id: str, database: str) -> Path:
    """Where versions before the server-side record kept it: <work_dir>/blocks/, keyed by connection id."""
    name = f"{workdir.unique_name(conn_id)}__{workdir.unique_name(database)}.json"
    return workdir.base_dir(work_dir) / "blocks" / name


def load_legacy_record(path: Path) -> BlockRecord | None:
    """A record left by an earlier version in the work directory, if any."""
    if not path.is_file():
        return None
    return BlockRecord(**json.loads(path.read_text(encoding="utf-8")))


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
            catalog.rows(conn, "drain/terminate_session", {"pid": session["pid"]})
        for _ in range(20):
            sessions = other_sessions(conn)
            if not sessions:
                break
            time.sleep(0.25)
    return sessions


def describe(sessions: list[dict[str, Any]]) -> str:
    """pid, user and application of each session, for logs and errors."""
    return ", ".join(
        f"pid {s['pid']} {s['user_name']} ({s['application_name'] or 'no application'})" for s in sessions[:20]
    )
