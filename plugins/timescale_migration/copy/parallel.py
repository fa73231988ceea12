"""The `parallel` format: the rows of the large tables copied table by table, `jobs` at a time, source to target.

1. A source session opens a REPEATABLE READ transaction and exports its snapshot; every reader imports it.
2. skeleton: `pg_dump -Fc` of everything but the large tables' rows (schema, TimescaleDB catalog, small tables,
   sequences, large objects) into the run directory; `pg_restore --section=pre-data`.
3. The skeleton's rows: TimescaleDB's catalog alone and first, then the rest. A table loaded as a hypertable and
   split into parts has its chunks created first (chunkseed.py), so that its parts load at once.
4. The large tables, largest first, through `jobs` workers: each worker keeps one psql session on the source
   (in the snapshot) and one on the target, and each table's rows pass from `COPY ... TO` to `COPY ... FROM`
   through a FIFO (copysessions.py; no data passes through Python), in COPY's binary format when both servers
   run the same major version and every column has a built-in type (text otherwise), written with FREEZE; a
   table larger than one worker's share is split into block ranges copied at once (without FREEZE). A table
   whose name psql's \\copy cannot take on one line is copied by a `psql | psql` pipeline of its own.
5. `pg_restore --section=post-data -j jobs`: indexes, constraints, triggers, in parallel.

From the skeleton's rows to the end of post-data autovacuum is off on the large tables (it would analyze and vacuum
them while they are filled and indexed: work the analyze phase does anyway, and locks the index builds wait for).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import workdir
from timescale_migration.constants import (
    BULK_MAX_TABLES,
    BULK_MIN_BYTES,
    CHUNK_COPY_MIN_BYTES,
    SKELETON_FILE,
    TID_RANGE_SCAN_MAJOR,
    TIMESCALEDB_CATALOG,
    DumpFormat,
)
from timescale_migration.copy import dumpfilter, loadclaim, rowsecurity, schemadiff, staging
from timescale_migration.copy.base import StreamedFormat
from timescale_migration.copy.chunkseed import ChunkSeed, Seeded, chunk_predicate, outside_predicate
from timescale_migration.copy.copysessions import CopySessions, fifo_directory
from timescale_migration.copy.hypertables import Conversion
from timescale_migration.copy.parallel_plan import (
    BulkTable,
    Slice,
    TableCopy,
    bulk_tables,
    plan_copies,
    session_setup,
    slice_commands,
)
from timescale_migration.copy.progress import index_progress
from timescale_migration.copy.schemadiff import Manifest, Reuse
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed, MigrationError
from timescale_migration.tools.clienttools import (
    ClientTools,
    pg_dump_skeleton_argv,
    pg_restore_argv,
    psql_session_argv,
)
from timescale_migration.tools.progress import time_left
from timescale_migration.tools.runner import ToolRunner, report_every
from timescale_migration.tools.workqueue import work_through


@contextmanager
def autovacuum_paused(target: Endpoint, tables: list[BulkTable], log: Any) -> Iterator[None]:
    """Autovacuum off on the target's `tables` for the block, then reset (tables whose source sets
    autovacuum_enabled itself are left alone). Best effort: a table that refuses is loaded as it is."""
    paused, refused = _alter_each(target, [t for t in tables if not t.autovacuum_set], "copy/autovacuum_off")
    for problem in refused:
        log.warning("autovacuum stays on for %s during the load", problem)
    log.info("autovacuum off on %d of %d large table(s) until their indexes are built", len(paused), len(tables))
    try:
        yield
    except BaseException:
        _reset_autovacuum(target, paused, log, strict=False)  # the load's own error is the one to raise
        raise
    _reset_autovacuum(target, paused, log, strict=True)


def _alter_each(target: Endpoint, tables: list[BulkTable], statement: str) -> tuple[list[BulkTable], list[str]]:
    """Run include/sql/<statement>.sql for each table in one session: (the tables it succeeded for, "table
    (error)" for the others)."""
    altered: list[BulkTable] = []
    failed: list[str] = []
    with target.connect() as conn:
        for table in tables:
            try:
                catalog.run(conn, sqlfiles.compose(statement, table=(table.schema, table.name)))
                altered.append(table)
            except psycopg.Error as err:
                failed.append(f"{table.label} ({err})")
    return altered, failed


def _reset_autovacuum(target: Endpoint, tables: list[BulkTable], log: Any, *, strict: bool) -> None:
    """RESET every table's autovacuum settings; a table left with autovacuum off fails the load when `strict`."""
    try:
        _, failed = _alter_each(target, tables, "copy/autovacuum_reset")
    except Exception as err:  # the target went away
        failed = [f"every paused table ({err})"]
    if not failed:
        log.info("autovacuum settings of %d table(s) reset", len(tables))
        return
    message = (
        f"autovacuum is still off on {', '.join(failed[:10])}: run ALTER TABLE ... RESET "
        "(autovacuum_enabled, toast.autovacuum_enabled) on them, or drop the target database"
    )
    if strict:
        raise MigrationError(message)
    log.error(message)


@contextmanager
def exported_snapshot(source: Endpoint) -> Iterator[tuple[str, list[BulkTable]]]:
    """(snapshot id, the large tables, largest first), held open until the block ends."""
    with source.connect() as conn:
        conn.execute(sqlfiles.query("copy/begin_repeatable_read"))
        snapshot = catalog.rows(conn, "copy/export_snapshot")[0]["snapshot"]
        rows = catalog.rows(conn, "copy/bulk_data_tables", {"min_bytes": BULK_MIN_BYTES, "max_tables": BULK_MAX_TABLES})
        try:
            yield snapshot, bulk_tables(rows)
        finally:
            conn.execute("ROLLBACK")


class ParallelCopy:
    """Runs the five steps; every tool it starts is killed by kill()."""

    def __init__(
        self,
        tools: ClientTools,
        source: Endpoint,
        target: Endpoint,
        run_dir: Path,
        jobs: int,
        timescaledb: bool,
        log: Any,
        *,
        binary: bool = False,
        split: bool = False,
        client_encoding: str | None = None,
        conversion: Conversion | None = None,
        stripped: list[str] | tuple[str, ...] = (),
        staged: Manifest | None = None,
    ) -> None:
        self.tools, self.source, self.target, self.jobs = tools, source, target, max(1, jobs)
        self.run_dir, self.skeleton = run_dir, run_dir / SKELETON_FILE
        self.timescaledb, self.log, self.binary, self.split = timescaledb, log, binary, split
        self.encoding = {"PGCLIENTENCODING": client_encoding} if client_encoding else {}
        self.conversion = conversion
        self.stripped = list(stripped)
        """Column options to leave out of the definitions (copy/dumpfilter.py)."""
        self.staged = staged
        """What stage_schema put in the target before the gate (copy/staging.py), None: nothing."""
        self.runners: list[ToolRunner] = []
        self.sessions: list[CopySessions] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.stats: dict[str, int] = {}
        self.seeded: dict[str, Seeded] = {}

    def _runner(self) -> ToolRunner:
        runner = ToolRunner(self.log)
        with self._lock:
            self.runners.append(runner)
        return runner

    def kill(self) -> None:
        """Kill every running tool of this copy; no worker starts another table."""
        self._stopped.set()
        with self._lock:
            runners, sessions = list(self.runners), list(self.sessions)
        for runner in runners:
            runner.kill()
        for pair in sessions:
            pair.kill()

    def run(self) -> float:
        """The whole copy; seconds taken."""
        env = self.target.libpq_env()
        seconds = 0.0
        with fifo_directory(self.run_dir) as fifos, exported_snapshot(self.source) as (snapshot, bulk):
            copies = plan_copies(
                self.tools,
                bulk,
                snapshot,
                binary=self.binary,
                jobs=self.jobs,
                split=self.split,
                fifo_dir=fifos,
                hypertables=self.conversion.tables if self.conversion else (),
            )
            binary = len({c.table for c in copies if c.binary})
            split = len({c.table for c in copies if c.part})
            self.stats = {
                "bulk_tables": len(bulk),
                "workers": min(self.jobs, len(copies)),
                "bulk_bytes": sum(t.bytes for t in bulk),
                "binary_tables": binary,
                "split_tables": split,
                "piped_copies": sum(1 for c in copies if c.session is None),
            }
            self.log.info(
                "parallel copy from snapshot %s: %d large table(s), %s MB, by %d worker(s); %d in "
                "binary format, %d in text; %d split into block ranges",
                snapshot,
                len(bulk),
                f"{self.stats['bulk_bytes'] / 1e6:,.0f}",
                self.stats["workers"],
                binary,
                len(bulk) - binary,
                split,
            )
            workdir.private_file(self.skeleton)  # pg_dump writes into it: private like every dump
            seconds += self._runner().run(
                pg_dump_skeleton_argv(self.tools, str(self.skeleton), snapshot, [t.pattern for t in bulk]),
                self.source.libpq_env(),
            )
            restore = self._restore_argv
            reuse = self._reuse() if self.staged is not None else None
            if reuse is None:
                seconds += dumpfilter.restore_pre_data(
                    self._runner(), self.tools, self.target.database, str(self.skeleton), env, self.stripped
                )
            else:
                seconds += self._complete_staged(reuse)
            if self.conversion is not None:  # the tables are defined and empty: their rows will land in chunks
                seconds += self.conversion.convert()
            with autovacuum_paused(self.target, bulk, self.log):
                seconds += self._seed_chunks(copies, snapshot)
                copies = self._by_chunk(copies, snapshot, fifos)
                if self.timescaledb:
                    seconds += self._runner().run(restore(section="data", schema=TIMESCALEDB_CATALOG), env)
                seconds += self._runner().run(
                    restore(
                        section="data", exclude_schema=TIMESCALEDB_CATALOG if self.timescaledb else None, jobs=self.jobs
                    ),
                    env,
                )
                seconds += self._copy_all(copies, env, snapshot)
                if self.conversion is not None:
                    seconds += self.conversion.post_data(
                        self._runner().run, self.skeleton, self.jobs, index_progress(self.target)
                    )
                else:
                    seconds += rowsecurity.restore_last(
                        self._runner().run,
                        self.tools,
                        restore(section="post-data", jobs=self.jobs),
                        env,
                        self.run_dir,
                        progress=index_progress(self.target),
                        skip=reuse.done if reuse else (),
                    )
        return seconds

    def _reuse(self) -> Reuse | None:
        """How much of the staged schema the skeleton leaves as it is; None (the target emptied) when something
        staged changed on the source since."""
        assert self.staged is not None
        reuse = schemadiff.compare(self.staged, schemadiff.entries(self.tools, self.skeleton))
        if reuse.reason is None:
            self.stats["staged_unchanged"] = reuse.unchanged
            return reuse
        self.stats["staged_unused"] = 1
        self.log.warning(
            "the schema staged before the gate is not used: %s; emptying the target to restore the whole skeleton",
            reuse.reason,
        )
        with self.target.connect() as conn:
            loadclaim.empty(conn, self.log, self.target.connect)
        return None

    def _complete_staged(self, reuse: Reuse) -> float:
        """The staged schema made the skeleton's: tables the source dropped since dropped, entries it gained
        restored; seconds taken."""
        started = time.monotonic()
        if reuse.dropped:
            with self.target.connect() as conn:
                for table in reuse.dropped:
                    catalog.run(conn, sqlfiles.compose("copy/drop_staged_table", table=table))
        seconds = time.monotonic() - started
        self.stats.update(staged_restored=len(reuse.pre_data), staged_dropped=len(reuse.dropped))
        if reuse.pre_data:
            seconds += staging.restore_listed(
                self.tools, self._runner(), self.target, self.skeleton, reuse.pre_data, "pre-data", self.stripped
            )
        self.log.info(
            "schema staged before the gate: %d entries unchanged; %d new pre-data entries restored, %d table(s) the "
            "source dropped since dropped; %d post-data entries already built",
            reuse.unchanged,
            len(reuse.pre_data),
            len(reuse.dropped),
            len(reuse.done),
        )
        return seconds

    def _seed_chunks(self, copies: list[TableCopy], snapshot: str) -> float:
        """The chunks of every hypertable split into parts, created before the parts load (chunkseed.py); seconds."""
        split = {(c.table.schema, c.table.name): c.table for c in copies if c.part is not None}
        specs = [
            (spec, split[(spec.schema, spec.table)].columns)
            for spec in (self.conversion.specs if self.conversion else ())
            if (spec.schema, spec.table) in split
        ]
        if not specs:
            return 0.0
        started = time.monotonic()
        seed = ChunkSeed(self.source, self.target, snapshot, self.encoding.get("PGCLIENTENCODING"), self.log)
        self.seeded = {s.label: s for s in seed.run(specs)}
        self.stats["seeded_chunks"] = sum(s.chunks for s in self.seeded.values())
        return time.monotonic() - started

    def _by_chunk(self, copies: list[TableCopy], snapshot: str, fifos: Path) -> list[TableCopy]:
        """The parts of each seeded table with a time dimension alone replaced by one copy per chunk (its rows
        straight into it, frozen) and one for the rows no chunk holds; largest first, as planned."""
        specs = {spec.label: spec for spec in (self.conversion.specs if self.conversion else ())}
        tables = {c.table.label: c for c in copies if c.table.label in self.seeded}
        direct = {}
        for label, seeded in self.seeded.items():
            average = tables[label].table.bytes / max(1, len(seeded.ranges))
            if seeded.ranges and average >= CHUNK_COPY_MIN_BYTES:
                direct[label] = seeded
            elif seeded.ranges:
                self.log.info(
                    "%s: its %d chunk(s) hold %.1f MB on average: its parts go through the hypertable",
                    label,
                    len(seeded.ranges),
                    average / 1e6,
                )
        if not direct:
            return copies
        kept = [c for c in copies if c.table.label not in direct]
        added: list[TableCopy] = []
        for label, seeded in direct.items():
            first, column = tables[label], specs[label].time_column
            pieces = [
                Slice(len(seeded.ranges), chunk_predicate(column, seeded, chunk), (chunk.schema, chunk.name))
                for chunk in seeded.ranges
            ]
            pieces.append(Slice(len(seeded.ranges), outside_predicate(column, seeded), None))
            for piece in pieces:
                added.append(
                    slice_commands(
                        self.tools, first.table, snapshot, first.binary, piece, fifos / f"chunk-{len(added)}.fifo"
                    )
                )
            self.log.info(
                "%s: copied chunk by chunk, %d chunk(s), each straight into its chunk and frozen",
                label,
                len(seeded.ranges),
            )
        self.stats["chunk_copies"] = sum(1 for c in added if c.slice and c.slice.chunk)
        return sorted(kept + added, key=lambda c: -c.bytes)

    def _restore_argv(
        self, *, section: str, jobs: int = 1, schema: str | None = None, exclude_schema: str | None = None
    ) -> list[str]:
        return pg_restore_argv(
            self.tools,
            self.target.database,
            str(self.skeleton),
            jobs=jobs,
            schema=schema,
            exclude_schema=exclude_schema,
            section=section,
        )

    def _sessions(self, source_env: dict[str, str], target_env: dict[str, str], snapshot: str) -> CopySessions:
        reader_setup, writer_setup = session_setup(snapshot)
        pair = CopySessions(
            (psql_session_argv(self.tools, "source"), source_env, reader_setup),
            (psql_session_argv(self.tools, "target"), target_env, writer_setup),
            self.log,
        )
        with self._lock:
            self.sessions.append(pair)
        return pair

    def _copy_all(self, copies: list[TableCopy], env: dict[str, str], snapshot: str) -> float:
        """Every table, largest first, by `jobs` workers (each with its two sessions, and a runner for a table
        the sessions cannot take); the first failure kills the others and fails the copy."""
        started = time.monotonic()
        done = {"tables": 0, "bytes": 0}
        total = sum(c.bytes for c in copies)
        source_env = {**self.source.libpq_env(), **self.encoding}
        target_env = {**env, **self.encoding}

        def copy_one(worker: tuple[ToolRunner, CopySessions], copy: TableCopy) -> None:
            runner, sessions = worker
            try:
                seconds = (
                    sessions.copy(copy.session)
                    if copy.session is not None
                    else runner.run_pipeline(copy.reader, source_env, copy.writer, target_env, quiet=True)
                )
            except BaseException as err:
                raise ClientToolFailed(f"copying {copy.label}: {err}") from err
            with self._lock:
                done["tables"] += 1
                done["bytes"] += copy.bytes
            self.log.info(
                "copied %s (%s, %s MB) in %.1fs",
                copy.label,
                "binary" if copy.binary else "text",
                f"{copy.bytes / 1e6:,.1f}",
                seconds,
            )

        def report() -> str:
            with self._lock:
                tables, moved = done["tables"], done["bytes"]
            with self.target.connect() as conn:
                running = catalog.rows(conn, "copy/copy_progress")
            now = catalog.describe_copies(running)
            flowing = min(total, moved + sum(int(c["bytes_done"] or 0) for c in running))  # COPYs under way count
            elapsed = time.monotonic() - started
            left = time_left(flowing, total, elapsed)
            return (
                f"{tables} of {len(copies)} copies done ({moved / 1e6:,.0f} of {total / 1e6:,.0f} MB, "
                f"~{flowing / 1e6:,.0f} MB with those under way){left}; now: {now or 'between tables'}"
            )

        workers = [
            (self._runner(), self._sessions(source_env, target_env, snapshot))
            for _ in range(min(self.jobs, len(copies)))
        ]
        try:
            for _, sessions in workers:  # from this thread, which outlives the workers' threads (dies_with_parent)
                if any(c.session is not None for c in copies):
                    sessions.start()
            with report_every(report, self.log, "copy"):
                errors = work_through(copies, workers, copy_one, stopped=self._stopped, stop=self.kill, name="copy")
            if not errors and not self._stopped.is_set():
                for _, sessions in workers:
                    sessions.close()
        finally:
            for _, sessions in workers:
                sessions.kill()
        if errors:
            first = errors[0]
            raise first if isinstance(first, ClientToolFailed) else ClientToolFailed(str(first))
        if self._stopped.is_set():
            raise ClientToolFailed("the copy was stopped (on_kill) before every table was copied")
        return time.monotonic() - started


class ParallelFormat(StreamedFormat):
    """`parallel`: nothing dumped ahead; load runs the five steps above (ParallelCopy)."""

    format = DumpFormat.PARALLEL
    _copy: ParallelCopy | None = None

    def load(self, roles: Path) -> float:
        job = self.job
        seconds = self.load_roles(roles)
        plan = job.plan
        self._copy = ParallelCopy(
            plan.client_tools,
            job.source,
            job.target,
            job.run_dir,
            job.jobs,
            plan.timescaledb is not None,
            job.log,
            binary=plan.source["major"] == plan.target["major"],
            split=plan.source["major"] >= TID_RANGE_SCAN_MAJOR,
            client_encoding=plan.source["encoding"],
            conversion=job.conversion(),
            stripped=plan.stripped_column_options,
            staged=job.staged,
        )
        seconds += self._copy.run()
        self.stats = self._copy.stats
        return seconds

    def kill(self) -> None:
        if self._copy is not None:
            self._copy.kill()
