"""One verification: the target's side taken now, compared with the source's side taken beside the load.

Data (row count and content checksum of every relation, sequences, large objects), structure (the inventory,
owners and privileges as the run re-applied them) and, for TimescaleDB, the target's state after post_restore and
its jobs as they were on the source before the run paused them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.constants import TARGET_RESERVED_ROLES
from timescale_migration.db import catalog, privileges, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.db.timescale_features import PAUSE_RECORD, PauseRecord
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
JOBS_BEFORE_PAUSE = "timescaledb jobs as before the pause"


def source_side(path: Path, source: Endpoint, plan: MigrationPlan, jobs: int, log: Any) -> dict[str, Any]:
    """The source's side the load kept in `path`, or taken now (the load ran on another worker, or taking it
    failed: applications are still offline, so it is still valid)."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    log.warning("%s is missing (the load ran on another worker, or taking it failed): taking it now", path)
    return take_source_side(source, plan, jobs, log)


def verify_target(side: dict[str, Any], plan: MigrationPlan, target: Endpoint, run_dir: Path, *, jobs: int,
                  compare_privileges: bool, roles: list[str] | None, expected: dict[Any, Any], log: Any,
                  converted: tuple[HypertableSpec, ...] = ()) -> tuple[VerifyReport, float]:
    """Every check of the target against the source's side (the tables the load `converted` into hypertables
    also against what was asked); with the seconds the target's side took."""
    source_fp = fingerprint.Fingerprint.from_dict(side["fingerprint"])
    started = time.monotonic()
    target_fp = fingerprint.take(target.connect, jobs=jobs, methods=source_fp.methods,
                                 utf8=plan.source["encoding"] != plan.target["encoding"], log=log)
    with target.connect() as conn:
        target_inv = inventory.take(conn)
        source_inv, target_inv = normalize.normalized(side["inventory"], target_inv, plan.source["major"],
                                                      plan.target["major"], conn, log)
        state = inventory.wait_for_scheduler(conn, SCHEDULER_WAIT_S) if plan.timescaledb else None
    target_seconds = time.monotonic() - started
    result = VerifyReport()
    result.checks += compare_data(source_fp, target_fp)
    if converted:
        target_inv = converted_tables(converted, target, source_inv, target_inv, compare_privileges, result)
    source_inv, target_inv = privileges_as_compared(compare_privileges, plan, source_inv, target_inv, log)
    result.checks += compare_structure(source_inv, target_inv, roles=roles, expected=expected)
    if state is not None:
        result.checks += check_timescale_state(state)
        result.checks += jobs_as_before_the_pause(run_dir, plan, target, result, log)
    return result, target_seconds


def converted_tables(converted: tuple[HypertableSpec, ...], target: Endpoint, source_inv: dict[str, Any],
                     target_inv: dict[str, Any], compare_privileges: bool, result: VerifyReport) -> dict[str, Any]:
    """The tables the load converted into hypertables checked against what was asked (their rows are in the data
    section already); the target's inventory returned without what only the conversion made."""
    with target.connect() as conn:
        catalog.run(conn, sqlfiles.query("verify/verify_session"))
        found = hypertables.read(conn, converted)
        data = {c.name: c for c in result.section("data")}
        rights = target_inv.get(privileges.SECTION) if compare_privileges else None
        result.checks += hypertables.checks(conn, converted, found, rights, data)
    return hypertables.without_converted(target_inv, source_inv, found)


def privileges_as_compared(compare_privileges: bool, plan: MigrationPlan, source_inv: dict[str, Any],
                           target_inv: dict[str, Any], log: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both inventories with owners and privileges as compared: source roles by their target names (reserved
    ones are the target's login), privileges the source's server lacks left out; none at all for privileges=none."""
    if not compare_privileges:
        log.info("privileges=none: owners and privileges are not compared (the guide's --no-owner "
                 "--no-privileges: everything belongs to the target's login)")
        return ({k: v for k, v in source_inv.items() if k != privileges.SECTION},
                {k: v for k, v in target_inv.items() if k != privileges.SECTION})
    login = plan.target["user_name"]
    rename = privileges.renamer({*TARGET_RESERVED_ROLES, login}, login)
    drop = privileges.dropped(plan.source["major"])
    return ({**source_inv, privileges.SECTION: privileges.normalize(source_inv.get(privileges.SECTION, {}),
                                                                     rename, drop)},
            {**target_inv, privileges.SECTION: privileges.normalize(target_inv.get(privileges.SECTION, {}),
                                                                     lambda role: role, drop)})


def jobs_as_before_the_pause(run_dir: Path, plan: MigrationPlan, target: Endpoint, result: VerifyReport, log: Any
                             ) -> list[Check]:
    """On a target proven identical, schedule again the jobs the run paused on the source (the dump carried the
    pause), then compare every job with the source's jobs as they were before the pause."""
    record = PauseRecord.read(run_dir / PAUSE_RECORD)
    if record is None:
        return []
    if result.differences:
        log.warning("the %d job(s) paused on the source stay paused on the target: verification found differences",
                    len(record.paused))
        return []
    ts = plan.timescaledb
    with target.connect() as conn:
        if record.paused and ts is not None:
            timescale_features.alter_jobs(conn, ts.target_schema, record.paused, scheduled=True)
            log.info("scheduled again on the target the %d job(s) the run paused: %s", len(record.paused),
                     ", ".join(map(str, record.paused)))
        after = timescale_features.jobs_section(conn)
    return compare_structure({JOBS_BEFORE_PAUSE: record.before}, {JOBS_BEFORE_PAUSE: after}, roles=None)
