"""
### clean_migration_work — retention of the migrations' work directory

Daily (created **paused**: switch it on deliberately), for the base work directory (`work_dir` param, else
`$TSM_WORK_DIR`, else `$AIRFLOW_HOME/timescale-migration`):

- `list_removable` — logs every run directory whose run **failed or no longer exists** in Airflow and that nothing
  changed for `older_than_days` (default `$TSM_RETENTION_DAYS` or 14), with the files that would go: dumps,
  skeletons, fingerprints, FIFOs, a kept `roles.sql`. Runs still queued or running, and successful runs (their
  dump is there because keep_dump asked for it), are kept. The verification reports always stay.
- `remove_listed` — removes exactly what was listed (a directory changed since is skipped); skipped when
  `dry_run` is true.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, task

from timescale_migration import retention, settings, workdir

log = logging.getLogger("airflow.task")

with DAG(
    dag_id="clean_migration_work",
    description="Remove what failed or abandoned migration runs left in the work directory, after a retention",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,  # it deletes files: switched on deliberately
    params={
        "older_than_days": Param(
            None,
            type=["null", "number"],
            minimum=0,
            title="Older than (days)",
            description=f"Untouched for this long; empty: ${settings.RETENTION_DAYS.name} or "
            f"{settings.DEFAULT_RETENTION_DAYS}",
        ),
        "dry_run": Param(False, type="boolean", title="Dry run", description="Only list what would be removed"),
        "work_dir": Param(
            None,
            type=["null", "string"],
            title="Work directory",
            description="empty: $TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration",
        ),
    },
    doc_md=__doc__,
    tags=["timescale", "migration", "maintenance"],
) as dag:

    @task
    def list_removable(**context: Any) -> list[dict[str, Any]]:
        """What retention would remove, logged before anything is removed."""
        params, ti = context["params"], context["ti"]
        days = retention.retention_days(params.get("older_than_days"))
        base = workdir.base_dir(params.get("work_dir"))

        def state_of(dag_id: str, run_id: str) -> str:
            for state in ("running", "queued", "success", "failed"):
                if ti.get_dr_count(dag_id=dag_id, run_ids=[run_id], states=[state]):
                    return state
            return "missing"

        found = retention.removable(base, days, state_of, log=log)
        log.info(
            "in %s, run directories idle for %s days or more; would remove:\n%s", base, days, retention.describe(found)
        )
        return [entry.to_dict() for entry in found]

    @task
    def remove_listed(listed: list[dict[str, Any]], **context: Any) -> list[str]:
        """Remove exactly what list_removable listed (nothing on a dry run)."""
        params = context["params"]
        if params.get("dry_run"):
            log.info("dry_run=true: nothing removed")
            return []
        removed = retention.remove(listed, retention.retention_days(params.get("older_than_days")))
        log.info("removed %d path(s):\n%s", len(removed), "\n".join(removed))
        return removed

    listed: Any = list_removable()  # an XComArg: TaskFlow lets it stand for the list its task returns
    remove_listed(listed)
