"""
### migrate_database — Timescale "migration with downtime" for one database

Trigger with a source and a target Airflow connection. The run follows the documented steps, one task each:

1. `check_extensions` — every source extension is available on the target
2. `check_versions` — target PostgreSQL >= source, client tools new enough, identical TimescaleDB, empty target,
   room for the dump in the work directory
3. `stop_apps` — the downtime gate: a person approves once applications are offline;
   `drain_source` then blocks new sessions on the source and waits for the open ones
4. `pause_source_jobs` — TimescaleDB background jobs on the source paused (setup; `resume_source_jobs` is
   its teardown)
5. `dump_roles` — `pg_dumpall --roles-only`, filtered for a target without superuser
6. `dump_data` — `pg_dump` with the guide's flags into a private work directory
7. `pre_restore` — `timescaledb_pre_restore()` (setup of the load; a no-op for a plain PostgreSQL source)
8. `load` — `psql -v ON_ERROR_STOP=1 -f roles.sql -f dump.sql` (or the faster formats), one run per target
   database at a time; meanwhile a thread takes the source's side of verification
9. `post_restore` — `timescaledb_post_restore()` (teardown: runs even when the load fails; no-op for PostgreSQL)
10. `analyze` — `ANALYZE` on the target; `apply_privileges` then re-applies the source's owners, GRANTs and
    default privileges (param `privileges`: `as_source` or `none`), and `apply_settings` the source database's
    session defaults (`ALTER DATABASE ... SET`, `ALTER ROLE ... IN DATABASE ... SET`) and comment, last, so that
    no setting of the application's (`default_transaction_read_only`, `statement_timeout`) meets the migration's
    own statements before `verify`
11. `verify` — every relation's rows and content checksum, sequences, large objects, the structure and
    TimescaleDB's state, source against target (the source's side was taken beside the load); the run fails
    on any difference and leaves verification.html/.json in the work directory; a verified migration is
    recorded in the ledger and emits the asset event `timescale-migration://<target_conn_id>/<database>`
12. `switch_apps` — the second gate: `cutover` (applications use the target) or `release_source` (roll back)

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
    dag_id="migrate_database",
    description="Migrate one PostgreSQL/TimescaleDB database into Timescale with pg_dump and psql (with downtime)",
    schedule=None,
    catchup=False,
    params=migration_params(),
    doc_md=__doc__,
    tags=["timescale", "migration"],
    default_args={"retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True,
                  "on_failure_callback": record_failure},
) as dag:
    check_extensions = CheckExtensionsOperator(task_id="check_extensions")
    check_versions = CheckVersionsOperator(task_id="check_versions")
    stop_apps = StopAppsOperator(task_id="stop_apps")
    drain_source = DrainSourceOperator(task_id="drain_source")
    pause_source_jobs = PauseSourceJobsOperator(task_id="pause_source_jobs")
    dump_roles = DumpRolesOperator(task_id="dump_roles")
    dump_data = DumpDataOperator(task_id="dump_data")
    pre_restore = PreRestoreOperator(task_id="pre_restore")
    load = LoadOperator(task_id="load")
    post_restore = PostRestoreOperator(task_id="post_restore")
    analyze = AnalyzeOperator(task_id="analyze")
    apply_settings = ApplySettingsOperator(task_id="apply_settings")
    apply_privileges = ApplyPrivilegesOperator(task_id="apply_privileges")
    verify = VerifyOperator(task_id="verify")
    resume_source_jobs = ResumeSourceJobsOperator(task_id="resume_source_jobs")
    switch_apps = SwitchAppsOperator(task_id="switch_apps")
    cutover = CutoverOperator(task_id="cutover")
    release_source = ReleaseSourceOperator(task_id="release_source", forget_migration=True)
    remove_secrets = RemoveSecretsOperator(task_id="remove_secrets")

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
        post_restore.as_teardown(setups=pre_restore),
        analyze,
        apply_privileges,
        apply_settings,
        verify,
        switch_apps,
        [cutover, release_source],
    )
    load >> analyze  # a failed load fails the run even though its teardown (post_restore) succeeds
    verify >> resume_source_jobs.as_teardown(setups=pause_source_jobs)  # source jobs resume whatever happens
    verify >> remove_secrets.as_teardown(setups=dump_roles)  # roles.sql (password hashes) goes whatever happens
