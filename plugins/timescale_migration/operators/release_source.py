"""Undo a drain: grant CONNECT back exactly as it was before the block (a run rolled back or abandoned), from the
record kept on the source server, whichever run, worker or connection id blocked it."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration import phases, settings, workdir
from timescale_migration.db import drain
from timescale_migration.exceptions import ConnectionConfigError, MigrationError
from timescale_migration.fleet import ledger
from timescale_migration.operators.base import MigrationOperator


class ReleaseSourceOperator(MigrationOperator):
    """Give the source database back to its applications; refuse when no record says what to give back."""

    def __init__(self, *, forget_migration: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.forget_migration = forget_migration

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        if self.forget_migration and ledger.remove(opts.work_dir, opts.target_conn_id, target.database):
            self.log.info(
                "rolled back: %s is no longer recorded as migrated (migrate_fleet would redo it)", target.label
            )
        if self.forget_migration and not opts.drain:
            self.log.info("this run did not drain the source (drain=false or a rehearsal): nothing to release")
            return {"released": False}
        records, where = drain.records_place(source.label)
        run = self.run_key(context)
        first = (
            (context["ti"].xcom_pull(task_ids=phases.DRAIN_SOURCE) or {}).get("blocked_by_run")
            if self.forget_migration
            else None
        )
        if first and first != run:
            self.log.warning(
                "rolled back, but %s was already blocked before this run, by %s (record in %s): it "
                "stays blocked as it was. Trigger the release_source DAG to give it back to its "
                "applications",
                source.label,
                first,
                where,
            )
            return {"released": False, "blocked_by_run": first}
        try:
            with source.connect(records) as conn:
                record, released, gone = drain.release(conn, source.database, run)
                if record is None:
                    return self._release_legacy(conn, opts, source, where)
        except ConnectionConfigError as err:
            raise ConnectionConfigError(
                f"{err}. The block record is kept in database {records!r} of the source server "
                f"({settings.BLOCK_RECORD_DATABASE.name} names another): the login must be able to connect to it"
            ) from err
        if not released:
            self.log.info(
                "%s was already released by %s (%s): CONNECT is as that record found it; nothing to do",
                source.label,
                record.released_by,
                record.describe(),
            )
            return {"released": False, "released_by": record.released_by, "revoked_by_run": record.run_id}
        if gone:
            self.log.warning("roles dropped since the block, nothing to give back to them: %s", ", ".join(gone))
        self.log.info(
            "released %s from the record in %s: %s. CONNECT granted back to %s%s",
            source.label,
            where,
            record.describe(),
            ", ".join(record.revoked) or "nobody",
            f", revoked from {', '.join(record.granted)}" if record.granted else "",
        )
        return {"released": True, "revoked_by_run": record.run_id, "restored": record.revoked}

    def _release_legacy(self, conn: Any, opts: Any, source: Any, where: str) -> dict[str, Any]:
        """A block recorded by an earlier version in <work_dir>/blocks/; else refuse, saying where we looked."""
        path = drain.legacy_record_path(opts.work_dir, opts.source_conn_id, source.database)
        record = drain.load_legacy_record(path)
        if record is None:
            raise MigrationError(
                f"no block record for {source.label}: none in {where} (nor an older one at {path}). Nothing was "
                "granted. If the source was drained, its record is kept by the drain in the source server's "
                f"database named by {settings.BLOCK_RECORD_DATABASE.name} (default postgres): check that workers use "
                "the same value, and that source_database names the database that was drained. A database that was "
                "never drained needs no release"
            )
        drain.apply_release(conn, record)
        workdir.remove(path)
        self.log.info(
            "released %s from an older version's record %s: CONNECT granted back to %s",
            source.label,
            path,
            ", ".join(record.revoked) or "nobody",
        )
        return {"released": True, "revoked_by_run": record.run_id, "restored": record.revoked}
