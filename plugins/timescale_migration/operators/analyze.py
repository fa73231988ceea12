"""Phase 9: ANALYZE the target so the planner has statistics before applications return."""

from __future__ import annotations

from typing import Any

from timescale_migration.clienttools import psql_command_argv
from timescale_migration.operators.base import MigrationOperator


class AnalyzeOperator(MigrationOperator):
    """psql -c "ANALYZE;" on the target, as the guide does, whatever the dump format.

    (vacuumdb --analyze-only --jobs N was tried for the faster formats: it failed now and then inside
    TimescaleDB with "tried calling catalog_get when extension isn't loaded", and saved no measurable time.)
    """

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        tools = self.plan(context).client_tools
        _, target = self.endpoints(context)
        seconds = self.runner.run(psql_command_argv(tools, "ANALYZE;"), target.libpq_env())
        return {"seconds": round(seconds, 1)}
