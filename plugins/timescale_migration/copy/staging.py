"""The schema staged in the target before the downtime (`parallel` format), and what the load does with it.

Before the stop_apps gate, stage_schema dumps the source's schema (`pg_dump --schema-only`), restores its pre-data
section into the claimed target and builds the indexes and PRIMARY KEY, UNIQUE and EXCLUDE constraints of every
table whose rows travel in the skeleton (not those of the large tables, built after their rows), and writes a
manifest: each entry of both sections, keyed by pg_restore's `Name; Type; Schema; Owner` header, with a digest of
its SQL. Foreign keys, triggers, rules, policies and everything else of post-data wait for the rows.

In the downtime the load compares the skeleton's entries with the manifest. Unchanged entries are not restored
again; entries the source gained since (new chunks, new partitions) are restored as pg_dump wrote them; tables the
source lost (dropped chunks) are dropped with what hung on them. Anything else that differs (a changed definition,
a lost entry that is not a table's) and the load empties the target and restores it all, as without staging.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.constants import BULK_MAX_TABLES, BULK_MIN_BYTES
from timescale_migration.copy import dumpfilter, loadclaim, rowsecurity
from timescale_migration.copy.base import CopyJob
from timescale_migration.copy.schemadiff import (
    CONSUMED,
    MANIFEST,
    NOT_STAGED_PRE_DATA,
    STAGED_DUMP,
    Manifest,
    entries,
    quoted,
    schema_dump_argv,
    staged_post_data,
)
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.tools.clienttools import ClientTools, pg_restore_argv, psql_load_argv
from timescale_migration.tools.runner import ToolRunner


def stage(job: CopyJob, run: str) -> dict[str, Any]:
    """stage_schema's work: claim the target, put TimescaleDB in restore mode, dump the source's schema, restore
    its pre-data section and the indexes and key constraints of the small tables, write the manifest. A schema the
    target refuses is emptied again and left to the load (the run goes on). Returns the task's XCom."""
    run_dir, plan, target, log = job.run_dir, job.plan, job.target, job.log
    tools, env = plan.client_tools, target.libpq_env()
    for name in (MANIFEST, CONSUMED, STAGED_DUMP):
        workdir.remove(run_dir / name)
    with loadclaim.load_lock(target) as lock:
        loadclaim.prepare(lock, run, target.label, log, target.connect)
        if plan.timescaledb is not None:
            catalog.run(lock, sqlfiles.compose("timescaledb/pre_restore", schema=plan.timescaledb.target_schema))
            log.info("timescaledb_pre_restore() on %s: restore mode until post_restore", target.label)
        archive = workdir.private_file(run_dir / STAGED_DUMP)
        seconds = job.runner.run(schema_dump_argv(tools, str(archive)), job.source.libpq_env())
        found = entries(tools, archive)
        if held := sorted({e.kind for e in found if e.kind in NOT_STAGED_PRE_DATA}):
            log.info(
                "schema not staged: it holds %s, which name roles the target has only after the load's "
                "roles.sql; the load restores the whole schema in the downtime",
                ", ".join(held),
            )
            return {"staged": False, "reason": f"the schema holds {', '.join(held)}", "seconds": round(seconds, 1)}
        with job.source.connect() as conn:
            rows = catalog.rows(
                conn, "copy/bulk_data_tables", {"min_bytes": BULK_MIN_BYTES, "max_tables": BULK_MAX_TABLES}
            )
        large = {quoted(r["schema_name"], r["table_name"]) for r in rows}
        post = staged_post_data(found, large)
        try:
            seconds += dumpfilter.restore_pre_data(
                job.runner, tools, target.database, str(archive), env, plan.stripped_column_options
            )
            if post:
                ids = [e.dump_id for e in post]
                seconds += restore_listed(tools, job.runner, target, archive, ids, "post-data", jobs=job.jobs)
        except ClientToolFailed as err:
            log.warning(
                "schema not staged: %s; emptying what was staged, the load restores it all in the downtime", err
            )
            loadclaim.empty(lock, log, target.connect)
            return {"staged": False, "reason": str(err)[:500], "seconds": round(seconds, 1)}
    Manifest.of(run, found, post).write(run_dir)
    pre = sum(1 for e in found if e.section == "pre-data")
    log.info(
        "schema staged in %s in %.1fs: %d pre-data entries; %d post-data entries (the indexes and keys of %d "
        "small table(s), their comments, partitions' index attaches); %d large table(s) get theirs after their "
        "rows; the rest of post-data waits for the rows",
        target.label,
        seconds,
        pre,
        len(post),
        len({e.table for e in post if e.with_rows}),
        len(large),
    )
    return {"staged": True, "pre_data": pre, "post_data": len(post), "seconds": round(seconds, 1)}


def restore_listed(
    tools: ClientTools,
    runner: ToolRunner,
    target: Endpoint,
    archive: Path,
    ids: list[int],
    section: str,
    options: list[str] | tuple[str, ...] = (),
    *,
    jobs: int = 1,
) -> float:
    """pg_restore of the archive's entries `ids` of `section` into the target (pre-data through the column option
    filter when `options` are to be left out); seconds taken."""
    env = target.libpq_env()
    chosen = workdir.write_atomically(
        archive.with_name(f"{archive.name}.{section}.list"),
        rowsecurity.use_list(rowsecurity.listing(tools, str(archive)), ids, keep=True),
    )
    try:
        if section == "pre-data" and options:
            argv = dumpfilter.pre_data_script_argv(tools, str(archive))
            argv[-1:-1] = [f"--use-list={chosen}"]
            return runner.run_pipeline(dumpfilter.filtered(argv, list(options)), env, psql_load_argv(tools, []), env)
        argv = pg_restore_argv(tools, target.database, str(archive), jobs=jobs, section=section)
        argv[-1:-1] = [f"--use-list={chosen}"]
        return runner.run(argv, env)
    finally:
        workdir.remove(chosen)
