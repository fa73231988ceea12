"""Around the dump: pause TimescaleDB's background jobs on the source (compression, retention and refresh
jobs take locks that block or deadlock pg_dump, and would change the source before verification), and resume
them afterwards, also when the run fails (the DAG makes the pair a setup and a teardown).
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from timescale_migration import catalog, sql, workdir
from timescale_migration.operators.base import MigrationOperator

PAUSED_FILE = "paused_jobs.json"


class PauseSourceJobsOperator(MigrationOperator):
    """alter_job(id, scheduled => false) for every scheduled user job of a TimescaleDB source; recorded."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        ts = self.plan(context).timescaledb
        if ts is None:
            self.log.info("SKIPPED: the source is plain PostgreSQL: it has no TimescaleDB jobs to pause")
            return {"paused": []}
        if self.migration_options(context).rehearsal:
            self.log.info("SKIPPED: a rehearsal leaves the source's jobs alone (it changes nothing on the source)")
            return {"paused": []}
        record = self.run_dir(context) / PAUSED_FILE
        source, _ = self.endpoints(context)
        with source.connect() as conn:
            jobs = catalog.rows(conn, "timescaledb_user_jobs")
            if record.is_file():
                paused = json.loads(record.read_text(encoding="utf-8"))
            else:
                paused = [job["id"] for job in jobs if job["scheduled"]]
                workdir.private_file(record).write_text(json.dumps(paused), encoding="utf-8")
            for job_id in paused:
                _alter(conn, ts.source_schema, job_id, scheduled=False)
        self.log.info("paused %d of %d user job(s) on the source: %s", len(paused), len(jobs),
                      ", ".join(f"{j['id']} {j['proc']}" for j in jobs if j["id"] in paused) or "none")
        return {"paused": paused}


class ResumeSourceJobsOperator(MigrationOperator):
    """Schedule again exactly the jobs pause_source_jobs paused."""

    default_retries = 3

    def execute(self, context: Any) -> dict[str, Any]:
        ts = self.plan(context).timescaledb
        record = self.run_dir(context) / PAUSED_FILE
        if ts is None or not record.is_file():
            self.log.info("no paused TimescaleDB jobs to resume")
            return {"resumed": []}
        paused = json.loads(record.read_text(encoding="utf-8"))
        source, _ = self.endpoints(context)
        with source.connect() as conn:
            for job_id in paused:
                _alter(conn, ts.source_schema, job_id, scheduled=True)
        workdir.remove(record)
        self.log.info("resumed %d job(s) on the source: %s", len(paused), ", ".join(map(str, paused)) or "none")
        return {"resumed": paused}


def _alter(conn: psycopg.Connection, schema: str, job_id: int, *, scheduled: bool) -> None:
    catalog.run(conn, sql.compose("timescaledb_alter_job", schema=schema), {"id": job_id, "scheduled": scheduled})
