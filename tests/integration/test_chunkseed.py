"""Chunks created ahead of a split hypertable's parts (copy/chunkseed.py) against the real servers: a PostgreSQL 15
source, the (Apache-build) TimescaleDB target. The seed must create exactly the chunks the whole table's rows
need, leave the hypertable empty, and a table it cannot walk must be left to the copy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.servers import Servers
from tests.support.fakes import RecordingLog
from timescale_migration.copy.chunkseed import ChunkSeed
from timescale_migration.copy.hypertables import convert_table
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.options import HypertableSpec

pytestmark = pytest.mark.integration

SOURCE = """
CREATE TABLE readings (ts timestamptz NOT NULL, device integer NOT NULL, v float8, note text);
INSERT INTO readings
SELECT timestamptz '2026-03-01 00:00+00' + (i * interval '37 minutes') + CASE WHEN i > 500 THEN interval '9 days'
       ELSE interval '0' END, i % 7, i / 3.0, CASE WHEN i % 4 = 0 THEN NULL ELSE 'n' || i END
FROM generate_series(0, 999) AS i;
CREATE INDEX readings_ts ON readings (ts DESC);
CREATE TABLE ticks (t bigint NOT NULL, v integer);
INSERT INTO ticks SELECT i * 13 - 5000, i FROM generate_series(0, 999) AS i;
CREATE INDEX ticks_t ON ticks (t);
CREATE TABLE days (d date NOT NULL, v integer);
INSERT INTO days SELECT date '2025-12-20' + i, i FROM generate_series(0, 40) AS i;
CREATE INDEX days_d ON days (d);
CREATE TABLE unindexed (ts timestamptz NOT NULL, v integer);
INSERT INTO unindexed SELECT timestamptz '2026-03-01' + i * interval '1 hour', i FROM generate_series(0, 99) AS i;
"""

SLICES = {
    "readings": "SELECT count(DISTINCT floor(extract(epoch FROM ts) / 86400)) FROM readings",
    "ticks": "SELECT count(DISTINCT floor(t / 100.0)) FROM ticks",
    "days": "SELECT count(DISTINCT floor((d - date '1970-01-01') / 7.0)) FROM days",
}
"""How many chunk-interval slices (aligned to the Unix epoch, as TimescaleDB aligns them) hold rows."""

SPECS = {
    "readings": HypertableSpec("public", "readings", "ts", "1 day"),
    "ticks": HypertableSpec("public", "ticks", "t", 100),
    "days": HypertableSpec("public", "days", "d", "7 days"),
    "unindexed": HypertableSpec("public", "unindexed", "ts", "1 day"),
}


def endpoint(monkeypatch: pytest.MonkeyPatch, side: str, conn: str) -> Endpoint:
    """An Endpoint on a real server through an Airflow connection in the environment."""
    conn_id = f"it_seed_{side}_{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", conn)
    return Endpoint(side, conn_id)


@pytest.fixture
def sides(servers: Servers, unique: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Endpoint, Endpoint]]:
    """The source database with its tables; the target with the same tables, each converted and empty."""
    src_db, tgt_db = f"seed_src_{unique}", f"seed_tgt_{unique}"
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
        with servers.pg15.connect(src_db) as src:
            src.execute(SOURCE)
        with servers.tsdb_target.connect(tgt_db) as tgt:
            for statement in SOURCE.split(";"):
                if statement.strip().startswith("CREATE TABLE"):
                    tgt.execute(statement)
            for spec in SPECS.values():
                convert_table(tgt, "public", spec)
        yield (
            endpoint(monkeypatch, "source", servers.pg15.conn_json(src_db)),
            endpoint(monkeypatch, "target", servers.tsdb_target.conn_json(tgt_db)),
        )


def snapshot_of(source: Endpoint) -> Any:
    """A session holding an exported snapshot (as the parallel copy's), and the snapshot's id."""
    conn = source.connect()
    session = conn.__enter__()
    session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return conn, session.execute("SELECT pg_export_snapshot()").fetchone()[0]


def chunks(target: Endpoint, table: str) -> int:
    with target.connect() as conn:
        return conn.execute("SELECT count(*) FROM show_chunks(%s::regclass)", [table]).fetchone()[0]


def columns(source: Endpoint, table: str) -> tuple[str, ...]:
    with source.connect() as conn:
        return tuple(
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "ORDER BY attnum",
                [table],
            )
        )


@pytest.mark.parametrize("table", ["readings", "ticks", "days"])
def test_the_seed_creates_every_chunk_the_rows_need_and_leaves_no_row(
    sides: tuple[Endpoint, Endpoint], table: str
) -> None:
    """As many chunks as slices hold rows, the hypertable empty; copying all the rows afterwards (as the parts
    do) creates no further chunk, and every row arrives."""
    source, target = sides
    holder, snapshot = snapshot_of(source)
    try:
        log = RecordingLog()
        (seeded,) = ChunkSeed(source, target, snapshot, "UTF8", log).run([(SPECS[table], columns(source, table))])
    finally:
        holder.__exit__(None, None, None)
    with source.connect() as src:
        slices = src.execute(SLICES[table]).fetchone()[0]
        rows = src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert seeded.skipped is None and seeded.chunks == slices == chunks(target, table) and seeded.rows == slices
    with target.connect() as tgt:
        assert tgt.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    with source.connect() as src, target.connect() as tgt:
        with src.cursor().copy(f"COPY {table} TO STDOUT") as out, tgt.cursor().copy(f"COPY {table} FROM STDIN") as inn:
            for data in out:
                inn.write(data)
        assert tgt.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows
    assert chunks(target, table) == slices
    assert any("created ahead" in message for _, message in log.lines)


def test_a_table_without_an_index_on_its_time_column_is_left_to_the_copy(sides: tuple[Endpoint, Endpoint]) -> None:
    """No index leads with the time column: nothing seeded (each probe would scan the table), said in the log."""
    source, target = sides
    holder, snapshot = snapshot_of(source)
    try:
        log = RecordingLog()
        (seeded,) = ChunkSeed(source, target, snapshot, None, log).run(
            [(SPECS["unindexed"], columns(source, "unindexed"))]
        )
    finally:
        holder.__exit__(None, None, None)
    assert seeded.chunks == 0 and "no B-tree index of the source leads with ts" in (seeded.skipped or "")
    assert chunks(target, "unindexed") == 0
    assert any(
        level == "warning" and "not created ahead" in message and "public.unindexed" in message
        for level, message in log.lines
    )


def test_a_hash_dimension_gets_more_seed_rows_per_slice(sides: tuple[Endpoint, Endpoint]) -> None:
    """With a hash dimension the first rows of each slice are copied (8 per partition): the chunks of every
    partition those rows meet exist before the copy, and none of the rows stays."""
    source, target = sides
    spec = HypertableSpec("public", "readings", "ts", "1 day", "device", 2)
    with target.connect() as tgt:
        tgt.execute("DROP TABLE readings")
        tgt.execute(SOURCE.split(";")[0])
        convert_table(tgt, "public", spec)
    holder, snapshot = snapshot_of(source)
    try:
        (seeded,) = ChunkSeed(source, target, snapshot, None, RecordingLog()).run([(spec, columns(source, "readings"))])
    finally:
        holder.__exit__(None, None, None)
    with source.connect() as src:
        slices = src.execute(SLICES["readings"]).fetchone()[0]
    assert slices < seeded.chunks <= 2 * slices and seeded.rows > slices
    with target.connect() as tgt:
        assert tgt.execute("SELECT count(*) FROM readings").fetchone()[0] == 0
