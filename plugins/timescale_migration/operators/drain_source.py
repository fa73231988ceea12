"""drain_source: after the approval, drain the source: block new sessions of application roles, wait for the
open ones (ending them if the run says so). What was revoked is recorded on the source server itself, in the same
transaction, so that release_source (on any worker, after any number of runs) undoes it.

The wait is deferred: the task blocks and records in a worker, then hands the wait to SessionsClosedTrigger in
Airflow's triggerer (triggers.py) and holds no worker until it fires. A retry blocks again (the record is kept as
it was) and waits again.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
from airflow.sdk import Context

from timescale_migration import settings
from timescale_migration.db import drain
from timescale_migration.exceptions import ConnectionConfigError, MigrationError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.triggers import SessionsClosedTrigger

DEFER_MARGIN_S = 120
"""The deferral's own timeout beyond drain_timeout: the trigger fires at drain_timeout; this only ends a lost one."""


class DrainSourceOperator(MigrationOperator):
    """Revoke CONNECT on the source database from everyone but the migration's login; wait for sessions."""

    def execute(self, context: Context) -> dict[str, Any]:
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
                f"({settings.BLOCK_RECORD_DATABASE.name} names another); nothing was revoked"
            ) from err
        record = outcome.record
        self._log_outcome(outcome, where)
        if record.superusers:
            self.log.warning("superusers connect whatever the block says: %s", ", ".join(record.superusers))
        result = {
            "drained": True,
            "record": where,
            "action": outcome.action,
            "blocked_by_run": record.run_id,
            "revoked": record.revoked,
            "granted": record.granted,
            "restore_sql": record.restore_sql,
        }
        with source.connect() as conn:
            sessions = drain.other_sessions(conn)
        if sessions and opts.drain_timeout > 0:
            self.log.info(
                "waiting up to %ds for %d session(s) to close, deferred (no worker held): %s",
                opts.drain_timeout,
                len(sessions),
                drain.describe(sessions),
            )
            handback = {"result": result, "started": self._phase_started}
            self.defer(
                trigger=SessionsClosedTrigger(
                    source.conn_id, source.database_override, time.time() + opts.drain_timeout, handback=handback
                ),
                method_name="finish_drain",
                timeout=timedelta(seconds=opts.drain_timeout + DEFER_MARGIN_S),
            )
        return self._end_sessions(context, result, waited=bool(sessions))

    def finish_drain(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Back from SessionsClosedTrigger: done if the sessions closed, else end them or fail naming them."""
        handback = event["handback"]
        if handback.get("started") is not None:
            self._phase_started = handback["started"]  # the phase's span includes the wait
        return self._end_sessions(context, handback["result"], waited=event["status"] != "closed")

    def _end_sessions(self, context: Context, result: dict[str, Any], *, waited: bool) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, _ = self.endpoints(context)
        if waited:
            with source.connect() as conn:
                left = drain.wait_for_sessions(conn, 0, terminate=opts.terminate_sessions, log=self.log)
            if left:
                raise MigrationError(
                    f"{len(left)} session(s) still open on {source.label} after {opts.drain_timeout}s: "
                    f"{drain.describe(left)}. Close them (or set terminate_sessions=true) and clear drain_source; "
                    "the source stays blocked until then (release it with the release_source DAG to give up)"
                )
        self.log.info("the source is drained: no other session is open")
        return result

    def _log_outcome(self, outcome: drain.BlockOutcome, where: str) -> None:
        """Say what the block record holds and how a DBA undoes it."""
        record = outcome.record
        if outcome.action == "kept":
            self.log.info("the source was already blocked by an earlier run: that record is kept as it was")
        elif outcome.action == "extended":
            self.log.warning(
                "the source was already blocked by an earlier run: that record is kept, and these "
                "roles, which hold CONNECT again since, are blocked and added to it: %s",
                ", ".join(outcome.added),
            )
        elif outcome.action == "replaced" and outcome.stale is not None:
            self.log.warning(
                "an unreleased record described a database of that name that was dropped since "
                "(oid %s); it is replaced: %s",
                outcome.stale.database_oid,
                outcome.stale.describe(),
            )
        self.log.info(
            "new sessions blocked: %s. Record: %s. The release_source DAG gives it back. By hand: run "
            "these statements in any database of that server\n%s\nthen, in the records database:\n%s",
            record.describe(),
            where,
            record.restore_sql or "(nothing to restore)",
            drain.mark_released_by_hand(record.database),
        )
