"""
### migrate_database — Timescale "migration with downtime" for one database

Trigger with a source and a target Airflow connection. The run follows the documented steps, one task each, in
this order (tests/unit/test_phases.py holds this list, and the DAG's edges, against timescale_migration/phases.py):

- `check_extensions` — every source extension is available on the target
- `check_versions` — target PostgreSQL >= source, client tools new enough, identical TimescaleDB, empty target,
  room for the dump in the work directory
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

Nothing changes on either side before `stop_apps`, except aligning TimescaleDB on an empty target. What the
checks found that the target will not get (e.g. a setting only a superuser may set there) is listed at the gate.
With `rehearsal=true` (set by `rehearse_migrations`) the run loads into a scratch database and skips the gates,
the drain, the pausing of source jobs and the cutover.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, chain

from timescale_migration import phases
from timescale_migration.operators import (
    AnalyzeOperator,
    ApplyPrivilegesOperator,
    ApplySettingsOperator,
    CheckExtensionsOperator,
    CheckVersionsOperator,
    CutoverOperator,
    DrainSourceOperator,
    DumpDataOperator,
    DumpRolesOperator,
    LoadOperator,
    PauseSourceJobsOperator,
    PostRestoreOperator,
    PreRestoreOperator,
    ReleaseSourceOperator,
    RemoveSecretsOperator,
    ResumeSourceJobsOperator,
    StopAppsOperator,
    SwitchAppsOperator,
    VerifyOperator,
)
from timescale_migration.operators.base import record_failure
from timescale_migration.options import migration_params

with DAG(
    dag_id=phases.DAG_ID,
    description="Migrate one PostgreSQL/TimescaleDB database into Timescale with pg_dump and psql (with downtime)",
    schedule=None,
    catchup=False,
    params=migration_params(),
    doc_md=__doc__,
    tags=["timescale", "migration"],
    default_args={"retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True,
                  "on_failure_callback": record_failure},
) as dag:
    check_extensions = CheckExtensionsOperator(task_id=phases.CHECK_EXTENSIONS)
    check_versions = CheckVersionsOperator(task_id=phases.CHECK_VERSIONS)
    stop_apps = StopAppsOperator(task_id=phases.STOP_APPS)
    drain_source = DrainSourceOperator(task_id=phases.DRAIN_SOURCE)
    pause_source_jobs = PauseSourceJobsOperator(task_id=phases.PAUSE_SOURCE_JOBS)
    dump_roles = DumpRolesOperator(task_id=phases.DUMP_ROLES)
    dump_data = DumpDataOperator(task_id=phases.DUMP_DATA)
    pre_restore = PreRestoreOperator(task_id=phases.PRE_RESTORE)
    load = LoadOperator(task_id=phases.LOAD)
    post_restore = PostRestoreOperator(task_id=phases.POST_RESTORE)
    analyze = AnalyzeOperator(task_id=phases.ANALYZE)
    apply_privileges = ApplyPrivilegesOperator(task_id=phases.APPLY_PRIVILEGES)
    apply_settings = ApplySettingsOperator(task_id=phases.APPLY_SETTINGS)
    verify = VerifyOperator(task_id=phases.VERIFY)
    switch_apps = SwitchAppsOperator(task_id=phases.SWITCH_APPS)
    cutover = CutoverOperator(task_id=phases.CUTOVER)
    release_source = ReleaseSourceOperator(task_id=phases.RELEASE_SOURCE, forget_migration=True)
    resume_source_jobs = ResumeSourceJobsOperator(task_id=phases.RESUME_SOURCE_JOBS)
    remove_secrets = RemoveSecretsOperator(task_id=phases.REMOVE_SECRETS)

    # the work, in the guide's order
    chain(
        check_extensions,
        check_versions,
        stop_apps,
        drain_source,
        pause_source_jobs,
        dump_roles,
        dump_data,
        pre_restore,
        load,
        analyze,
        apply_privileges,
        apply_settings,
        verify,
        switch_apps,
        [cutover, release_source],
    )
    # each teardown beside it: it runs after its work whatever the outcome, and undoes its setup
    load >> post_restore.as_teardown(setups=pre_restore) >> analyze  # restore mode ends before ANALYZE
    verify >> resume_source_jobs.as_teardown(setups=pause_source_jobs)
    verify >> remove_secrets.as_teardown(setups=dump_roles)
