"""Creating and dropping whole target databases: a rehearsal's scratch database, a fleet entry's new target.

Statements run from the connection's own database (on Timescale: tsdb), never inside the database they touch.
"""

from __future__ import annotations

from typing import Any

import psycopg

from timescale_migration.constants import REHEARSAL_DATABASE_PREFIX, TIMESCALEDB
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import MigrationError


def exists(server: Endpoint, database: str) -> bool:
    """Whether the server of this endpoint has the database."""
    with server.connect() as conn:
        return bool(catalog.rows(conn, "databases/database_exists", {"name": database})[0]["present"])


def create(server: Endpoint, database: str, log: Any) -> bool:
    """Create the database with TimescaleDB installed when the server offers it; False if it already existed."""
    if exists(server, database):
        return False
    with server.connect() as conn:
        catalog.run(conn, sqlfiles.compose("databases/create_database", database=database))
        log.info("created database %s on %s", database, server.label)
    with server.connect(database) as conn:
        if TIMESCALEDB in catalog.available_extensions(conn):
            catalog.run(conn, sqlfiles.compose("extensions/create_extension", extension=TIMESCALEDB))
            log.info("installed %s in %s, as a Timescale service database has it", TIMESCALEDB, database)
    return True


def drop_scratch(server: Endpoint, database: str, log: Any) -> bool:
    """Drop a rehearsal's scratch database (refused for any other name); False if it was not there."""
    if not database.startswith(REHEARSAL_DATABASE_PREFIX):
        raise MigrationError(
            f"refusing to drop {database!r}: only scratch databases named {REHEARSAL_DATABASE_PREFIX}* are dropped"
        )
    if database == server.database:
        raise MigrationError(f"refusing to drop {database!r}: it is the database of connection {server.conn_id!r}")
    if not exists(server, database):
        return False
    with server.connect() as conn:
        catalog.run(conn, sqlfiles.compose("databases/drop_database_force", database=database))
    log.info("dropped scratch database %s on %s", database, server.label)
    return True


def load_claims(conn: psycopg.Connection) -> list[str]:
    """The runs that claimed this database for a load or a staging (none for a database no load touched)."""
    if not catalog.rows(conn, "copy/load_claim_present")[0]["present"]:
        return []
    return [r["run"] for r in catalog.rows(conn, "copy/load_claims")]
