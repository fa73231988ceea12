"""verify: prove the target holds what the source held (verify/verification.py); the run fails on any difference.

The report is written as verification.json and verification.html in the run's work directory (the Migrations page
shows it: the task's extra links lead there); a verified migration is recorded in the ledger. The asset event is
cutover's.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration import phases, workdir
from timescale_migration.checks import findings
from timescale_migration.constants import (
    DUMP_DIR,
    DUMP_FILE,
    ROLES_FILE,
    SKELETON_FILE,
    SOURCE_FINGERPRINT_FILE,
)
from timescale_migration.copy import schemadiff
from timescale_migration.copy.hypertables import RECORD_FILE as CONVERSION_RECORD
from timescale_migration.copy.hypertables import ConversionRecord
from timescale_migration.db import catalog
from timescale_migration.exceptions import VerificationError
from timescale_migration.fleet import ledger
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.ui.links import MigrationReportLink, VerificationReportLink
from timescale_migration.verify import hypertables, report, verification
from timescale_migration.verify.compare import (
    format_table,
)


class VerifyOperator(MigrationOperator):
    """Compare both sides; write the report; fail naming each difference; remove the dump after success."""

    operator_extra_links = (MigrationReportLink(), VerificationReportLink())

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        plan = self.plan(context)
        source, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        side = verification.source_side(run_dir / SOURCE_FINGERPRINT_FILE, source, plan, opts.jobs, self.log)
        roles = (context["ti"].xcom_pull(task_ids=phases.DUMP_ROLES) or {}).get("roles") if opts.roles else None
        preflight = findings.collect(context["ti"])
        result, target_seconds = verification.verify_target(
            side,
            plan,
            target,
            run_dir,
            jobs=opts.jobs,
            compare_privileges=opts.privileges != "none",
            roles=roles,
            expected=findings.expected_differences(preflight),
            log=self.log,
            converted=opts.hypertables,
        )
        result.timings = self._timings(context, side["seconds"], target_seconds)
        conversion = ConversionRecord.read(run_dir / CONVERSION_RECORD) if opts.hypertables else None
        if conversion is not None:
            result.timings["load: conversion to hypertables seconds"] = conversion.seconds
        json_path, html_path = report.write(
            result,
            run_dir,
            {
                "source": source.label,
                "target": target.label,
                "run": context["ti"].run_id,
            },
            preflight,
        )
        self.log.info("verification of %s against %s:\n%s", target.label, source.label, format_table(result))
        self.log.info("verification report: %s and %s", html_path, json_path)
        summary = result.summary()
        if result.differences:
            raise VerificationError(
                f"the target differs from the source in {len(result.differences)} place(s) (report: {html_path}): "
                + "; ".join(summary["differences"][:50])
            )
        self.log.info(
            "verified: %d relations, %d rows, %d sequences, %d structure items identical",
            summary["tables"],
            summary["rows"],
            summary["sequences"],
            summary["structure_items"],
        )
        if conversion is not None:
            with target.connect() as conn:
                hypertables.schedule_policies(conn, conversion, self.log)
        if opts.keep_dump:
            self.log.info("keep_dump=true: dump files kept in %s", run_dir)
        else:
            for name in (DUMP_FILE, DUMP_DIR, SKELETON_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE, *schemadiff.FILES):
                workdir.remove(run_dir / name)
            self.log.info("dump files removed from %s; the reports stay", run_dir)
        returned = {**summary, "report_html": str(html_path), "report_json": str(json_path)}
        if opts.rehearsal:
            self.log.info("rehearsal: no ledger record for the scratch database")
        else:
            self._record(context, opts, source.label, target.database, summary)
        return returned

    def _record(self, context: Context, opts: Any, source_label: str, database: str, summary: dict[str, Any]) -> None:
        """Record the verified migration in the ledger (the asset event waits for cutover: the applications may
        still roll back at switch_apps)."""
        entry = {
            "source": source_label,
            "source_conn_id": opts.source_conn_id,
            "target_conn_id": opts.target_conn_id,
            "target_database": database,
            "dag_id": context["ti"].dag_id,
            "run_id": context["ti"].run_id,
            "tables": summary["tables"],
            "rows": summary["rows"],
            ledger.IDENTITY_KEY: self._identity(context),
        }
        path = ledger.write(opts.work_dir, opts.target_conn_id, database, entry)
        self.log.info("ledger record %s written", path)

    def _identity(self, context: Context) -> dict[str, Any] | None:
        """Which server incarnation and database the record describes (None when it cannot be read: the record is
        written all the same, and nothing later can tell it stale but a missing database)."""
        _, target = self.endpoints(context)
        try:
            with target.connect() as conn:
                return catalog.database_identity(conn, target.database)
        except Exception as err:
            self.log.warning("the ledger record names no server incarnation: %s", err)
            return None

    def _timings(self, context: Context, source_seconds: float, target_seconds: float) -> dict[str, float]:
        ti = context["ti"]
        timed = (phases.DUMP_DATA, phases.LOAD, phases.ANALYZE)
        seconds = {task: (ti.xcom_pull(task_ids=task) or {}).get("seconds") for task in timed}
        timings = {f"{task} seconds": float(s) for task, s in seconds.items() if s is not None}
        timings["verify: source side seconds (beside the load)"] = round(source_seconds, 2)
        timings["verify: target side seconds"] = round(target_seconds, 2)
        return timings
