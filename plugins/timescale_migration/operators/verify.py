"""verify: prove the target holds what the source held; the run fails on any difference.

Data (row count and content checksum of every relation, sequences, large objects), structure (the inventory)
and, for TimescaleDB, the target's state after post_restore. The report is written as verification.json and
verification.html in the run's work directory.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from timescale_migration import phases, workdir
from timescale_migration.checks import findings
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.constants import (
    DUMP_DIR,
    DUMP_FILE,
    ROLES_FILE,
    SKELETON_FILE,
    SOURCE_FINGERPRINT_FILE,
    TARGET_RESERVED_ROLES,
)
from timescale_migration.copy.hypertables import RECORD_FILE as CONVERSION_RECORD
from timescale_migration.copy.hypertables import ConversionRecord
from timescale_migration.db import catalog, privileges, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.db.timescale_features import PAUSE_RECORD, PauseRecord
from timescale_migration.exceptions import VerificationError
from timescale_migration.fleet import ledger
from timescale_migration.fleet.assets import target_asset, targets_alias
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.verify import fingerprint, hypertables, inventory, report
from timescale_migration.verify.compare import (
    Check,
    VerifyReport,
    check_timescale_state,
    compare_data,
    compare_structure,
    format_table,
)
from timescale_migration.verify.source_side import take_source_side

SCHEDULER_WAIT_S = 15.0
JOBS_BEFORE_PAUSE = "timescaledb jobs as before the pause"


class VerifyOperator(MigrationOperator):
    """Compare both sides; write the report; fail naming each difference; remove the dump after success."""

    default_retries = 1

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("outlets", [targets_alias()])
        super().__init__(**kwargs)

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        plan = self.plan(context)
        source, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        source_side = self._source_side(context, run_dir / SOURCE_FINGERPRINT_FILE)
        source_fp = fingerprint.Fingerprint.from_dict(source_side["fingerprint"])
        started = time.monotonic()
        target_fp = fingerprint.take(target.connect, jobs=opts.jobs, methods=source_fp.methods,
                                     utf8=plan.source["encoding"] != plan.target["encoding"], log=self.log)
        with target.connect() as conn:
            target_inv = inventory.take(conn)
            state = inventory.wait_for_scheduler(conn, SCHEDULER_WAIT_S) if plan.timescaledb else None
        target_seconds = time.monotonic() - started
        roles = (context["ti"].xcom_pull(task_ids=phases.DUMP_ROLES) or {}).get("roles") if opts.roles else None
        result = VerifyReport()
        result.checks += compare_data(source_fp, target_fp)
        target_inv = self._converted_tables(opts, target, source_side["inventory"], target_inv, result)
        source_inv, target_inv = self._privileges_as_compared(opts, plan, source_side["inventory"], target_inv)
        result.checks += compare_structure(source_inv, target_inv, roles=roles,
                                           expected=findings.expected_differences(findings.collect(context["ti"])))
        if state is not None:
            result.checks += check_timescale_state(state)
            result.checks += self._jobs_as_before_the_pause(run_dir, plan, target, result)
        result.timings = self._timings(context, source_side["seconds"], target_seconds)
        conversion = ConversionRecord.read(run_dir / CONVERSION_RECORD) if opts.hypertables else None
        if conversion is not None:
            result.timings["load: conversion to hypertables seconds"] = conversion.seconds
        json_path, html_path = report.write(result, run_dir, {
            "source": source.label, "target": target.label, "run": context["ti"].run_id,
        })
        self.log.info("verification of %s against %s:\n%s", target.label, source.label, format_table(result))
        self.log.info("verification report: %s and %s", html_path, json_path)
        summary = result.summary()
        if result.differences:
            raise VerificationError(
                f"the target differs from the source in {len(result.differences)} place(s) (report: {html_path}): "
                + "; ".join(summary["differences"][:50])
            )
        self.log.info("verified: %d relations, %d rows, %d sequences, %d structure items identical",
                      summary["tables"], summary["rows"], summary["sequences"], summary["structure_items"])
        if conversion is not None:
            with target.connect() as conn:
                hypertables.schedule_policies(conn, conversion, self.log)
        if opts.keep_dump:
            self.log.info("keep_dump=true: dump files kept in %s", run_dir)
        else:
            for name in (DUMP_FILE, DUMP_DIR, SKELETON_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE):
                workdir.remove(run_dir / name)
            self.log.info("dump files removed from %s; the reports stay", run_dir)
        result = {**summary, "report_html": str(html_path), "report_json": str(json_path)}
        if opts.rehearsal:
            self.log.info("rehearsal: no ledger record and no asset event for the scratch database")
        else:
            self._announce(context, opts, source.label, target.database, summary)
        return result

    def _converted_tables(self, opts: Any, target: Endpoint, source_inv: dict[str, Any], target_inv: dict[str, Any],
                          result: VerifyReport) -> dict[str, Any]:
        """The tables the load converted into hypertables checked against what was asked (their rows are in the
        data section already); the target's inventory returned without what only the conversion made."""
        if not opts.hypertables:
            return target_inv
        with target.connect() as conn:
            catalog.run(conn, sqlfiles.query("verify_session"))
            found = hypertables.read(conn, opts.hypertables)
            data = {c.name: c for c in result.section("data")}
            rights = target_inv.get(privileges.SECTION) if opts.privileges != "none" else None
            result.checks += hypertables.checks(conn, opts.hypertables, found, rights, data)
        return hypertables.without_converted(target_inv, source_inv, found)

    def _privileges_as_compared(self, opts: Any, plan: Any, source_inv: dict[str, Any], target_inv: dict[str, Any]
                                ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Both inventories with owners and privileges as compared: source roles by their target names (reserved
        ones are the target's login), privileges the source's server lacks left out; none at all for privileges=none."""
        if opts.privileges == "none":
            self.log.info("privileges=none: owners and privileges are not compared (the guide's --no-owner "
                          "--no-privileges: everything belongs to the target's login)")
            return ({k: v for k, v in source_inv.items() if k != privileges.SECTION},
                    {k: v for k, v in target_inv.items() if k != privileges.SECTION})
        login = plan.target["user_name"]
        rename = privileges.renamer({*TARGET_RESERVED_ROLES, login}, login)
        drop = privileges.dropped(plan.source["major"])
        return ({**source_inv, privileges.SECTION: privileges.normalize(source_inv.get(privileges.SECTION, {}),
                                                                         rename, drop)},
                {**target_inv, privileges.SECTION: privileges.normalize(target_inv.get(privileges.SECTION, {}),
                                                                         lambda role: role, drop)})

    def _announce(self, context: Any, opts: Any, source_label: str, database: str, summary: dict[str, Any]) -> None:
        """Record the verified migration in the ledger and emit the target database's asset event."""
        entry = {"source": source_label, "source_conn_id": opts.source_conn_id, "target_conn_id": opts.target_conn_id,
                 "target_database": database, "dag_id": context["ti"].dag_id, "run_id": context["ti"].run_id,
                 "tables": summary["tables"], "rows": summary["rows"]}
        path = ledger.write(opts.work_dir, opts.target_conn_id, database, entry)
        asset = target_asset(opts.target_conn_id, database)
        context["outlet_events"][targets_alias()].add(asset, extra={
            "source": source_label, "run_id": context["ti"].run_id, "tables": summary["tables"],
            "rows": summary["rows"],
        })
        self.log.info("ledger record %s written; asset event for %s emitted", path, asset.uri)

    def _jobs_as_before_the_pause(self, run_dir: Path, plan: MigrationPlan, target: Endpoint, result: VerifyReport
                                  ) -> list[Check]:
        """On a target proven identical, schedule again the jobs the run paused on the source (the dump carried
        the pause), then compare every job with the source's jobs as they were before the pause."""
        record = PauseRecord.read(run_dir / PAUSE_RECORD)
        if record is None:
            return []
        if result.differences:
            self.log.warning("the %d job(s) paused on the source stay paused on the target: verification found "
                             "differences", len(record.paused))
            return []
        ts = plan.timescaledb
        with target.connect() as conn:
            if record.paused and ts is not None:
                timescale_features.alter_jobs(conn, ts.target_schema, record.paused, scheduled=True)
                self.log.info("scheduled again on the target the %d job(s) the run paused: %s", len(record.paused),
                              ", ".join(map(str, record.paused)))
            after = timescale_features.jobs_section(conn)
        return compare_structure({JOBS_BEFORE_PAUSE: record.before}, {JOBS_BEFORE_PAUSE: after}, roles=None)

    def _source_side(self, context: Any, path: Any) -> dict[str, Any]:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        self.log.warning("%s is missing (the load ran on another worker, or taking it failed): taking it now", path)
        source, _ = self.endpoints(context)
        return take_source_side(source, self.plan(context), self.migration_options(context).jobs, self.log)

    def _timings(self, context: Any, source_seconds: float, target_seconds: float) -> dict[str, float]:
        ti = context["ti"]
        timed = (phases.DUMP_DATA, phases.LOAD, phases.ANALYZE)
        seconds = {task: (ti.xcom_pull(task_ids=task) or {}).get("seconds") for task in timed}
        timings = {f"{task} seconds": float(s) for task, s in seconds.items() if s is not None}
        timings["verify: source side seconds (beside the load)"] = round(source_seconds, 2)
        timings["verify: target side seconds"] = round(target_seconds, 2)
        return timings
