"""What one side holds, as data: every relation's row count and content checksum, every sequence, the large
objects. Computed inside the server (no rows reach Python), in parallel over `jobs` sessions, largest first.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Connect


@dataclass
class TableSum:
    """One relation's rows: count and checksum (None when it could not be read), seconds taken, how rows were
    hashed ("fast": their binary values; "text": their text form)."""

    kind: str
    rows: int | None
    checksum: str | None
    seconds: float = 0.0
    error: str | None = None
    method: str = "text"


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

    @property
    def methods(self) -> dict[str, str]:
        """relation -> hashing method, which the other side must use too."""
        return {name: t.method for name, t in self.tables.items()}


@dataclass(frozen=True)
class Unit:
    """One checksum query: a relation's own rows (`only`), or all of them; `relation` is whose sum it adds to."""

    relation: str
    kind: str
    schema: str
    name: str
    only: bool


MATERIALIZATION = "continuous aggregate"
"""Kind of a continuous aggregate's materialization hypertable, compared whole (a SELECT decompresses)."""

FAST_HASH_MIN_VERSION = 140000
"""hash_record_extended() exists from PostgreSQL 14 on."""
BATCH_BYTES = 8 * 1_048_576
BATCH_UNITS = 200
"""Relations smaller than BATCH_BYTES are checksummed together, up to BATCH_UNITS (and BATCH_BYTES) a query."""


@contextmanager
def session_pool(connect: Connect, size: int) -> Iterator[queue.Queue[psycopg.Connection]]:
    """`size` verification sessions, each with the pinned output settings."""
    pool: queue.Queue[psycopg.Connection] = queue.Queue()
    with ExitStack() as stack:
        for _ in range(size):
            conn = stack.enter_context(connect())
            catalog.run(conn, sqlfiles.query("verify/verify_session"))
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
    ] + (
        [(schema, name, MATERIALIZATION, shown) for schema, name, shown in catalog.materializations(conn)]
        if hypertables
        else []
    )


def units(conn: psycopg.Connection, rels: list[tuple[str, str, str, str]]) -> list[Unit]:
    """The checksum queries for `rels`: a hypertable as its root's own rows plus one query per chunk (to spread it
    over sessions; a compressed chunk read without ONLY, which TimescaleDB decompresses, its rows not yet
    compressed included: 2.19 to 2.29 alike; 5,000 compressed chunks 1.1 s against 3.1 s through the hypertable);
    a partitioned table as nothing (its leaves add up)."""
    chunks: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if any(kind == "hypertable" for _, _, kind, _ in rels):
        for row in catalog.rows(conn, "timescaledb/chunk_units"):
            chunks.setdefault((row["hypertable_schema"], row["hypertable_name"]), []).append(row)
    result = []
    for schema, name, kind, shown in rels:
        if kind == "partitioned":
            continue
        if kind == MATERIALIZATION:
            result.append(Unit(shown, kind, schema, name, only=False))
            continue
        result.append(Unit(shown, kind, schema, name, only=True))
        result += [
            Unit(shown, kind, c["chunk_schema"], c["chunk_name"], only=not c["is_compressed"])
            for c in chunks.get((schema, name), [])
        ]
    return result


def shown_sum(total: int) -> str:
    """A checksum (the exact sum of the rows' 64-bit hashes) as "high:low": the sum's bits above and below 32."""
    return f"{total >> 32}:{total & 0xFFFFFFFF}"


def sum_of(checksum: str) -> int:
    """The exact sum a "high:low" checksum stands for."""
    high, low = checksum.split(":")
    return (int(high) << 32) + int(low)


def row_value(columns: tuple[str, ...] | None) -> pgsql.Composable:
    """What the fast checksum hashes for each row: ROW(t.c1, t.c2, ...) of `columns` (cheaper than the whole-row
    value `t`, which the server copies for every row), or `t` itself when the columns are not known."""
    if columns is None:
        return pgsql.Identifier("t")
    return pgsql.SQL("ROW({})").format(pgsql.SQL(", ").join(pgsql.Identifier("t", c) for c in columns))


def _query(unit: Unit, method: str, utf8: bool, columns: tuple[str, ...] | None) -> tuple[str, dict[str, Any]]:
    """The checksum file and its values for one unit."""
    only = pgsql.SQL("ONLY") if unit.only else pgsql.SQL("")
    query_name = "verify/table_checksum_utf8" if utf8 else "verify/table_checksum"
    values: dict[str, Any] = {"only": only, "table": (unit.schema, unit.name)}
    if method == "fast":
        query_name = "verify/table_checksum_fast"
        values["columns"] = row_value(columns)
    return query_name, values


def checksum_many(
    conn: psycopg.Connection, batch: list[tuple[Unit, str, tuple[str, ...] | None]], *, utf8: bool
) -> list[TableSum]:
    """Count and checksum several small units in one query (their UNION ALL, one row each): a round trip per batch
    instead of per unit (thousands of tiny chunks or partitions). Any error: each unit on its own instead."""
    started = time.monotonic()
    parts = []
    for i, (unit, method, columns) in enumerate(batch):
        name, values = _query(unit, method, utf8, columns)
        parts.append(
            pgsql.SQL("SELECT {} AS unit, s.* FROM ({}) AS s").format(
                pgsql.Literal(i), sqlfiles.subquery(name, **values)
            )
        )
    try:
        rows = catalog.run(conn, pgsql.SQL(" UNION ALL ").join(parts))
    except psycopg.Error:
        if conn.broken:
            raise
        return [checksum(conn, unit, method, utf8=utf8, columns=columns) for unit, method, columns in batch]
    each = (time.monotonic() - started) / len(batch)
    found = {int(i): (int(n), int(total)) for i, n, total in rows}
    return [
        TableSum(unit.kind, found[i][0], shown_sum(found[i][1]), each, method=method)
        for i, (unit, method, _) in enumerate(batch)
    ]


def checksum(
    conn: psycopg.Connection, unit: Unit, method: str, *, utf8: bool, columns: tuple[str, ...] | None = None
) -> TableSum:
    """Count and checksum one unit's rows (`columns`: the unit's columns, for the fast method); a type without
    a binary hash falls back to hashing text."""
    started = time.monotonic()
    query_name, values = _query(unit, method, utf8, columns)
    query = sqlfiles.compose(query_name, **values)
    try:
        rows, total = catalog.run(conn, query)[0]
    except psycopg.errors.UndefinedFunction:
        if method != "fast":
            raise
        return checksum(conn, unit, "text", utf8=utf8)
    except psycopg.errors.InsufficientPrivilege as err:
        past = (
            _past_row_security(conn, unit, query) if "row-level security" in (err.diag.message_primary or "") else None
        )
        if past is None:
            return TableSum(
                unit.kind,
                None,
                None,
                time.monotonic() - started,
                f"unreadable by {conn.info.user}: {err.diag.message_primary}",
                method,
            )
        rows, total = past
    return TableSum(unit.kind, int(rows), shown_sum(int(total)), time.monotonic() - started, method=method)


def _past_row_security(conn: psycopg.Connection, unit: Unit, statement: pgsql.Composed) -> tuple[Any, Any] | None:
    """A login without superuser or BYPASSRLS reads a relation under row-level security (row_security off makes
    that an error) as its owner, with FORCE lifted, in a transaction that is rolled back: the statement's row, or
    None where the login may not act as the owner."""
    try:
        with conn.transaction(force_rollback=True):
            rls = catalog.rows(conn, "verify/row_security_of", {"schema": unit.schema, "name": unit.name})[0]
            if not (rls["own"] or rls["may_become"]):
                return None
            catalog.run(conn, sqlfiles.compose("verify/read_as_owner", owner=rls["owner"]))
            if rls["forced"]:
                catalog.run(conn, sqlfiles.compose("verify/lift_forced_row_security", table=(unit.schema, unit.name)))
            return catalog.run(conn, statement)[0]
    except psycopg.errors.InsufficientPrivilege:
        return None


def combine(kind: str, parts: list[TableSum]) -> TableSum:
    """One relation's sum from its units' (or a partitioned table's from its leaves'): counts and checksums
    add up; any unreadable part makes the whole unreadable."""
    if not parts:
        return TableSum(kind, 0, "0:0")
    unreadable = [p for p in parts if p.checksum is None]
    method = "text" if any(p.method == "text" for p in parts) else "fast"
    seconds = round(sum(p.seconds for p in parts), 3)
    if unreadable:
        return TableSum(kind, None, None, seconds, unreadable[0].error or "a part could not be read", method)
    total = sum(sum_of(p.checksum) for p in parts if p.checksum)
    return TableSum(kind, sum(p.rows or 0 for p in parts), shown_sum(total), seconds, method=method)


def add_partitioned(conn: psycopg.Connection, tables: dict[str, TableSum]) -> None:
    """A partitioned table's rows are its leaves' rows: sum their counts and checksums (the sums add up)."""
    leaves: dict[str, list[str]] = {}
    for row in catalog.rows(conn, "copy/partition_leaves"):
        leaves.setdefault(row["display_name"], []).append(row["leaf_display_name"])
    for parent, names in leaves.items():
        if parent in tables:
            tables[parent] = combine("partitioned", [tables[n] for n in names if n in tables])


def take(
    connect: Connect, *, jobs: int, utf8: bool, methods: dict[str, str] | None = None, log: Any = None
) -> Fingerprint:
    """The fingerprint of one side over `jobs` parallel sessions. The source chooses each relation's hashing
    method; the target is given the source's `methods` so that both sides hash alike."""
    started = time.monotonic()
    with session_pool(connect, jobs) as pool:
        conn = pool.get()
        try:
            encoding = catalog.rows(conn, "server/server_encoding")[0]["encoding"]
            rels = relations(conn)
            work = units(conn, rels)
            sizes, locks = _sizes(conn)
            lock_budget = int(catalog.rows(conn, "server/lock_budget")[0]["max_locks_per_transaction"])
            columns = {
                (r["schema_name"], r["table_name"]): tuple(r["columns"])
                for r in catalog.rows(conn, "copy/relation_columns")
            }
            fast_ok = not utf8 and catalog.server_info(conn).version_num >= FAST_HASH_MIN_VERSION
            text_only = (
                {(r["schema_name"], r["table_name"]) for r in catalog.rows(conn, "verify/text_hashed_tables")}
                if fast_ok
                else set()
            )
            sequences = {shown: _seq(conn, s, n) for s, n, shown in catalog.user_sequences(conn)}
            large_objects = catalog.rows(conn, "verify/large_object_checksums")[0]
        finally:
            pool.put(conn)
        chosen = {shown: "fast" if fast_ok and (s, n) not in text_only else "text" for s, n, _, shown in rels}
        if methods is not None:
            chosen = {shown: methods.get(shown, "text") for shown in chosen}
        work.sort(key=lambda u: -sizes.get((u.schema, u.name), 0))
        batches = batched(work, sizes, locks, lock_budget)

        def one(batch: list[Unit]) -> list[tuple[Unit, TableSum]]:
            conn = pool.get()
            try:
                if len(batch) == 1:
                    return [
                        (
                            batch[0],
                            checksum(
                                conn,
                                batch[0],
                                chosen[batch[0].relation],
                                utf8=utf8,
                                columns=columns.get((batch[0].schema, batch[0].name)),
                            ),
                        )
                    ]
                asked = [(u, chosen[u.relation], columns.get((u.schema, u.name))) for u in batch]
                return list(zip(batch, checksum_many(conn, asked, utf8=utf8), strict=True))
            finally:
                pool.put(conn)

        with ThreadPoolExecutor(max_workers=jobs) as executor:
            done = [pair for result in executor.map(one, batches) for pair in result]
        parts: dict[str, list[TableSum]] = {}
        for unit, part in done:
            parts.setdefault(unit.relation, []).append(part)
        tables = {shown: combine(kind, parts.get(shown, [])) for _, _, kind, shown in rels}
        conn = pool.get()
        add_partitioned(conn, tables)
        pool.put(conn)
    fingerprint = Fingerprint(
        encoding, dict(sorted(tables.items())), sequences, dict(large_objects), round(time.monotonic() - started, 2)
    )
    if log is not None:
        fast = sum(1 for t in tables.values() if t.method == "fast")
        log.info(
            "fingerprint: %d relations (%d hashed by value, %d by text) in %d queries (%d parts), %d "
            "sequences, %d large objects in %.1fs with %d session(s)",
            len(tables),
            fast,
            len(tables) - fast,
            len(batches),
            len(work),
            len(sequences),
            large_objects["objects"],
            fingerprint.seconds,
            jobs,
        )
    return fingerprint


def batched(
    work: list[Unit],
    sizes: dict[tuple[str, str], int],
    locks: dict[tuple[str, str], int] | None = None,
    lock_budget: int | None = None,
) -> list[list[Unit]]:
    """The units (largest first) as the queries that checksum them: each large one alone (its own session's time),
    the small ones together, up to BATCH_UNITS or BATCH_BYTES a query, and up to `lock_budget` relation locks
    (`locks`: each unit's; the budget: the server's max_locks_per_transaction, one session's share of the lock
    table: on a source whose pg_dump already holds thousands of locks, a query of 200 partitions and their
    indexes ran out of shared memory)."""
    batches: list[list[Unit]] = []
    current: list[Unit] = []
    current_bytes = current_locks = 0
    for unit in work:
        size = sizes.get((unit.schema, unit.name), 0)
        taken = (locks or {}).get((unit.schema, unit.name), 1)
        if size >= BATCH_BYTES:
            batches.append([unit])
            continue
        if current and (
            len(current) >= BATCH_UNITS
            or current_bytes + size > BATCH_BYTES
            or (lock_budget is not None and current_locks + taken > lock_budget)
        ):
            batches.append(current)
            current, current_bytes, current_locks = [], 0, 0
        current.append(unit)
        current_bytes += size
        current_locks += taken
    if current:
        batches.append(current)
    return batches


def _sizes(conn: psycopg.Connection) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Each relation's bytes and the relation locks reading it alone takes (relation_sizes.sql)."""
    rows = catalog.rows(conn, "copy/relation_sizes")
    return (
        {(r["schema_name"], r["table_name"]): r["bytes"] for r in rows},
        {(r["schema_name"], r["table_name"]): r["locks"] for r in rows},
    )


def _seq(conn: psycopg.Connection, schema: str, name: str) -> str:
    last_value, is_called = catalog.sequence_state(conn, schema, name)
    return f"last_value={last_value} is_called={'true' if is_called else 'false'}"
