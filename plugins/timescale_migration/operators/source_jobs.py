"""Around the dump: pause TimescaleDB's background jobs on the source (compression, retention and refresh
jobs take locks that block or deadlock pg_dump, and would change the source before verification), and resume
them afterwards, also when the run fails (the DAG makes the pair a setup and a teardown).

The dump carries the pause to the target; `verify` schedules those jobs again there once the target is proven,
and compares every job with the record of the source's jobs as they were before the pause.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.db import catalog, timescale_features
from timescale_migration.db.timescale_features import PAUSE_RECORD, PauseRecord
from timescale_migration.operators.base import MigrationOperator

PAUSED_FILE = PAUSE_RECORD


class PauseSourceJobsOperator(MigrationOperator):
    """Record every user job of a TimescaleDB source, then alter_job(id, scheduled => false) the scheduled ones."""

    def execute(self, context: Context) -> dict[str, Any]:
        ts = self.plan(context).timescaledb
        if ts is None:
            self.log.info("SKIPPED: the source is plain PostgreSQL: it has no TimescaleDB jobs to pause")
            return {"paused": []}
        if self.migration_options(context).rehearsal:
            self.log.info("SKIPPED: a rehearsal leaves the source's jobs alone (it changes nothing on the source)")
            return {"paused": []}
        path = self.run_dir(context) / PAUSED_FILE
        source, _ = self.endpoints(context)
        with source.connect() as conn:
            record = PauseRecord.read(path)
            if record is None:  # a retry keeps the first record: the jobs as they were before any pause
                record = self._record(conn)
                record.write(path)
            jobs = catalog.rows(conn, "timescaledb/user_jobs")
            timescale_features.alter_jobs(conn, ts.source_schema, record.paused, scheduled=False)
        if record.reason:
            self.log.info("%d user job(s) on the source, none paused: %s", len(jobs), record.reason)
        self.log.info(
            "paused %d of %d user job(s) on the source: %s",
            len(record.paused),
            len(jobs),
            ", ".join(f"{j['id']} {j['proc']}" for j in jobs if j["id"] in record.paused) or "none",
        )
        return {"paused": record.paused, "jobs": len(record.before)}

    def _record(self, conn: Any) -> PauseRecord:
        """The jobs' settings before the pause, and which to pause (none on a build that cannot run them)."""
        before = timescale_features.jobs_section(conn)
        build = timescale_features.features(conn)
        if not build.community:
            return PauseRecord(
                [],
                before,
                f"the source runs the {build.license or 'unknown'} build of "
                "TimescaleDB, which runs no policy or custom job (they cannot lock the dump), "
                "and has no alter_job to pause them with",
            )
        paused = [job["id"] for job in catalog.rows(conn, "timescaledb/user_jobs") if job["scheduled"]]
        return PauseRecord(paused, before)


class ResumeSourceJobsOperator(MigrationOperator):
    """Schedule again exactly the jobs pause_source_jobs paused on the source (the record stays for verify)."""

    def execute(self, context: Context) -> dict[str, Any]:
        ts = self.plan(context).timescaledb
        record = PauseRecord.read(self.run_dir(context) / PAUSED_FILE) if ts is not None else None
        if ts is None or record is None or not record.paused:
            self.log.info("no paused TimescaleDB jobs to resume on the source")
            return {"resumed": []}
        source, _ = self.endpoints(context)
        with source.connect() as conn:
            timescale_features.alter_jobs(conn, ts.source_schema, record.paused, scheduled=True)
        self.log.info("resumed %d job(s) on the source: %s", len(record.paused), ", ".join(map(str, record.paused)))
        return {"resumed": record.paused}
