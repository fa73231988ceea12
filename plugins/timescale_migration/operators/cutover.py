"""The end of the downtime: the target is verified and the applications use it."""

from __future__ import annotations

from typing import Any

from timescale_migration import phases
from timescale_migration.operators.base import MigrationOperator


class CutoverOperator(MigrationOperator):
    """Record the cutover; the source stays blocked so that nothing writes to it by mistake."""

    def execute(self, context: Any) -> dict[str, Any]:
        source, target = self.endpoints(context)
        blocked = bool((context["ti"].xcom_pull(task_ids=phases.DRAIN_SOURCE) or {}).get("drained"))
        self.log.info("cutover: applications use %s from now on", target.label)
        if blocked:
            self.log.info("%s stays blocked for applications; the release_source DAG reopens it", source.label)
        return {"target": target.label, "source_blocked": blocked}
