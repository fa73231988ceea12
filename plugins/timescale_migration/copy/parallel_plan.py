"""The `parallel` format's plan (copy/parallel.py runs it): the large tables, how a table larger than one
worker's share splits into block ranges, and the two psql command lines (or a worker's session commands meeting at
a FIFO) that copy each table, part or chunk's rows inside the exported snapshot."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import sql as pgsql

from timescale_migration.constants import SPLIT_MIN_BYTES
from timescale_migration.copy.copysessions import SessionCopy, fifo_literal, one_line
from timescale_migration.db import sqlfiles
from timescale_migration.tools.clienttools import ClientTools, dump_pattern, psql_commands_argv


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
    firsts = [table.blocks * i // count for i in range(count)]
    lasts: list[int | None] = [*firsts[1:], None]
    return [Part(i, count, first, last) for i, (first, last) in enumerate(zip(firsts, lasts, strict=True))]


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
    copy_out: tuple[str, str, dict[str, Any]]
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
