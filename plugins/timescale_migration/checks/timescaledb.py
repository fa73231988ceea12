"""TimescaleDB beyond its version (checks/versions.py): every catalog query the run and its verification use runs on
both servers' TimescaleDB, the target's login can put the target in restore mode, and both logins can pause and
resume the source's jobs and own them as the source does.

Catalog queries and TimescaleDB versions: every query in CATALOG_QUERIES serves every version from 2.13 to the
current release (2.31). Where the internal catalog changed between versions it is read through one fragment,
include/sql/fragments/timescaledb_chunks.sql (the chunk catalog: `dropped` gone in 2.26, relid instead of names and
compress_relid instead of compressed chunk rows in 2.29), or a column only some versions have through to_jsonb()
(continuous_agg.finalized, gone in 2.29; compression_settings.index, new in 2.22). The test
tests/integration/test_timescaledb_catalog.py runs each query on every TimescaleDB server here (2.19.3 and 2.31
Apache builds, 2.19.3, 2.20.3 and 2.29.2 community builds); this check runs them all on both sides before the gate,
so a version that breaks one refuses the run naming the version and the query, instead of failing in the downtime.
"""

from __future__ import annotations

from typing import Any

import psycopg

from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.ownership import LoginRights
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog, privileges, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.db.timescale_features import JOBS_BEFORE_PAUSE, JOBS_SECTION
from timescale_migration.exceptions import MigrationError

CHECK = "timescaledb"
VERSIONS_CHECK = "versions"
"""The check of the builds' refusal (checks/versions.py), repeated here once the target's build is known."""
NO_TABLE = {"schema": "public", "table": ""}
CATALOG_QUERIES: dict[str, dict[str, Any]] = {
    "timescaledb/license": {},
    "timescaledb/features": {},
    "timescaledb/state": {},
    "timescaledb/user_jobs": {},
    "timescaledb/job_owners": {},
    "timescaledb/may_set_job_owner": {},
    "timescaledb/jobs": {},
    "timescaledb/hypertables": {},
    "timescaledb/dimensions": {},
    "timescaledb/chunks": {},
    "timescaledb/chunk_states": {},
    "timescaledb/compression": {},
    "timescaledb/continuous_aggregates": {},
    "timescaledb/managed_relations": {},
    "timescaledb/all_chunks": {},
    "timescaledb/chunk_tables": {},
    "timescaledb/chunk_units": {},
    "timescaledb/hypertable_roots": {},
    "timescaledb/hypertable_chunk_counts": {},
    "timescaledb/materializations": {},
    "timescaledb/compressed_columns": {},
    "timescaledb/restart_workers_function": {},
    "timescaledb/chunk_ranges": NO_TABLE,
    "timescaledb/time_dimension": NO_TABLE,
}
"""include/sql/timescaledb queries that read TimescaleDB's catalog, with parameters that make them ask about
nothing in particular (the statements that change something, and all_null_batches, composed from
compressed_columns' rows, are not here)."""


def failing_queries(conn: psycopg.Connection) -> dict[str, str]:
    """Query name -> the server's error, for every CATALOG_QUERIES query that fails here (each in a transaction
    that is rolled back)."""
    failed = {}
    for name, params in CATALOG_QUERIES.items():
        try:
            with conn.transaction(force_rollback=True):
                catalog.rows(conn, name, params or None)
        except psycopg.Error as err:
            if conn.broken:
                raise
            failed[name] = f"{(err.diag.message_primary if err.diag else None) or err} (SQLSTATE {err.sqlstate})"
    return failed


def query_findings(conn: psycopg.Connection, side: str, version: str) -> list[Finding]:
    """A blocking finding for each catalog query this side's TimescaleDB does not answer."""
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"{side}: catalog query {name}",
            f"TimescaleDB {version} on the {side} does not answer it: {why}; the run or its verification needs it",
            remedy=f"this TimescaleDB version is not supported yet: report it with the query's name, or move "
            f"the {side} to a version the project supports (2.13 to 2.31)",
        )
        for name, why in failing_queries(conn).items()
    ]


def restore_mode_refusal(target: Endpoint, schema: str) -> str | None:
    """Try timescaledb_pre_restore() on the target in a transaction that is rolled back (it refuses a login that
    may not set timescaledb.restoring or stop the background workers before changing anything), then undo what it
    cannot roll back with timescaledb_post_restore() (the workers are started again). None: it works."""
    with target.connect() as conn:
        try:
            with conn.transaction(force_rollback=True):
                catalog.run(conn, sqlfiles.compose("timescaledb/pre_restore", schema=schema))
        except psycopg.Error as err:
            if conn.broken:
                raise
            return (err.diag.message_primary if err.diag else None) or str(err)
    with target.connect() as conn:
        catalog.run(conn, sqlfiles.compose("timescaledb/post_restore", schema=schema))
    return None


def restore_mode_finding(target: Endpoint, schema: str, login: str) -> list[Finding]:
    """A blocking finding when the target's login cannot call timescaledb_pre_restore()."""
    why = restore_mode_refusal(target, schema)
    if why is None:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            "timescaledb_pre_restore() on the target",
            f"the target's login {login} may not put the target in restore mode ({why}): the load of a "
            "TimescaleDB dump needs it (without it: 'invalid INSERT on the root table of hypertable'). "
            "A self-hosted TimescaleDB allows it only to a superuser (timescaledb#2686)",
            remedy="migrate with a superuser login on the target, or have its superuser make "
            "timescaledb_pre_restore() and timescaledb_post_restore() callable by the login (SECURITY "
            "DEFINER, EXECUTE granted) and the catalog writable, as Timescale's services do for "
            "tsdbadmin",
        )
    ]


def applies(pre: Preflight) -> bool:
    """A TimescaleDB source whose version the target can have (else the version check refused the run already and
    these checks would only repeat it)."""
    return pre.timescaledb is not None and "timescaledb_action" in pre.notes


def target_ready(pre: Preflight) -> bool:
    """Whether the target already has the source's TimescaleDB version (else it is aligned after the checks, and
    the target's side of these checks runs then: after_alignment)."""
    return pre.target_extensions.get(TIMESCALEDB, {}).get("version") == pre.timescaledb


@check(CHECK, "TimescaleDB catalog queries")
def catalog_queries(pre: Preflight) -> list[Finding]:
    """Every catalog query the run and its verification use answers on the source, and on the target where it has
    the source's version already."""
    version = pre.timescaledb
    if version is None or not applies(pre):
        return []
    found = query_findings(pre.src, "source", version)
    if target_ready(pre):
        found += query_findings(pre.tgt, "target", version)
    return found


@check(CHECK, "TimescaleDB restore mode")
def restore_mode(pre: Preflight) -> list[Finding]:
    """A target login without superuser can call timescaledb_pre_restore() (tried, rolled back and undone)."""
    if not applies(pre) or pre.target_superuser or not target_ready(pre):
        return []
    schema = pre.target_extensions[TIMESCALEDB]["schema"]
    return restore_mode_finding(pre.target, schema, pre.target_info.user_name)


def after_alignment(
    target: Endpoint, version: str, schema: str, login: str, superuser: bool, source_used: timescale_features.Features
) -> list[Finding]:
    """The target's side of these checks and of the builds' (checks/versions.py), once TimescaleDB was aligned on
    it (in new sessions; an empty database without TimescaleDB does not tell its build)."""
    with target.connect() as conn:
        found = query_findings(conn, "target", version)
        target_license = catalog.rows(conn, "timescaledb/license")[0]["license"]
    try:
        timescale_features.check_builds(source_used, target_license)
    except MigrationError as err:
        found.append(Finding(VERSIONS_CHECK, BLOCKING, "TimescaleDB features", str(err)))
    if not superuser:
        found += restore_mode_finding(target, schema, login)
    return found


@check(CHECK, "TimescaleDB jobs")
def jobs(pre: Preflight) -> list[Finding]:
    """The source's login can pause and resume the scheduled jobs (blocking: the pause runs in the downtime); on the
    target each job can have the source's owner (a reserved role stands for the login) and be scheduled again by
    the login after verification (warnings that verify accepts)."""
    if not applies(pre):
        return []
    source_jobs = catalog.rows(pre.src, "timescaledb/job_owners")
    if not source_jobs:
        return []
    paused = timescale_features.features(pre.src).community and not pre.opts.rehearsal
    found = []
    refused = [j for j in source_jobs if j["scheduled"] and not j["may_alter"]] if paused else []
    if refused:
        owners = sorted({j["owner"] for j in refused})
        found.append(
            Finding(
                CHECK,
                BLOCKING,
                f"{len(refused)} job(s) on the source: " + ", ".join(j["name"] for j in refused[:10]),
                f"the source's login {pre.source_info.user_name} may not alter_job() them (owned by "
                f"{', '.join(owners)}), so the run could not pause them before the dump nor resume them after",
                remedy=f"grant {', '.join(owners)} to {pre.source_info.user_name} on the source, or migrate with a "
                "superuser login on the source",
            )
        )
    found += _target_jobs(pre, source_jobs, paused)
    return found


def _target_jobs(pre: Preflight, source_jobs: list[dict[str, Any]], paused: bool) -> list[Finding]:
    """What the target's login cannot do about each job: give it its owner, schedule it again."""
    login = pre.target_info.user_name
    rename = privileges.renamer(pre.reserved, login)
    rights = LoginRights.read(pre.tgt)
    may_update = rights.superuser or (
        target_ready(pre) and bool(catalog.rows(pre.tgt, "timescaledb/may_set_job_owner")[0]["may_update"])
    )
    found = []
    for job in source_jobs:
        owner, wanted = job["owner"], rename(job["owner"])
        final = owner
        if wanted != owner:
            if may_update:
                final = wanted
            else:
                found.append(
                    Finding(
                        CHECK,
                        WARNING,
                        job["name"],
                        f'it belongs to "{owner}" on the source, which stands for the target\'s login {login} there, '
                        f"but the login may not change a job's owner in TimescaleDB's catalog (UPDATE on "
                        f'_timescaledb_config.bgw_job): it arrives owned by "{owner}" and runs as that role',
                        (JOBS_SECTION, job["name"]),
                        remedy=f"have the target's superuser run UPDATE _timescaledb_config.bgw_job SET owner = "
                        f"'{login}' WHERE id = {job['id']} after the cutover, or give the job to another owner on "
                        "the source first",
                    )
                )
        if paused and job["scheduled"] and not rights.can_act_as(final, roles_migrated=pre.opts.roles):
            found.append(
                Finding(
                    CHECK,
                    WARNING,
                    job["name"],
                    f"the run pauses it for the dump and the target's login {login} may not act as its owner "
                    f'"{final}" there to schedule it again after verification: it stays paused on the target',
                    (JOBS_BEFORE_PAUSE, job["name"]),
                    remedy=f'have "{final}" or a superuser run SELECT alter_job({job["id"]}, scheduled => true) on the '
                    "target after the cutover",
                )
            )
    return found
