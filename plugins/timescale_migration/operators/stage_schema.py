"""stage_schema: after the checks passed and before the stop_apps gate, the source's schema into the target
(`parallel` format): its pre-data section, and the indexes and key constraints of every table whose rows travel in
the skeleton (copy/staging.py). The load, in the downtime, restores only what changed since, the rows and the
rest of post-data. Other formats, tables to convert into hypertables, or stage_schema=false: nothing is staged.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.constants import DumpFormat
from timescale_migration.copy import staging
from timescale_migration.copy.base import CopyJob
from timescale_migration.operators.base import MigrationOperator


class StageSchemaOperator(MigrationOperator):
    """Stage the schema in the claimed target; a retry empties what its earlier attempt staged and stages again."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        why = (
            "stage_schema=false"
            if not opts.stage_schema
            else f"dump_format={opts.dump_format.value} creates the schema in the load"
            if opts.dump_format is not DumpFormat.PARALLEL
            else "tables are converted into hypertables in the load"
            if opts.hypertables
            else None
        )
        if why:
            self.log.info("SKIPPED: %s; the target is untouched until the downtime", why)
            return {"staged": False, "reason": why}
        source, target = self.endpoints(context)
        job = CopyJob(self.plan(context), source, target, self.run_dir(context), opts.jobs, self.runner, self.log)
        return staging.stage(job, self.run_key(context))
