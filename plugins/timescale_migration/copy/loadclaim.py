"""The load's claim on its target database: written into the target before the first object is loaded, dropped
when the load succeeded. A retry (or a cleared `load`) of the same run that finds its own claim empties what its
earlier attempt left and loads again; a database the run did not claim is never emptied.

On Timescale the target is the service's one database and cannot be dropped: this is how a failed load is
retried without a person dropping anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog, databases, sqlfiles
from timescale_migration.exceptions import MigrationError, TargetNotEmptyError

Connect = Callable[[], AbstractContextManager[Any]]
"""Opens a new session on the target."""

CLAIM_SCHEMA = "_timescale_migration_claim"
"""The claim's schema in the target (never a source's object; the emptiness checks leave it out)."""


def claim(conn: psycopg.Connection, run: str) -> None:
    """Claim the (checked empty) database for this run's load, before the first object is created."""
    for name in ("copy/load_claim_schema", "copy/load_claim_table"):
        catalog.run(conn, sqlfiles.query(name))
    catalog.run(conn, sqlfiles.query("copy/load_claim_insert"), {"run": run})


def release(conn: psycopg.Connection) -> None:
    """Drop the claim: the load succeeded."""
    catalog.run(conn, sqlfiles.query("copy/load_claim_drop"))


def prepare(
    conn: psycopg.Connection, run: str, label: str, log: Any, connect: Connect, *, staged: bool = False
) -> bool:
    """Make the target ready for this run's load: claim an empty database, or empty what this run's earlier
    attempt left (True); refuse a database that holds objects no attempt of this run loaded. `connect` opens a
    new session on the target (TimescaleDB can be created again only as a session's first command). `staged`:
    this run's stage_schema left its schema there for this load, which keeps it (False)."""
    present = catalog.user_objects(conn)
    owners = databases.load_claims(conn)
    if staged and present and owners == [run]:
        log.info("%s holds the schema this run staged before the gate (%d object(s)): kept", label, len(present))
        return False
    if present and owners != [run]:
        whose = f"; the load of run {', '.join(owners)} left them" if owners else "; no load of this run created them"
        raise TargetNotEmptyError(
            f"{label} already holds {', '.join(present[:10])}{whose}. Loading again would duplicate or fail: "
            "drop and recreate the target database, then clear the check_versions task to run the migration again"
        )
    if present:
        log.warning(
            "%s holds what an earlier attempt of this run's load left (%s%s): emptying it to load again",
            label,
            ", ".join(present[:10]),
            " and more" if len(present) > 10 else "",
        )
        empty(conn, log, connect)
        if left := catalog.user_objects(conn):
            raise MigrationError(
                f"{label} could not be emptied for a new load attempt; still there: "
                f"{', '.join(left[:10])}. Drop and recreate the target database"
            )
        return True
    release(conn)  # a claim without objects (an attempt that failed before its first object) is stale
    claim(conn, run)
    return False


def empty(conn: psycopg.Connection, log: Any, connect: Connect) -> None:
    """Drop what a load created: TimescaleDB (with its catalog and chunks) first, then every user relation,
    routine, type, schema and large object (include/sql/databases/empty_loaded_database.sql); TimescaleDB created again
    where and as it was."""
    timescale = catalog.installed_extensions(conn).get(TIMESCALEDB)
    if timescale is not None:
        catalog.run(conn, sqlfiles.compose("extensions/drop_extension_cascade", extension=TIMESCALEDB))
    catalog.run(conn, sqlfiles.query("databases/empty_loaded_database"))
    if timescale is not None:
        with connect() as fresh:
            catalog.run(
                fresh,
                sqlfiles.compose(
                    "extensions/create_extension_in_schema",
                    extension=TIMESCALEDB,
                    schema=timescale["schema"],
                    version=pgsql.Literal(timescale["version"]),
                ),
            )
        log.info("TimescaleDB %s created again in schema %s", timescale["version"], timescale["schema"])


@contextmanager
def load_lock(target: Any) -> Iterator[psycopg.Connection]:
    """A session holding the target's load lock (one load or staging per target database at a time)."""
    with target.connect() as lock:
        if not catalog.rows(lock, "databases/advisory_lock_target")[0]["locked"]:
            holder = catalog.rows(lock, "drain/lock_holder")
            raise MigrationError(
                f"another migration is loading into {target.label} right now"
                + (f" (session pid {holder[0]['pid']} of {holder[0]['user_name']})" if holder else "")
                + ": wait for it to finish; this run cannot load into the same database"
            )
        yield lock


@contextmanager
def claimed(target: Any, run: str, log: Any, *, staged: bool = False) -> Iterator[bool]:
    """Hold the target's load lock, claim the empty target (or empty what this run's earlier attempt left, or keep
    the schema this run staged: True), and drop the claim when the block succeeds. The lock goes with its
    session: one load per target database."""
    with load_lock(target) as lock:
        emptied = prepare(lock, run, target.label, log, target.connect, staged=staged)
        yield staged and not emptied and bool(catalog.user_objects(lock))
        release(lock)
