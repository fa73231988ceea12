"""analyze: ANALYZE the target so the planner has statistics before applications return."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.constants import DumpFormat
from timescale_migration.db.analyze import ParallelAnalyze
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.tools.clienttools import psql_command_argv


class AnalyzeOperator(MigrationOperator):
    """`plain` format or `jobs` 1: psql -c "ANALYZE;" on the target, as the guide does. Otherwise the same
    relations analyzed one statement each over `jobs` sessions, largest first (analyze.py).

    (vacuumdb --analyze-only --jobs N was tried earlier: it failed now and then inside TimescaleDB with "tried
    calling catalog_get when extension isn't loaded".)
    """

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        _, target = self.endpoints(context)
        if opts.dump_format is DumpFormat.PLAIN or opts.jobs <= 1:
            tools = self.plan(context).client_tools
            seconds = self.runner.run(psql_command_argv(tools, "ANALYZE;"), target.libpq_env())
            return {"seconds": round(seconds, 1), "sessions": 1}
        parallel = ParallelAnalyze(target.connect, opts.jobs, self.log)
        self.stop_on_kill(parallel.cancel)  # cancels the sessions' statements
        return parallel.run()
