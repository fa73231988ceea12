"""drain_source: after the approval, drain the source: block new sessions of application roles, wait for the
open ones (ending them if the run says so). What was revoked is recorded on the source server itself, in the same
transaction, so that release_source (on any worker, after any number of runs) undoes it.
"""

from __future__ import annotations

from typing import Any

import psycopg

from timescale_migration.constants import BLOCK_RECORD_DATABASE_ENV
from timescale_migration.db import drain
from timescale_migration.exceptions import ConnectionConfigError, MigrationError
from timescale_migration.operators.base import MigrationOperator


class DrainSourceOperator(MigrationOperator):
    """Revoke CONNECT on the source database from everyone but the migration's login; wait for sessions."""

    default_retries = 1

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, _ = self.endpoints(context)
        if not opts.drain:
            self.log.info("drain=false: the source is not blocked; make sure applications are offline")
            return {"drained": False}
        records, where = drain.records_place(source.label)
        drain.refuse_record_database(source.database)
        run = self.run_key(context)
        try:
            with source.connect(records) as conn:
                try:
                    writable = drain.ensure_record_table(conn)
                except psycopg.errors.InsufficientPrivilege as err:
                    raise MigrationError(drain.unwritable_message(where, conn.info.user, present=False)) from err
                if not writable:
                    raise MigrationError(drain.unwritable_message(where, conn.info.user, present=True))
                try:
                    outcome = drain.block(conn, source.database, run)
                except psycopg.errors.InsufficientPrivilege as err:
                    raise MigrationError(
                        f"cannot block new sessions on {source.label}: {err.diag.message_primary}. Nothing was "
                        "revoked and no record kept. The source login must own the database (or be a superuser); "
                        "or set drain=false and stop the applications yourself"
                    ) from err
        except ConnectionConfigError as err:
            raise MigrationError(
                f"{err}. The drain keeps its record in database {records!r} of the source server "
                f"({BLOCK_RECORD_DATABASE_ENV} names another); nothing was revoked"
            ) from err
        record = outcome.record
        self._log_outcome(outcome, where)
        if record.superusers:
            self.log.warning("superusers connect whatever the block says: %s", ", ".join(record.superusers))
        with source.connect() as conn:
            left = drain.wait_for_sessions(conn, opts.drain_timeout, terminate=opts.terminate_sessions,
                                           log=self.log)
        if left:
            raise MigrationError(
                f"{len(left)} session(s) still open on {source.label} after {opts.drain_timeout}s: "
                f"{drain.describe(left)}. Close them (or set terminate_sessions=true) and clear drain_source; "
                "the source stays blocked until then (release it with the release_source DAG to give up)"
            )
        self.log.info("the source is drained: no other session is open")
        return {"drained": True, "record": where, "action": outcome.action, "blocked_by_run": record.run_id,
                "revoked": record.revoked, "granted": record.granted, "restore_sql": record.restore_sql}

    def _log_outcome(self, outcome: drain.BlockOutcome, where: str) -> None:
        """Say what the block record holds and how a DBA undoes it."""
        record = outcome.record
        if outcome.action == "kept":
            self.log.info("the source was already blocked by an earlier run: that record is kept as it was")
        elif outcome.action == "extended":
            self.log.warning("the source was already blocked by an earlier run: that record is kept, and these "
                             "roles, which hold CONNECT again since, are blocked and added to it: %s",
                             ", ".join(outcome.added))
        elif outcome.action == "replaced" and outcome.stale is not None:
            self.log.warning("an unreleased record described a database of that name that was dropped since "
                             "(oid %s); it is replaced: %s", outcome.stale.database_oid, outcome.stale.describe())
        self.log.info("new sessions blocked: %s. Record: %s. The release_source DAG gives it back. By hand: run "
                      "these statements in any database of that server\n%s\nthen, in the records database:\n%s",
                      record.describe(), where, record.restore_sql or "(nothing to restore)",
                      drain.mark_released_by_hand(record.database))
