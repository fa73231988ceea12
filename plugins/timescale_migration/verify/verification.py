"""One verification: the target's side taken now, compared with the source's side taken beside the load.

Data (row count and content checksum of every relation, sequences, large objects), structure (the inventory,
owners and privileges as the run re-applied them) and, for TimescaleDB, the target's state after post_restore and
its jobs as they were on the source before the run paused them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.constants import TARGET_RESERVED_ROLES
from timescale_migration.db import catalog, grants, privileges, sqlfiles, timescale_features, timescale_state
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.db.timescale_features import JOBS_BEFORE_PAUSE, JOBS_SECTION, PAUSE_RECORD, PauseRecord
from timescale_migration.options import HypertableSpec
from timescale_migration.verify import fingerprint, hypertables, inventory, normalize
from timescale_migration.verify.compare import (
    Check,
    VerifyReport,
    check_timescale_state,
    compare_data,
    compare_structure,
)
from timescale_migration.verify.source_side import take_source_side

SCHEDULER_WAIT_S = 15.0


def source_side(path: Path, source: Endpoint, plan: MigrationPlan, jobs: int, log: Any) -> dict[str, Any]:
    """The source's side the load kept in `path`, or taken now (the load ran on another worker, or taking it
    failed: applications are still offline, so it is still valid)."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    log.warning("%s is missing (the load ran on another worker, or taking it failed): taking it now", path)
    return take_source_side(source, plan, jobs, log)


def verify_target(
    side: dict[str, Any],
    plan: MigrationPlan,
    target: Endpoint,
    run_dir: Path,
    *,
    jobs: int,
    compare_privileges: bool,
    roles: list[str] | None,
    expected: dict[Any, Any],
    log: Any,
    converted: tuple[HypertableSpec, ...] = (),
) -> tuple[VerifyReport, float]:
    """Every check of the target against the source's side (the tables the load `converted` into hypertables
    also against what was asked); with the seconds the target's side took."""
    source_fp = fingerprint.Fingerprint.from_dict(side["fingerprint"])
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as structure:
        # the structure in a session of its own while the data is checksummed: a database of thousands of chunks
        # spends about as long on each
        structure_read = structure.submit(_target_structure, side, plan, target, log)
        target_fp = fingerprint.take(
            target.connect,
            jobs=jobs,
            methods=source_fp.methods,
            utf8=plan.source["encoding"] != plan.target["encoding"],
            log=log,
        )
        source_inv, target_inv, state = structure_read.result()
    target_seconds = time.monotonic() - started
    result = VerifyReport()
    result.checks += compare_data(source_fp, target_fp)
    if converted:
        target_inv = converted_tables(converted, target, source_inv, target_inv, compare_privileges, result)
    source_inv, target_inv = privileges_as_compared(compare_privileges, plan, source_inv, target_inv, log)
    if JOBS_SECTION in source_inv:
        source_inv = {
            **source_inv,
            JOBS_SECTION: timescale_features.jobs_renamed(source_inv[JOBS_SECTION], target_names(plan)),
        }
    expected = {**expected, **privileges.derived_expectations(target_inv.get(privileges.MANAGED_SECTION, {}), expected)}
    result.checks += compare_structure(source_inv, target_inv, roles=roles, expected=expected)
    if state is not None:
        result.checks += check_timescale_state(state)
        result.checks += jobs_as_before_the_pause(run_dir, plan, target, result, log, expected)
    return result, target_seconds


def _target_structure(
    side: dict[str, Any], plan: MigrationPlan, target: Endpoint, log: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Both inventories as compared (the target's taken now) and, for TimescaleDB, the target's state once its
    scheduler is up."""
    with target.connect() as conn:
        source_inv, target_inv = normalize.normalized(
            side["inventory"], inventory.take(conn), plan.source["major"], plan.target["major"], conn, log
        )
        state = timescale_state.wait_for_scheduler(conn, SCHEDULER_WAIT_S) if plan.timescaledb else None
    return source_inv, target_inv, state


def converted_tables(
    converted: tuple[HypertableSpec, ...],
    target: Endpoint,
    source_inv: dict[str, Any],
    target_inv: dict[str, Any],
    compare_privileges: bool,
    result: VerifyReport,
) -> dict[str, Any]:
    """The tables the load converted into hypertables checked against what was asked (their rows are in the data
    section already); the target's inventory returned without what only the conversion made."""
    with target.connect() as conn:
        catalog.run(conn, sqlfiles.query("verify/verify_session"))
        found = hypertables.read(conn, converted)
        data = {c.name: c for c in result.section("data")}
        rights = (
            {**target_inv.get(privileges.SECTION, {}), **target_inv.get(privileges.MANAGED_SECTION, {})}
            if compare_privileges
            else None
        )
        result.checks += hypertables.checks(conn, converted, found, rights, data)
    return hypertables.without_converted(target_inv, source_inv, found)


def privileges_as_compared(
    compare_privileges: bool, plan: MigrationPlan, source_inv: dict[str, Any], target_inv: dict[str, Any], log: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both inventories with owners and privileges as compared: source roles by their target names (reserved
    ones are the target's login), privileges the source's server lacks left out; none at all for privileges=none."""
    sections = (privileges.SECTION, privileges.MANAGED_SECTION)
    if not compare_privileges:
        log.info(
            "privileges=none: owners and privileges are not compared (the guide's --no-owner "
            "--no-privileges: everything belongs to the target's login)"
        )
        return (
            {k: v for k, v in source_inv.items() if k not in sections},
            {k: v for k, v in target_inv.items() if k not in sections},
        )
    rename = target_names(plan)
    drop = privileges.dropped(plan.source["major"])
    return (
        {**source_inv, **{s: privileges.normalize(source_inv.get(s, {}), rename, drop) for s in sections}},
        {**target_inv, **{s: privileges.normalize(target_inv.get(s, {}), lambda role: role, drop) for s in sections}},
    )


def target_names(plan: MigrationPlan) -> Callable[[str], str]:
    """A source role's name on the target (roles reserved there are the target's login)."""
    login = plan.target["user_name"]
    return privileges.renamer({*TARGET_RESERVED_ROLES, login}, login)


def jobs_as_before_the_pause(
    run_dir: Path,
    plan: MigrationPlan,
    target: Endpoint,
    result: VerifyReport,
    log: Any,
    expected: dict[Any, Any] | None = None,
) -> list[Check]:
    """On a target proven identical, schedule again the jobs the run paused on the source (the dump carried the
    pause), then compare every job with the source's jobs as they were before the pause."""
    record = PauseRecord.read(run_dir / PAUSE_RECORD)
    if record is None:
        return []
    if result.differences:
        log.warning(
            "the %d job(s) paused on the source stay paused on the target: verification found differences",
            len(record.paused),
        )
        return []
    ts = plan.timescaledb
    with target.connect() as conn:
        if record.paused and ts is not None:
            # alter_job needs the owner's privileges: the login takes those of a role it created (ADMIN OPTION)
            others = [
                job["owner"]
                for job in catalog.rows(conn, "timescaledb/job_owners")
                if job["id"] in record.paused and not job["may_alter"]
            ]
            if others:
                runner = grants.StatementRunner(conn)
                for owner in sorted(set(others)):
                    runner.become(owner)
            refused = timescale_features.schedule_jobs(conn, ts.target_schema, record.paused)
            scheduled = [job for job in record.paused if job not in refused]
            log.info(
                "scheduled again on the target %d of the %d job(s) the run paused: %s",
                len(scheduled),
                len(record.paused),
                ", ".join(map(str, scheduled)) or "none",
            )
            for job, why in refused.items():
                log.warning("job %d stays paused on the target: %s", job, why)
        after = timescale_features.jobs_section(conn)
    before = timescale_features.jobs_renamed(record.before, target_names(plan))
    return compare_structure({JOBS_BEFORE_PAUSE: before}, {JOBS_BEFORE_PAUSE: after}, roles=None, expected=expected)
