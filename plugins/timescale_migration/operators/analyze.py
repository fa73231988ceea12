"""Phase 9: ANALYZE the target so the planner has statistics before applications return."""

from __future__ import annotations

from typing import Any

from timescale_migration.clienttools import psql_command_argv
from timescale_migration.operators.base import MigrationOperator


class AnalyzeOperator(MigrationOperator):
    """psql -c "ANALYZE;" on the target, as the guide does."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        plan = self.plan(context)
        _, target = self.endpoints(context)
        seconds = self.runner.run(psql_command_argv(plan.client_tools, "ANALYZE;"), target.libpq_env())
        return {"seconds": round(seconds, 1)}
