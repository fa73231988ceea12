"""Chunks created before a split hypertable's parts load. TimescaleDB locks a hypertable when COPY creates a chunk
in it and keeps the lock until that COPY commits, so the parts of a table split into block ranges would load one
after the other. A few real rows from the start of every chunk-sized slice of the time column are copied into
the empty hypertable and deleted again in one transaction: TimescaleDB creates every chunk as it would for the
whole table, and the parts then only route rows into existing chunks, at once. With a time dimension alone, each
chunk's range then tells which source rows it holds: the copy fills every chunk straight from a range query on
the source (rows_by_chunk), emptied and written FROZEN in one transaction like a whole table, and the rows no
chunk range holds (none, unless the table changed) go through the hypertable.

A slice missed (a hash dimension's partition no seed row fell into, or a time alignment TimescaleDB computes
otherwise) costs time, never rows: its chunk is created during the copy as before."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.options import HypertableSpec

TIME_TYPES = ("timestamp with time zone", "timestamp without time zone", "date")
INTEGER_TYPES = ("smallint", "integer", "bigint")
ROWS_PER_HASH_PARTITION = 8
"""Seed rows per slice and hash partition: the first rows of a slice, hoping to fall into every partition."""
MAX_ROWS_PER_SLICE = 1000


@dataclass(frozen=True)
class ChunkRange:
    """One chunk of a hypertable with a time dimension alone, and its range (UTC timestamps as text, or integers)."""

    schema: str
    name: str
    start: str | int
    end: str | int


@dataclass(frozen=True)
class Seeded:
    """What seeding one table did: its chunks before the parts load, the seed rows, seconds; or why it did not.
    `ranges`: every chunk's range when the time is the only dimension (the copy fills those chunks directly)."""

    label: str
    chunks: int = 0
    rows: int = 0
    seconds: float = 0.0
    skipped: str | None = None
    column_type: str = ""
    ranges: tuple[ChunkRange, ...] = ()


def _fragment(name: str, **values: str | pgsql.Composable) -> pgsql.Composable:
    """An SQL expression file (its comment lines left out) with its placeholders filled, to compose into another."""
    return pgsql.SQL(sqlfiles.command(name, **values))


def _bound(column_type: str, value: str | int) -> pgsql.Composable:
    """A chunk bound as the time column compares with it."""
    if column_type in INTEGER_TYPES:
        return pgsql.Literal(int(value))
    name = "copy/utc_bound" if column_type == "timestamp with time zone" else "copy/naive_bound"
    return _fragment(name, value=pgsql.Literal(str(value)))


def _between(column: str, column_type: str, start: str | int, end: str | int) -> pgsql.Composable:
    return _fragment(
        "copy/in_chunk_range", column=column, start=_bound(column_type, start), end=_bound(column_type, end)
    )


def chunk_predicate(column: str, seeded: Seeded, chunk: ChunkRange) -> pgsql.Composable:
    """The source rows one chunk holds: its range on the time column."""
    return _between(column, seeded.column_type, chunk.start, chunk.end)


def outside_predicate(column: str, seeded: Seeded) -> pgsql.Composable:
    """The source rows no chunk range holds: before the first, in a gap between two, from the last's end, NULL."""
    ranges = seeded.ranges  # in order, and never overlapping: one dimension
    pieces = [_fragment("copy/before_bound", column=column, bound=_bound(seeded.column_type, ranges[0].start))]
    reach = ranges[0].end
    for chunk in ranges[1:]:
        if chunk.start != reach:
            pieces.append(_between(column, seeded.column_type, reach, chunk.start))
        reach = chunk.end
    pieces.append(_fragment("copy/from_bound", column=column, bound=_bound(seeded.column_type, reach)))
    return pgsql.SQL(" OR ").join(pgsql.SQL("({})").format(piece) for piece in pieces)


def rows_per_slice(spec: HypertableSpec) -> int:
    """One row per slice; with a hash dimension, enough first rows to likely meet every partition."""
    if spec.hash_column is None or not spec.hash_partitions:
        return 1
    return min(MAX_ROWS_PER_SLICE, ROWS_PER_HASH_PARTITION * spec.hash_partitions)


def seed_query(spec: HypertableSpec, columns: tuple[str, ...], dimension: dict[str, Any]) -> pgsql.Composed | None:
    """The source's COPY of the seed rows, or None for a time column of a type the walk cannot step through."""
    kind = dimension["column_type"]
    values: dict[str, Any] = {
        "table": (spec.schema, spec.table),
        "column": spec.time_column,
        "columns": pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns),
        "per_slice": pgsql.Literal(rows_per_slice(spec)),
    }
    if kind in TIME_TYPES and dimension["time_interval"]:
        stride = pgsql.SQL("{}::interval").format(pgsql.Literal(dimension["time_interval"]))
        return sqlfiles.compose(
            "copy/chunk_seed_rows", next_slice=_fragment("copy/next_time_slice", stride=stride), **values
        )
    if kind in INTEGER_TYPES and dimension["integer_interval"]:
        stride = pgsql.SQL("{}::bigint").format(pgsql.Literal(int(dimension["integer_interval"])))
        return sqlfiles.compose(
            "copy/chunk_seed_rows", next_slice=_fragment("copy/next_integer_slice", stride=stride), **values
        )
    return None


class ChunkSeed:
    """Seeds the chunks of the split hypertables of one load, reading the source in the copy's snapshot."""

    def __init__(
        self, source: Endpoint, target: Endpoint, snapshot: str, client_encoding: str | None, log: Any
    ) -> None:
        self.source, self.target, self.snapshot = source, target, snapshot
        self.encoding, self.log = client_encoding, log

    def run(self, specs: list[tuple[HypertableSpec, tuple[str, ...]]]) -> list[Seeded]:
        """Seed each (spec, the columns the copy moves) in turn; what each did."""
        results = []
        with self.source.connect() as source, self.target.connect() as target:
            self._session(source, snapshot=True)
            self._session(target, snapshot=False)
            for spec, columns in specs:
                try:
                    seeded = self._seed(source, target, spec, columns)
                except psycopg.Error as err:  # rolled back: no chunk, no row; the copy creates the chunks itself
                    seeded = Seeded(spec.label, skipped=f"the seed failed: {err.diag.message_primary or err}")
                if seeded.skipped:
                    self.log.warning(
                        "chunks of %s not created ahead (%s): they are created during the copy, and its "
                        "parts wait for each other",
                        seeded.label,
                        seeded.skipped,
                    )
                else:
                    self.log.info(
                        "chunks of %s created ahead of its parts: %d chunk(s) from %d seed row(s) in %.2fs",
                        seeded.label,
                        seeded.chunks,
                        seeded.rows,
                        seeded.seconds,
                    )
                results.append(seeded)
            source.execute("ROLLBACK")
        return results

    def _session(self, conn: psycopg.Connection, *, snapshot: bool) -> None:
        """Both sides in the copy's client encoding and in UTC (the slices' alignment); the source in the snapshot."""
        if snapshot:
            conn.execute(sqlfiles.query("copy/begin_repeatable_read"))
            conn.execute(sqlfiles.compose("copy/set_transaction_snapshot", snapshot=pgsql.Literal(self.snapshot)))
        conn.execute("SET TimeZone = 'UTC'")
        if self.encoding:
            conn.execute(pgsql.SQL("SET client_encoding = {}").format(pgsql.Literal(self.encoding)))

    def _seed(
        self, source: psycopg.Connection, target: psycopg.Connection, spec: HypertableSpec, columns: tuple[str, ...]
    ) -> Seeded:
        started = time.monotonic()
        relation = pgsql.Identifier(spec.schema, spec.table).as_string(None)
        if not catalog.rows(source, "copy/index_leads_with_column", {"relation": relation, "column": spec.time_column})[
            0
        ]["present"]:
            return Seeded(spec.label, skipped=f"no B-tree index of the source leads with {spec.time_column}")
        found = catalog.rows(target, "timescaledb/time_dimension", {"schema": spec.schema, "table": spec.table})
        query = seed_query(spec, columns, found[0]) if found else None
        if query is None:
            return Seeded(spec.label, skipped="its time dimension is not one the seed can step through")
        column_list = pgsql.SQL(" ({})").format(pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
        with target.transaction():
            with (
                source.cursor().copy(query) as rows_out,
                target.cursor().copy(
                    sqlfiles.compose("copy/chunk_seed_rows_in", table=(spec.schema, spec.table), columns=column_list)
                ) as rows_in,
            ):
                for data in rows_out:
                    rows_in.write(data)
            deleted = target.execute(sqlfiles.compose("copy/chunk_seed_delete", table=(spec.schema, spec.table)))
            count = deleted.rowcount
        chunks = catalog.rows(target, "timescaledb/chunk_ranges", {"schema": spec.schema, "table": spec.table})
        integer = found[0]["column_type"] in INTEGER_TYPES
        ranges = tuple(
            ChunkRange(
                r["chunk_schema"],
                r["chunk_name"],
                r["range_start_integer"] if integer else r["range_start"],
                r["range_end_integer"] if integer else r["range_end"],
            )
            for r in chunks
        )
        return Seeded(
            spec.label,
            len(chunks),
            count,
            round(time.monotonic() - started, 3),
            column_type=found[0]["column_type"],
            ranges=() if spec.hash_column else ranges,
        )
