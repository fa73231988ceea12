"""dump_data: pg_dump of the source database into the run's private work directory, the way the run's
dump_format dumps (copy/): `plain` writes the guide's dump.sql; `directory` writes dump.dir with `jobs` in
parallel, uncompressed; `stream` and `parallel` write nothing here (load reads the source itself).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.copy.base import CopyJob
from timescale_migration.copy.formats import copy_format
from timescale_migration.operators.base import MigrationOperator


class DumpDataOperator(MigrationOperator):
    """pg_dump with the guide's flags; a retry replaces whatever a failed attempt left."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        job = CopyJob(self.plan(context), source, target, self.run_dir(context), opts.jobs, self.runner, self.log)
        return copy_format(opts.dump_format, job).dump()
