"""What one side holds, as data: every relation's row count and content checksum, every sequence, the large
objects. Computed inside the server (no rows reach Python), in parallel over `jobs` sessions, largest first.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration import catalog, sql


@dataclass
class TableSum:
    """One relation's rows: count and checksum (None when it could not be read), seconds taken."""

    kind: str
    rows: int | None
    checksum: str | None
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Fingerprint:
    """Everything compared as data for one side."""

    encoding: str
    tables: dict[str, TableSum] = field(default_factory=dict)
    sequences: dict[str, str] = field(default_factory=dict)
    large_objects: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (kept in the run's work directory)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        """Rebuild from to_dict()."""
        return cls(
            encoding=data["encoding"],
            tables={name: TableSum(**value) for name, value in data["tables"].items()},
            sequences=data["sequences"],
            large_objects=data["large_objects"],
            seconds=data.get("seconds", 0.0),
        )


Connect = Callable[[], Any]
"""Opens one session on a side (a context manager yielding a psycopg connection)."""


@contextmanager
def session_pool(connect: Connect, size: int) -> Iterator[queue.Queue[psycopg.Connection]]:
    """`size` verification sessions, each with the pinned output settings."""
    pool: queue.Queue[psycopg.Connection] = queue.Queue()
    with ExitStack() as stack:
        for _ in range(size):
            conn = stack.enter_context(connect())
            catalog.run(conn, sql.query("verify_session"))
            pool.put(conn)
        yield pool


def relations(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """(schema, name, kind, display name) of every relation holding user rows, hypertables marked, chunks
    left out (a chunk created in a user schema holds rows its hypertable already counts)."""
    hypertables = catalog.hypertables(conn)
    chunks = catalog.chunk_tables(conn) if hypertables else set()
    return [
        (schema, name, "hypertable" if (schema, name) in hypertables else kind, shown)
        for schema, name, kind, shown in catalog.user_tables(conn)
        if (schema, name) not in chunks
    ]


def checksum(conn: psycopg.Connection, schema: str, name: str, kind: str, *, utf8: bool) -> TableSum:
    """Count and checksum one relation's own rows (a hypertable's with its chunks)."""
    started = time.monotonic()
    only = pgsql.SQL("") if kind == "hypertable" else pgsql.SQL("ONLY")
    query = sql.compose("table_checksum_utf8" if utf8 else "table_checksum", only=only, table=(schema, name))
    try:
        rows, high, low = catalog.run(conn, query)[0]
    except psycopg.errors.InsufficientPrivilege as err:
        return TableSum(kind, None, None, time.monotonic() - started,
                        f"unreadable by {conn.info.user}: {err.diag.message_primary}")
    return TableSum(kind, int(rows), f"{high}:{low}", time.monotonic() - started)


def add_partitioned(conn: psycopg.Connection, tables: dict[str, TableSum]) -> None:
    """A partitioned table's rows are its leaves' rows: sum their counts and checksums (the sums add up)."""
    leaves: dict[str, list[str]] = {}
    for row in catalog.rows(conn, "partition_leaves"):
        leaves.setdefault(row["display_name"], []).append(row["leaf_display_name"])
    for parent, names in leaves.items():
        parts = [tables[n] for n in names if n in tables]
        if parent not in tables:
            continue
        if any(p.checksum is None for p in parts):
            tables[parent] = TableSum("partitioned", None, None, error="a partition could not be read")
            continue
        high = sum(int(p.checksum.split(":")[0]) for p in parts if p.checksum)
        low = sum(int(p.checksum.split(":")[1]) for p in parts if p.checksum)
        tables[parent] = TableSum("partitioned", sum(p.rows or 0 for p in parts), f"{high}:{low}")


def take(connect: Connect, *, jobs: int, utf8: bool, log: Any = None) -> Fingerprint:
    """The fingerprint of one side, over `jobs` parallel sessions."""
    started = time.monotonic()
    with session_pool(connect, jobs) as pool:
        conn = pool.get()
        try:
            encoding = catalog.rows(conn, "server_encoding")[0]["encoding"]
            targets = relations(conn)
            sizes = {(s, n): b for s, n, b in _sizes(conn)}
            sequences = {shown: _seq(conn, s, n) for s, n, shown in catalog.user_sequences(conn)}
            large_objects = catalog.rows(conn, "large_object_checksums")[0]
        finally:
            pool.put(conn)
        work = [t for t in targets if t[2] != "partitioned"]
        work.sort(key=lambda t: (t[2] != "hypertable", -sizes.get((t[0], t[1]), 0)))

        def one(item: tuple[str, str, str, str]) -> tuple[str, TableSum]:
            schema, name, kind, shown = item
            conn = pool.get()
            try:
                return shown, checksum(conn, schema, name, kind, utf8=utf8)
            finally:
                pool.put(conn)

        with ThreadPoolExecutor(max_workers=jobs) as executor:
            tables = dict(executor.map(one, work))
        for _, _, kind, shown in targets:
            if kind == "partitioned":
                tables[shown] = TableSum(kind, 0, "0:0")
        conn = pool.get()
        add_partitioned(conn, tables)
        pool.put(conn)
    fingerprint = Fingerprint(encoding, dict(sorted(tables.items())), sequences, dict(large_objects),
                              round(time.monotonic() - started, 2))
    if log is not None:
        log.info("fingerprint: %d relations, %d sequences, %d large objects in %.1fs with %d session(s)",
                 len(tables), len(sequences), large_objects["objects"], fingerprint.seconds, jobs)
    return fingerprint


def _sizes(conn: psycopg.Connection) -> list[tuple[str, str, int]]:
    return [(r["schema_name"], r["table_name"], r["bytes"]) for r in catalog.rows(conn, "relation_sizes")]


def _seq(conn: psycopg.Connection, schema: str, name: str) -> str:
    last_value, is_called = catalog.sequence_state(conn, schema, name)
    return f"last_value={last_value} is_called={'true' if is_called else 'false'}"
