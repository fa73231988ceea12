"""
### migrate_database — Timescale "migration with downtime" for one database

Trigger with a source and a target Airflow connection. The run follows the documented steps, one task each, in
this order; the tasks, their operators, retries, trigger rules and edges come from the phase table
(timescale_migration/phases.py), and tests/unit/test_phases.py holds this list against it:

- `check_extensions` — every source extension is available on the target, at a version no older, and creatable
  by the target's login; its findings go to check_versions
- `check_versions` — runs whatever check_extensions' outcome: versions, client tools, TimescaleDB, empty target,
  room, objects and roles the target's login cannot create, locks, encoding and locale, replication, settings
  and privileges; refuses the run once naming every blocking finding of both checks (README: Preflight checks)
- `stage_schema` — once every check passed (`parallel`): the source's schema into the target, tables with the
  indexes and keys of all but the large ones, so that the downtime restores only what changed since
- `stop_apps` — the downtime gate: a person approves once applications are offline
- `drain_source` — blocks new sessions on the source and waits for the open ones
- `pause_source_jobs` — TimescaleDB background jobs on the source paused (setup; `resume_source_jobs` is its
  teardown)
- `dump_roles` — `pg_dumpall --roles-only`, filtered for a target without superuser (setup; `remove_secrets` is
  its teardown)
- `dump_data` — `pg_dump` with the guide's flags into a private work directory
- `pre_restore` — `timescaledb_pre_restore()` (setup of the load; a no-op for a plain PostgreSQL source)
- `load` — `psql -v ON_ERROR_STOP=1 -f roles.sql -f dump.sql` (or the faster formats), one run per target
  database at a time; meanwhile a thread takes the source's side of verification; the tables named in
  `hypertables` become hypertables while empty, before their rows arrive (`parallel` and `directory`)
- `post_restore` — `timescaledb_post_restore()` (teardown: runs even when the load fails; no-op for PostgreSQL)
- `analyze` — `ANALYZE` on the target
- `apply_privileges` — re-applies the source's owners, GRANTs and default privileges (param `privileges`:
  `as_source` or `none`)
- `apply_settings` — the source database's session defaults (`ALTER DATABASE ... SET`, `ALTER ROLE ... IN
  DATABASE ... SET`) and comment, last, so that no setting of the application's (`default_transaction_read_only`,
  `statement_timeout`) meets the migration's own statements before `verify`
- `verify` — every relation's rows and content checksum, sequences, large objects, the structure and
  TimescaleDB's state, source against target (the source's side was taken beside the load); the run fails
  on any difference and leaves verification.html/.json in the work directory; a verified migration is
  recorded in the ledger
- `switch_apps` — the second gate: `cutover` (applications use the target; emits the asset event
  `timescale-migration://<target_conn_id>/<database>` with the verification's summary) or `release_source`
  (roll back; no asset event)

Each run's page in the UI (Migrations; `verify` and `switch_apps` have a "Migration report" link) shows its
preflight checks, its gates, its verification report and every phase.

`remove_secrets` is the teardown of `dump_roles`: roles.sql (the roles' password hashes) is removed when the run
ends, whatever the outcome, unless keep_dump.

Nothing changes on the source before `stop_apps`, nor on the target before every check passed (then TimescaleDB
aligned on an empty target and, with `stage_schema`, the schema staged in it). What the
checks found that the target will not get (e.g. a setting only a superuser may set there) is listed at the gate.
With `rehearsal=true` (set by `rehearse_migrations`) the run loads into a scratch database and skips the gates,
the drain, the pausing of source jobs and the cutover.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG

from timescale_migration import phases
from timescale_migration.operators import build
from timescale_migration.operators.base import record_failure
from timescale_migration.params import migration_params

with DAG(
    dag_id=phases.DAG_ID,
    description="Migrate one PostgreSQL/TimescaleDB database into Timescale with pg_dump and psql (with downtime)",
    schedule=None,
    catchup=False,
    params=migration_params(),
    doc_md=__doc__,
    tags=["timescale", "migration"],
    default_args={
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "on_failure_callback": record_failure,
    },
) as dag:
    # every task from the phase table (operator, retries, trigger rule, arguments)
    tasks = {phase.task_id: build(phase) for phase in phases.PHASES}
    # each teardown beside its work: it runs after it whatever the outcome, and undoes its setup
    for teardown in phases.TEARDOWNS:
        tasks[teardown.teardown].as_teardown(setups=tasks[teardown.setup])
    # the guide's order, the gate after every check, the teardowns' edges, the branches of switch_apps
    for upstream, downstream in sorted(phases.edges()):
        tasks[upstream] >> tasks[downstream]
