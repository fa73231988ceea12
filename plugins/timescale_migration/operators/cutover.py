"""The end of the downtime: the target is verified and the applications use it.

Only here does the run tell downstream DAGs that the target database is the data's new home: the asset event
`timescale-migration://<target_conn_id>/<database>` (through the alias timescale_migration_targets) with the
verification's summary in its extra. A rollback at switch_apps runs release_source instead and emits nothing.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration import phases
from timescale_migration.fleet.assets import target_asset, targets_alias
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.ui.links import run_page_url

SUMMARY_KEYS = ("ok", "tables", "rows", "sequences", "structure_items", "timings")
"""What of verify's summary the asset event carries (its report paths are on a worker's disk: the page instead)."""


class CutoverOperator(MigrationOperator):
    """Record the cutover and emit the target database's asset event; the source stays blocked so that nothing
    writes to it by mistake."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("outlets", [targets_alias()])
        super().__init__(**kwargs)

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        ti = context["ti"]
        blocked = bool((ti.xcom_pull(task_ids=phases.DRAIN_SOURCE) or {}).get("drained"))
        self.log.info("cutover: applications use %s from now on", target.label)
        if blocked:
            self.log.info("%s stays blocked for applications; the release_source DAG reopens it", source.label)
        if opts.rehearsal:
            self.log.info("rehearsal: no asset event for the scratch database")
            return {"target": target.label, "source_blocked": blocked}
        verification = ti.xcom_pull(task_ids=phases.VERIFY) or {}
        asset = target_asset(opts.target_conn_id, target.database)
        context["outlet_events"][targets_alias()].add(
            asset,
            extra={
                "source": source.label,
                "target": target.label,
                "run_id": ti.run_id,
                **{key: verification.get(key) for key in SUMMARY_KEYS},
                "report": run_page_url(ti.dag_id, ti.run_id),
            },
        )
        self.log.info("asset event for %s emitted", asset.uri)
        return {"target": target.label, "source_blocked": blocked, "asset": asset.uri}
