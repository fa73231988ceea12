"""Undo a drain: grant CONNECT back exactly as it was before the block (a run rolled back or abandoned)."""

from __future__ import annotations

from typing import Any

from timescale_migration import drain, ledger, workdir
from timescale_migration.operators.base import MigrationOperator


class ReleaseSourceOperator(MigrationOperator):
    """Give the source database back to its applications; nothing to do when it is not blocked."""

    default_retries = 2

    def __init__(self, *, forget_migration: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.forget_migration = forget_migration

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        if self.forget_migration and ledger.remove(opts.work_dir, opts.target_conn_id, target.database):
            self.log.info("rolled back: %s is no longer recorded as migrated (migrate_fleet would redo it)",
                          target.label)
        path = drain.record_path(opts.work_dir, opts.source_conn_id, source.database)
        record = drain.load_record(path)
        if record is None:
            self.log.info("%s is not blocked by a migration (no record at %s): nothing to release", source.label, path)
            return {"released": False}
        with source.connect() as conn:
            drain.release(conn, record)
        workdir.remove(path)
        self.log.info("released %s: CONNECT granted back to %s%s", source.label, ", ".join(record.revoked) or "nobody",
                      f", revoked from {', '.join(record.granted)}" if record.granted else "")
        return {"released": True, "revoked_by_run": record.run_id, "restored": record.revoked}
