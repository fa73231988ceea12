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

import math
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration import workdir
from timescale_migration.constants import (
    BULK_MAX_TABLES,
    BULK_MIN_BYTES,
    CHUNK_COPY_MIN_BYTES,
    SKELETON_FILE,
    SPLIT_MIN_BYTES,
    TID_RANGE_SCAN_MAJOR,
    TIMESCALEDB_CATALOG,
    DumpFormat,
)
from timescale_migration.copy import dumpfilter, rowsecurity
from timescale_migration.copy.base import StreamedFormat
from timescale_migration.copy.chunkseed import ChunkSeed, Seeded, chunk_predicate, outside_predicate
from timescale_migration.copy.copysessions import CopySessions, SessionCopy, fifo_directory, fifo_literal, one_line
from timescale_migration.copy.hypertables import Conversion
from timescale_migration.copy.progress import index_progress
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed, MigrationError
from timescale_migration.tools.clienttools import (
    ClientTools,
    dump_pattern,
    pg_dump_skeleton_argv,
    pg_restore_argv,
    psql_commands_argv,
    psql_session_argv,
)
from timescale_migration.tools.progress import time_left
from timescale_migration.tools.runner import ToolRunner, report_every
from timescale_migration.tools.workqueue import work_through


@dataclass(frozen=True)
class BulkTable:
    """A large table the workers copy: its columns (COPY's list) and whether all have built-in types."""

    schema: str
    name: str
    bytes: int
    columns: tuple[str, ...]
    builtin_types: bool
    blocks: int = 0
    autovacuum_set: bool = False
    splittable: bool = True

    @property
    def pattern(self) -> str:
        """The pg_dump pattern matching exactly this table."""
        return dump_pattern(self.schema, self.name)

    @property
    def label(self) -> str:
        """schema.name as a person reads it."""
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Part:
    """Heap blocks [first, last) of a split table (last None: to the end), part `index` of `count`."""

    index: int
    count: int
    first: int
    last: int | None


@dataclass(frozen=True)
class Slice:
    """The rows of a table loaded as a hypertable that one chunk holds (`predicate` on the time column), written
    straight into that chunk; or, `chunk` None, the rows no chunk holds, written through the hypertable."""

    count: int
    predicate: pgsql.Composable
    chunk: tuple[str, str] | None


@dataclass(frozen=True)
class TableCopy:
    """The two psql command lines that copy one table, or one part of a split table, or one chunk's rows."""

    table: BulkTable
    binary: bool
    reader: list[str]
    writer: list[str]
    part: Part | None = None
    session: SessionCopy | None = None
    slice: Slice | None = None

    @property
    def bytes(self) -> int:
        """The table's bytes, or its part's (or chunk's) share."""
        if self.slice is not None:
            return self.table.bytes // self.slice.count if self.slice.chunk else 0
        return self.table.bytes // (self.part.count if self.part else 1)

    @property
    def label(self) -> str:
        """The table, and which part or chunk."""
        if self.slice is not None:
            into = ".".join(self.slice.chunk) if self.slice.chunk else "rows in no chunk's range"
            return f"{self.table.label} ({into})"
        return self.table.label + (f" (part {self.part.index + 1} of {self.part.count})" if self.part else "")


def split_parts(table: BulkTable, share: float, jobs: int) -> list[Part]:
    """Block ranges for a table larger than one worker's share of all the bytes (and SPLIT_MIN_BYTES), so that
    it does not keep one worker busy long after the others: at most `jobs` parts; none for any other table, nor
    for a table that is not `splittable` (TimescaleDB chunks: a SELECT of a compressed one decompresses)."""
    if not table.splittable or jobs < 2 or table.bytes < SPLIT_MIN_BYTES or table.bytes <= share or table.blocks < jobs:
        return []
    count = min(jobs, math.ceil(table.bytes / share))
    bounds = [table.blocks * i // count for i in range(count)] + [None]
    return [Part(i, count, bounds[i], bounds[i + 1]) for i in range(count)]  # type: ignore[arg-type]


def copy_commands(
    tools: ClientTools,
    table: BulkTable,
    snapshot: str,
    binary: bool,
    part: Part | None = None,
    fifo: Path | None = None,
    *,
    hypertable: bool = False,
) -> TableCopy:
    """Reader (source, inside the exported snapshot) and writer (target) of one table: one transaction of
    TRUNCATE ONLY (of a `hypertable`, converted on the target: TRUNCATE, which it needs) then COPY FREEZE; or of
    one part of a split table: its block range, COPY without FREEZE (the parts load the same table at once, which
    TRUNCATE's lock would serialize). As psql command lines, and (with `fifo`) as the commands of a worker's
    long-lived sessions meeting at that FIFO."""
    ident = (table.schema, table.name)
    columns = pgsql.SQL(", ").join(pgsql.Identifier(column) for column in table.columns)
    column_list = pgsql.SQL(" ({})").format(columns) if table.columns else pgsql.SQL("")  # a table may have none
    out = pgsql.SQL("(FORMAT binary)" if binary else "")
    emptying = "copy/truncate_hypertable" if hypertable else "copy/truncate_only"
    truncate = [sqlfiles.command(emptying, table=ident)] if part is None else []
    if part is None:
        copy_out = (
            "copy/copy_rows_out",
            "copy/copy_rows_out_fifo",
            {"table": ident, "columns": column_list, "options": out},
        )
        into = pgsql.SQL("(FORMAT binary, FREEZE)" if binary else "(FREEZE)")
    else:
        copy_out = (
            "copy/copy_rows_range_out",
            "copy/copy_rows_range_out_fifo",
            {"table": ident, "columns": columns, "options": out, **_block_range(part)},
        )
        into = out
    copy_in = {"table": ident, "columns": column_list, "options": into}
    reader, writer, session = _commands(tools, snapshot, copy_out, copy_in, truncate, fifo)
    return TableCopy(table, binary, reader, writer, part, session)


def slice_commands(
    tools: ClientTools, table: BulkTable, snapshot: str, binary: bool, piece: Slice, fifo: Path | None = None
) -> TableCopy:
    """Reader and writer of one chunk's rows: the source's rows in the chunk's range, into the chunk itself in
    one transaction of TRUNCATE ONLY then COPY FREEZE (the rows frozen as a whole table's are); or the rows no
    chunk holds, into the hypertable (which routes them, creating what chunks they need)."""
    columns = pgsql.SQL(", ").join(pgsql.Identifier(column) for column in table.columns)
    out = pgsql.SQL("(FORMAT binary)" if binary else "")
    copy_out = (
        "copy/copy_rows_where_out",
        "copy/copy_rows_where_out_fifo",
        {"table": (table.schema, table.name), "columns": columns, "options": out, "predicate": piece.predicate},
    )
    truncate = [sqlfiles.command("copy/truncate_only", table=piece.chunk)] if piece.chunk is not None else []
    copy_in = {
        "table": piece.chunk or (table.schema, table.name),
        "columns": pgsql.SQL(" ({})").format(columns),
        "options": pgsql.SQL("(FORMAT binary, FREEZE)" if binary else "(FREEZE)") if truncate else out,
    }
    reader, writer, session = _commands(tools, snapshot, copy_out, copy_in, truncate, fifo)
    return TableCopy(table, binary, reader, writer, None, session, piece)


def _commands(
    tools: ClientTools,
    snapshot: str,
    copy_out: tuple[str, str, dict[str, Any]],
    copy_in: dict[str, Any],
    truncate: list[str],
    fifo: Path | None,
) -> tuple[list[str], list[str], SessionCopy | None]:
    """One copy as the two psql command lines (the writer in one transaction when it empties its table first),
    and as the commands of a worker's two sessions meeting at `fifo`."""
    reader_setup, writer_setup = _setup(snapshot)
    reader = psql_commands_argv(tools, [*reader_setup, sqlfiles.command(copy_out[0], **copy_out[2])])
    writer = psql_commands_argv(
        tools,
        [*writer_setup, *truncate, sqlfiles.command("copy/copy_rows_in", **copy_in)],
        single_transaction=bool(truncate),
    )
    session = _session_copy(fifo, copy_out, copy_in, truncate) if fifo is not None else None
    return reader, writer, session


def _session_copy(
    fifo: Path, copy_out: tuple[str, str, dict[str, Any]], copy_in: dict[str, Any], truncate: list[str]
) -> SessionCopy | None:
    """The same copy as \\copy commands of the two sessions, meeting at `fifo` (include/sql/copy/*_fifo.sql): the
    target's in one transaction with the TRUNCATE when there is one; None when psql could not read them."""
    path = fifo_literal(fifo)
    if path is None:
        return None
    to_fifo = sqlfiles.command(copy_out[1], fifo=path, **copy_out[2])
    from_fifo = sqlfiles.command("copy/copy_rows_in_fifo", fifo=path, **copy_in)
    if not (one_line(to_fifo) and one_line(from_fifo)):
        return None
    load = ("BEGIN;", *(t + ";" for t in truncate), from_fifo, "COMMIT;") if truncate else (from_fifo,)
    return SessionCopy(fifo, (to_fifo,), load)


def _block_range(part: Part) -> dict[str, pgsql.Composable]:
    """{first} and {upper} of a part's TID range scan."""
    upper = (
        pgsql.SQL(" AND ctid < {}::tid").format(pgsql.Literal(f"({part.last},0)"))
        if part.last is not None
        else pgsql.SQL("")
    )
    return {"first": pgsql.Literal(f"({part.first},0)"), "upper": upper}


def _setup(snapshot: str) -> tuple[list[str], list[str]]:
    """What a source reader runs before its COPY (settings, then a REPEATABLE READ transaction in the exported
    snapshot) and what a target writer runs before its rows (settings)."""
    settings = sqlfiles.command("copy/copy_session_settings")
    return [
        settings,
        sqlfiles.command("copy/begin_repeatable_read"),
        sqlfiles.command("copy/set_transaction_snapshot", snapshot=pgsql.Literal(snapshot)),
    ], [settings]


def session_setup(snapshot: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The same setup for a worker's long-lived sessions, each statement ended for psql's script reader (the
    source session's transaction then holds the snapshot for all its tables)."""

    def ended(commands: list[str]) -> tuple[str, ...]:
        return tuple(c if c.endswith(";") else c + ";" for c in commands)

    reader, writer = _setup(snapshot)
    return ended(reader), ended(writer)


def plan_copies(
    tools: ClientTools,
    tables: list[BulkTable],
    snapshot: str,
    *,
    binary: bool,
    jobs: int,
    split: bool,
    fifo_dir: Path | None = None,
    hypertables: Collection[tuple[str, str]] = (),
) -> list[TableCopy]:
    """Every table's copy (or its parts' copies, when `split` and it is large), largest first; with `fifo_dir`,
    each through a FIFO of its own there; `hypertables`: (schema, table) of those converted on the target."""
    share = sum(t.bytes for t in tables) / max(1, jobs)
    copies: list[TableCopy] = []
    for table in tables:
        use_binary = binary and table.builtin_types
        parts: list[Part | None] = list(split_parts(table, share, jobs)) if split else []
        for part in parts or [None]:
            fifo = fifo_dir / f"{len(copies)}.fifo" if fifo_dir is not None else None
            copies.append(
                copy_commands(
                    tools, table, snapshot, use_binary, part, fifo, hypertable=(table.schema, table.name) in hypertables
                )
            )
    return sorted(copies, key=lambda c: -c.bytes)


def bulk_tables(rows: list[dict[str, Any]]) -> list[BulkTable]:
    """BulkTable of each bulk_data_tables row."""
    return [
        BulkTable(
            r["schema_name"],
            r["table_name"],
            int(r["bytes"]),
            tuple(r["columns"]),
            bool(r["builtin_types"]),
            int(r["blocks"]),
            bool(r.get("autovacuum_set")),
            bool(r.get("splittable", True)),
        )
        for r in rows
    ]


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
    ) -> None:
        self.tools, self.source, self.target, self.jobs = tools, source, target, max(1, jobs)
        self.run_dir, self.skeleton = run_dir, run_dir / SKELETON_FILE
        self.timescaledb, self.log, self.binary, self.split = timescaledb, log, binary, split
        self.encoding = {"PGCLIENTENCODING": client_encoding} if client_encoding else {}
        self.conversion = conversion
        self.stripped = list(stripped)
        """Column options to leave out of the definitions (copy/dumpfilter.py)."""
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
            seconds += dumpfilter.restore_pre_data(
                self._runner(), self.tools, self.target.database, str(self.skeleton), env, self.stripped
            )
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
        )
        seconds += self._copy.run()
        self.stats = self._copy.stats
        return seconds

    def kill(self) -> None:
        if self._copy is not None:
            self._copy.kill()
