"""load: roles and data into the target, stopping at the first error.

`plain`: the guide's `psql -f roles.sql -f dump.sql`. `directory`: roles with psql, then pg_restore — for a
TimescaleDB source `_timescaledb_catalog` alone and serially first, then everything else with `jobs` in
parallel (the guide's troubleshooting for timescaledb issues 698 and 1584). `stream`: roles with psql, then
`pg_dump | psql` with no file in between. `parallel`: a skeleton restore, then the large tables copied
`jobs` at a time from one exported snapshot (COPY, binary where safe, FREEZE), then the indexes (parallel.py).

While the tools load the target, a thread takes the source's side of verification (checksums and inventory)
and keeps it in the run's work directory: applications are offline, the source does not change, and verify is
left with the target's side only, whatever executor runs the tasks.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import workdir
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.constants import (
    ROLES_FILE,
    SOURCE_FINGERPRINT_FILE,
    TID_RANGE_SCAN_MAJOR,
    TIMESCALEDB_CATALOG,
    DumpFormat,
)
from timescale_migration.copy import loadclaim
from timescale_migration.copy.parallel import ParallelCopy
from timescale_migration.db import catalog
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.db.roles import mask_password_hashes
from timescale_migration.exceptions import ClientToolFailed, MigrationError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.options import MigrationOptions
from timescale_migration.tools.clienttools import pg_dump_plain_argv, pg_restore_argv, psql_load_argv
from timescale_migration.tools.runner import ToolRunner
from timescale_migration.verify.source_side import take_source_side


def read_position(pid: int, path: Path) -> int | None:
    """How far process `pid` has read into `path` (from /proc/<pid>/fdinfo), None if it has no such file open."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in os.listdir(fd_dir):
            if os.readlink(fd_dir / fd) == str(path):
                for line in (Path(f"/proc/{pid}/fdinfo") / fd).read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1])
    except OSError:
        return None
    return None


def read_progress(runner: ToolRunner, path: Path) -> Callable[[], str | None]:
    """A progress reporter: how much of the dump psql has read, the rate and the time left."""
    total = path.stat().st_size
    started = time.monotonic()

    def report() -> str | None:
        pid = runner.pid
        pos = read_position(pid, path) if pid else None
        if pos is None:
            return None
        elapsed = time.monotonic() - started
        rate = pos / max(elapsed, 1e-6)
        left = f", about {(total - pos) / rate:,.0f}s left" if rate > 0 else ""
        return f"{pos / 1e6:,.1f} of {total / 1e6:,.1f} MB of {path.name} read ({100 * pos / max(total, 1):.0f}%){left}"

    return report


def copy_progress(target: Endpoint, expected_bytes: int) -> Callable[[], str | None]:
    """A progress reporter for restores without a file position: the COPYs running in the target, tables seen."""
    seen: set[str] = set()
    started = time.monotonic()
    first: list[int] = []
    try:  # the empty database's own size, taken before anything loads, is not loaded data
        with target.connect() as conn:
            first.append(catalog.server_info(conn).database_bytes)
    except psycopg.Error:
        pass  # best effort: the first report takes it then

    def report() -> str | None:
        with target.connect() as conn:
            copies = catalog.rows(conn, "copy_progress")
            size = catalog.server_info(conn).database_bytes
        first[:] = first or [size]
        loaded = max(size - first[0], 0)
        elapsed = time.monotonic() - started
        seen.update(c["relation"] for c in copies)
        now = catalog.describe_copies(copies) or "no COPY running"
        share = ""
        if expected_bytes:
            rate = loaded / max(elapsed, 1e-6)
            left = ""
            if rate > 0 and loaded < expected_bytes:
                left = f", about {(expected_bytes - loaded) / rate:,.0f}s left"
            share = f" of ~{expected_bytes / 1e6:,.0f} MB table data ({100 * loaded / expected_bytes:.0f}%){left}"
        return f"{loaded / 1e6:,.0f} MB loaded{share}; {len(seen)} table(s) copied so far; now: {now}"

    return report


class SourceSide:
    """The source's side of verification, taken in a thread while the load runs (once per run: a retried load
    finds it kept). Best effort: verify takes it itself if this fails."""

    def __init__(self, source: Endpoint, plan: MigrationPlan, jobs: int, path: Path, log: Any) -> None:
        self.source, self.plan, self.jobs, self.path, self.log = source, plan, jobs, path, log
        self.thread: threading.Thread | None = None
        self.seconds: float | None = None

    def start(self) -> None:
        """Begin, unless a kept one exists."""
        if self.path.is_file():
            self.log.info("the source's side of verification is already in %s", self.path)
            return
        self.thread = threading.Thread(target=self._take, name="source-side", daemon=True)
        self.thread.start()

    def _take(self) -> None:
        try:
            side = take_source_side(self.source, self.plan, self.jobs, self.log)
        except Exception as err:  # verify computes it later; never fail the load for it
            self.log.warning("the source's side of verification failed beside the load (%s); verify will take it",
                             err)
            return
        workdir.write_atomically(self.path, json.dumps(side))
        self.seconds = side["seconds"]
        self.log.info("source side of verification taken beside the load in %.1fs: %s", side["seconds"], self.path)

    def finish(self) -> None:
        """Wait for the thread (the load is done or failed; the source side stays valid either way)."""
        if self.thread is not None:
            self.thread.join()


class LoadOperator(MigrationOperator):
    """Load roles and data into a target this run claimed; a retry after a lost connection (or a killed worker)
    empties what the failed attempt left and loads again; a target holding anything else is refused."""

    default_retries = 1

    _parallel: ParallelCopy | None = None

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        plan = self.plan(context)
        source, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        dump = run_dir / opts.dump_format.dump_name
        needed = ([] if opts.dump_format.streamed else [dump]) + ([run_dir / ROLES_FILE] if opts.roles else [])
        if missing := [str(path) for path in needed if not path.exists()]:
            raise MigrationError(
                f"{' and '.join(missing)} not found on worker {socket.gethostname()}: dump_roles, dump_data and "
                "load must see the same work_dir (shared storage, or one worker queue for the run's file tasks); "
                "clear dump_roles and dump_data to dump again"
            )
        beside = SourceSide(source, plan, opts.jobs, run_dir / SOURCE_FINGERPRINT_FILE, self.log)
        beside.start()
        try:
            seconds = self._load(opts, plan, source, target, dump, run_dir / ROLES_FILE,
                                 loadclaim.run_key(context["ti"].dag_id, context["ti"].run_id))
        except psycopg.OperationalError as err:
            raise ClientToolFailed(f"loading into {target.label} failed: the target went away: {err}") from err
        finally:
            beside.finish()
        stats = self._parallel.stats if self._parallel is not None else {}
        return {"format": opts.dump_format.value, "seconds": round(seconds, 1), "source_side_seconds": beside.seconds,
                **stats}

    def _load(self, opts: MigrationOptions, plan: MigrationPlan, source: Endpoint, target: Endpoint, dump: Path,
              roles: Path, run: str) -> float:
        """Take the target's load lock; claim the empty target (or empty what this run's earlier attempt left,
        loadclaim.py); load; drop the claim. The lock goes with the session."""
        with target.connect() as lock:  # held until the load is done: one load per target database at a time
            if not catalog.rows(lock, "advisory_lock_target")[0]["locked"]:
                holder = catalog.rows(lock, "lock_holder")
                raise MigrationError(
                    f"another migration is loading into {target.label} right now"
                    + (f" (session pid {holder[0]['pid']} of {holder[0]['user_name']})" if holder else "")
                    + ": wait for it to finish; this run cannot load into the same database"
                )
            loadclaim.prepare(lock, run, target.label, self.log, target.connect)
            try:
                seconds = self._run_tools(opts, plan, source, target, dump, roles)
            except ClientToolFailed as err:
                raise ClientToolFailed(f"loading into {target.label} failed: {err}") from err
            loadclaim.release(lock)
            return seconds

    def _run_tools(self, opts: MigrationOptions, plan: MigrationPlan, source: Endpoint, target: Endpoint,
                   dump: Path, roles: Path) -> float:
        tools, env = plan.client_tools, target.libpq_env()
        if roles.is_file():  # psql echoes a failing statement, the server quotes it: mask the hashes first
            mask_password_hashes(roles.read_text(encoding="utf-8"))
        if opts.dump_format is DumpFormat.PLAIN:
            files = ([str(roles)] if roles.is_file() else []) + [str(dump)]
            return self.runner.run(psql_load_argv(tools, files), env, progress=read_progress(self.runner, dump))
        seconds = self.runner.run(psql_load_argv(tools, [str(roles)]), env) if roles.is_file() else 0.0
        if opts.dump_format is DumpFormat.PARALLEL:
            self._parallel = ParallelCopy(tools, source, target, dump.parent, opts.jobs, plan.timescaledb is not None,
                                          self.log, binary=plan.source["major"] == plan.target["major"],
                                          split=plan.source["major"] >= TID_RANGE_SCAN_MAJOR,
                                          client_encoding=plan.source["encoding"])
            self.stop_on_kill(self._parallel.kill)
            return seconds + self._parallel.run()
        progress = copy_progress(target, plan.source.get("table_bytes", 0))
        if opts.dump_format is DumpFormat.STREAM:
            return seconds + self.runner.run_pipeline(pg_dump_plain_argv(tools, None), source.libpq_env(),
                                                      psql_load_argv(tools, []), env, progress=progress)
        if plan.timescaledb is not None:
            return seconds + self._restore_timescaledb(tools, target, dump, opts.jobs, progress)
        rest = pg_restore_argv(tools, target.database, str(dump), jobs=opts.jobs)
        return seconds + self.runner.run(rest, env, progress=progress)

    def _restore_timescaledb(self, tools: Any, target: Endpoint, dump: Path, jobs: int,
                             progress: Callable[[], str | None]) -> float:
        """Every definition first, then TimescaleDB's catalog rows alone and serially (some name tables, roles
        and types: compression_settings' regclass columns, bgw_job's owner), then the rest in parallel."""
        env = target.libpq_env()
        self.log.info("restoring the definitions, then %s's rows alone and serially, then the rest with %d jobs",
                      TIMESCALEDB_CATALOG, jobs)
        seconds = self.runner.run(pg_restore_argv(tools, target.database, str(dump), section="pre-data"), env)
        seconds += self.runner.run(pg_restore_argv(tools, target.database, str(dump), section="data",
                                                   schema=TIMESCALEDB_CATALOG), env)
        rest = pg_restore_argv(tools, target.database, str(dump), jobs=jobs, exclude_schema=TIMESCALEDB_CATALOG,
                               section=("data", "post-data"))
        return seconds + self.runner.run(rest, env, progress=progress)
