"""
### rehearse_migrations — learn the real downtime before the night of the cutover

On its schedule (include/rehearsals.json, `@weekly` by default), for each configured database:

- `plan_rehearsals` — read the config; each database gets a scratch target `tsm_rehearsal_<name>` on its
  scratch connection (default: its target connection); a scratch name equal to the real target is refused
- `create_scratch_databases` — (setup) drop a scratch database left by a crashed rehearsal, create it anew
- `rehearse` — one `migrate_database` run per database with `rehearsal=true`: every phase as in the real run,
  into the scratch database, without gates, drain, pausing source jobs or cutover; verification included
- `record_rehearsals` — size, each phase's duration, the predicted downtime and the verification result of each
  database appended to `<work dir>/rehearsals/history.jsonl`; `report.html` beside it shows the trend
- `drop_scratch_databases` — (teardown) the scratch databases are dropped whatever happened

A rehearsal never touches the real target database, and changes nothing on the source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from timescale_migration.fleet.childruns import (
    create_scratch,
    drop_scratch,
    plan_rehearsal_runs,
    record_rehearsal_runs,
    trigger_children,
    trigger_of,
)
from timescale_migration.fleet.fleetconfig import RehearsalConfig

CONFIG = RehearsalConfig.load()

with DAG(
    dag_id="rehearse_migrations",
    description="Rehearse each configured migration into a scratch database and record the predicted downtime",
    schedule=CONFIG.schedule,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,  # rehearsals read production sources on a schedule: switched on deliberately
    doc_md=__doc__,
    tags=["timescale", "migration", "rehearsal"],
) as dag:

    @task
    def plan_rehearsals(**context) -> list[dict]:
        """Which databases to rehearse, into which scratch database, as which child run."""
        return plan_rehearsal_runs(RehearsalConfig.load(), context["run_id"])

    @task
    def create_scratch_databases(entries: list[dict]) -> list[str]:
        """A fresh scratch database per rehearsal."""
        return create_scratch(entries)

    @task(trigger_rule="all_done")
    def record_rehearsals(entries: list[dict], **context) -> list[dict]:
        """Append what each rehearsal measured to the history and rewrite the trend report."""
        return record_rehearsal_runs(RehearsalConfig.load(), entries, context["ti"])

    @task
    def drop_scratch_databases(entries: list[dict]) -> list[str]:
        """Drop every scratch database this run created."""
        return drop_scratch(entries)

    plan: Any = plan_rehearsals()  # XComArgs: TaskFlow lets them stand for what their tasks return
    created: Any = create_scratch_databases(plan)
    rehearse = trigger_children(
        "rehearse", reset_dag_run=True, max_active_tis_per_dag=CONFIG.max_parallel
    ).expand_kwargs(plan.map(trigger_of))
    recorded = record_rehearsals(plan)
    dropped = drop_scratch_databases(plan)
    created >> rehearse >> recorded >> dropped.as_teardown(setups=created)
