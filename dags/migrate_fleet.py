"""
### migrate_fleet — many databases, one migrate_database run each, limited per target server

The databases are listed in include/fleet.json (or $TSM_FLEET_CONFIG):

- `plan_fleet` — read the config; a database whose target is already recorded as migrated and verified (the
  ledger) is skipped, so a re-run redoes only what failed or never ran; param `only` narrows to some names
- `create_target_databases` — entries with `create_target_database: true` get an empty target database
- `migrate_into_<target>` — one task per target connection (`runs_into_<target>` lists its databases),
  mapped over its databases: each triggers a `migrate_database` run and waits for it. The pool
  `tsm_target_<target>` (slots = `max_parallel`) limits how many run at once on that server. Each run stops
  at its own `stop_apps` gate: answer them one by one (Browse → Required Actions)
- `summarize` — which were migrated, skipped, rejected or failed and why, with each one's downtime; written to
  `<work dir>/fleet/summary-<run>.json`; the run fails if any database failed
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, Param, task

from timescale_migration.fleet.childruns import (
    create_fleet_targets,
    plan_fleet_runs,
    summarize_fleet_runs,
    target_key,
    trigger_children,
    trigger_kwargs,
)
from timescale_migration.fleet.fleetconfig import FleetConfig, pool_name

CONFIG = FleetConfig.load()

with DAG(
    dag_id="migrate_fleet",
    description="Migrate every database of include/fleet.json, with per-target limits and per-database gates",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["timescale", "migration", "fleet"],
    params={
        "only": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Only these databases",
            description="Names from the fleet config; empty: every database",
        ),
    },
) as dag:

    @task
    def plan_fleet(**context) -> list[dict]:
        """Every selected database: planned (with its run's conf) or skipped as already migrated."""
        return plan_fleet_runs(
            FleetConfig.load(),
            context["params"].get("only") or [],
            context["run_id"],
            expected_targets=list(CONFIG.targets),
        )

    @task
    def runs_into(entries: list[dict], target_conn_id: str) -> list[dict]:
        """The TriggerDagRunOperator kwargs of the planned databases of one target connection."""
        return trigger_kwargs(entries, target_conn_id)

    @task
    def create_target_databases(entries: list[dict]) -> list[str]:
        """Empty target databases for entries that ask for one."""
        return create_fleet_targets(entries)

    @task(trigger_rule="all_done")
    def summarize(entries: list[dict], **context) -> dict:
        """Each database's outcome and downtime; fails the run if any failed."""
        return summarize_fleet_runs(FleetConfig.load(), entries, context["ti"])

    plan: Any = plan_fleet()  # an XComArg: TaskFlow lets it stand for the list its task returns
    created = create_target_databases(plan)
    migrations = []
    for conn_id in CONFIG.targets:  # one task per target server, so that each has its own pool
        runs = runs_into.override(task_id=f"runs_into_{target_key(conn_id)}")(plan, conn_id)
        migrate = trigger_children(f"migrate_into_{target_key(conn_id)}", pool=pool_name(conn_id), retries=0)
        migrations.append(migrate.expand_kwargs(runs))
    created >> migrations >> summarize(plan)
