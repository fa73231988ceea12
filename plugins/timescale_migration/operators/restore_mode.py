"""pre_restore and post_restore: timescaledb_pre_restore() before the load, timescaledb_post_restore() after it.

Both are schema-qualified and run in sessions of their own, so the dump's `SET search_path = ''` cannot hide
them (the trap of the documented single psql call). The DAG makes them setup and teardown of the load, so
post_restore runs even when the load fails. For a plain PostgreSQL source both succeed without touching the
target and say so in their log: Airflow skips everything in a setup's scope when the setup is skipped, so a
skipped pre_restore would skip the load too.
"""

from __future__ import annotations

from typing import Any

import psycopg
from airflow.sdk import Context

from timescale_migration.db import catalog, sqlfiles, timescale_state
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.base import MigrationOperator

NOT_NEEDED = "not needed (plain PostgreSQL source)"
SCHEDULER_WAIT_S = 5.0


class _RestoreModeOperator(MigrationOperator):
    function = ""
    """The TimescaleDB function the phase calls."""
    sql_name = ""
    """include/sql's file that calls it."""

    def call(self, context: Context) -> str | None:
        """Call the function on the target; returns the database's timescaledb.restoring afterwards."""
        ts = self.plan(context).timescaledb
        if ts is None:
            self.log.info(
                "SKIPPED: the source is plain PostgreSQL, %s() is not needed; target untouched", self.function
            )
            return NOT_NEEDED
        _, target = self.endpoints(context)
        with target.connect() as conn:
            self.log.info("SELECT %s.%s() on %s", ts.target_schema, self.function, target.label)
            try:
                catalog.run(conn, sqlfiles.compose(self.sql_name, schema=ts.target_schema))
            except psycopg.errors.InsufficientPrivilege as err:
                raise MigrationError(
                    f"{target.label} may not run {self.function}(): {err.diag.message_primary}. On Timescale the "
                    "service's tsdbadmin may; on a self-hosted TimescaleDB target connect as a superuser"
                ) from err
            setting = timescale_state.timescale_state(conn)["database_restoring"]
        self.log.info("timescaledb.restoring on the target database is now %s", setting or "unset")
        return setting


class PreRestoreOperator(_RestoreModeOperator):
    """Put the target in restore mode (timescaledb.restoring = on, background workers stopped)."""

    function = "timescaledb_pre_restore"
    sql_name = "timescaledb/pre_restore"

    def execute(self, context: Context) -> dict[str, Any]:
        return {"restoring": self.call(context)}


class PostRestoreOperator(_RestoreModeOperator):
    """Leave restore mode and make sure a background worker scheduler serves the database again."""

    function = "timescaledb_post_restore"
    sql_name = "timescaledb/post_restore"

    def execute(self, context: Context) -> dict[str, Any]:
        setting = self.call(context)
        if setting == "on":
            raise MigrationError("timescaledb.restoring is still on for the target database after post_restore")
        if setting == NOT_NEEDED:
            return {"restoring": setting}
        _, target = self.endpoints(context)
        with target.connect() as conn:
            schedulers = timescale_state.wait_for_scheduler(conn, SCHEDULER_WAIT_S)["schedulers"]
        if not schedulers:
            # timescaledb#5842 (fixed in 2.26.4): the scheduler post_restore starts can read the database as still
            # restoring and exit; a second call, which any login that made the first may make, starts it again
            self.log.warning("no TimescaleDB scheduler started after post_restore: calling it once more")
            self.call(context)
        with target.connect() as conn:
            schedulers = self.ensure_scheduler(conn)
        return {"restoring": setting, "schedulers": schedulers}

    def ensure_scheduler(self, conn: psycopg.Connection) -> int:
        """Wait for the database's scheduler; restart the workers once if none comes (a TimescaleDB race)."""
        schedulers = timescale_state.wait_for_scheduler(conn, SCHEDULER_WAIT_S)["schedulers"]
        if schedulers:
            self.log.info("TimescaleDB background worker scheduler is running for the target database")
            return schedulers
        rows = catalog.rows(conn, "timescaledb/restart_workers_function")
        if not rows:
            self.log.warning(
                "no TimescaleDB scheduler runs for the target database and restart_background_workers()"
                " was not found: background jobs will not run until the server restarts"
            )
            return 0
        self.log.warning("no TimescaleDB scheduler started after post_restore: restarting background workers")
        try:
            catalog.run(conn, sqlfiles.compose("timescaledb/restart_workers", schema=rows[0]["schema_name"]))
        except psycopg.errors.InsufficientPrivilege as err:
            self.log.warning("cannot restart background workers: %s", err.diag.message_primary)
            return 0
        schedulers = timescale_state.wait_for_scheduler(conn, SCHEDULER_WAIT_S)["schedulers"]
        self.log.info("TimescaleDB schedulers for the target database after the restart: %d", schedulers)
        return schedulers
