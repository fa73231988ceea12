"""Phase 9: ANALYZE the target so the planner has statistics before applications return."""

from __future__ import annotations

import os
from typing import Any

from timescale_migration.clienttools import psql_command_argv, vacuumdb_analyze_argv
from timescale_migration.operators.base import MigrationOperator


class AnalyzeOperator(MigrationOperator):
    """`plain`: psql -c "ANALYZE;" as the guide does; the faster formats: vacuumdb --analyze-only --jobs N."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        tools = self.plan(context).client_tools
        _, target = self.endpoints(context)
        argv = psql_command_argv(tools, "ANALYZE;")
        if opts.dump_format != "plain" and os.access(tools.path("vacuumdb"), os.X_OK):
            argv = vacuumdb_analyze_argv(tools, target.database, opts.jobs)
        seconds = self.runner.run(argv, target.libpq_env())
        return {"seconds": round(seconds, 1)}
