"""Phase 3b: after the approval, drain the source: block new sessions of application roles, wait for the
open ones (ending them if the run says so). What was revoked is recorded so that release_source undoes it.
"""

from __future__ import annotations

from typing import Any

import psycopg

from timescale_migration import drain
from timescale_migration.exceptions import MigrationError
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
        path = drain.record_path(opts.work_dir, opts.source_conn_id, source.database)
        with source.connect() as conn:
            record = drain.load_record(path)
            if record is None:
                record = drain.plan_block(conn, source.database, conn.info.user, context["ti"].run_id)
                drain.save_record(path, record)
            else:
                self.log.info("source already blocked by run %s: keeping that record", record.run_id)
            try:
                drain.apply_block(conn, record)
            except psycopg.errors.InsufficientPrivilege as err:
                raise MigrationError(
                    f"cannot block new sessions on {source.label}: {err.diag.message_primary}. The source login "
                    "must own the database (or be a superuser); or set drain=false and stop the applications "
                    f"yourself. What was already revoked is recorded in {path}; release_source undoes it"
                ) from err
            self.log.info("new sessions blocked on %s: CONNECT revoked from %s%s; record in %s", source.database,
                          ", ".join(record.revoked) or "nobody",
                          f", granted to {', '.join(record.granted)}" if record.granted else "", path)
            if record.superusers:
                self.log.warning("superusers connect whatever the block says: %s", ", ".join(record.superusers))
            left = drain.wait_for_sessions(conn, opts.drain_timeout, terminate=opts.terminate_sessions,
                                           log=self.log)
        if left:
            raise MigrationError(
                f"{len(left)} session(s) still open on {source.label} after {opts.drain_timeout}s: "
                f"{drain.describe(left)}. Close them (or set terminate_sessions=true) and clear drain_source; "
                "the source stays blocked until then (release it with the release_source DAG to give up)"
            )
        self.log.info("the source is drained: no other session is open")
        return {"drained": True, "record": str(path), "revoked": record.revoked, "granted": record.granted}
