"""Verification on a source whose lock table is nearly full: what pg_dump holds during the load leaves little room,
and the source's side of verification, taken beside it, must fit in what is left."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from timescale_migration.db import catalog
from timescale_migration.verify import fingerprint

pytestmark = pytest.mark.integration
PARTITIONS = 400


def test_source_side_fits_beside_a_dump_holding_every_partition(small_lock_table, unique):
    """400 partitions locked as pg_dump locks them, on a lock table of nominally 100: a query locking every
    partition once more fails (pg_partition_tree, which the leaves were read with), while the fingerprint (its
    batches within max_locks_per_transaction, the leaves read through pg_inherits) and the ANALYZE list succeed,
    with every partition's rows."""
    db = f"it_locks_{unique}"
    small_lock_table.create_database(db)
    with small_lock_table.connect(db) as conn:
        conn.execute("CREATE TABLE readings (day int NOT NULL, value int) PARTITION BY RANGE (day)")
        for i in range(PARTITIONS):  # each in its own transaction: creating them must not need the locks
            conn.execute(
                sql.SQL("CREATE TABLE {} PARTITION OF readings FOR VALUES FROM ({}) TO ({})").format(
                    sql.Identifier(f"readings_{i}"), sql.Literal(i), sql.Literal(i + 1)
                )
            )
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT {}, v FROM generate_series(1, 3) AS v").format(
                    sql.Identifier(f"readings_{i}"), sql.Literal(i)
                )
            )

    def connect() -> psycopg.Connection:
        return small_lock_table.connect(db)

    with connect() as dump:  # as pg_dump holds them for the whole dump
        dump.autocommit = False
        names = [sql.Identifier(f"readings_{i}") for i in range(PARTITIONS)]
        dump.execute(sql.SQL("LOCK TABLE readings, {} IN ACCESS SHARE MODE").format(sql.SQL(", ").join(names)))
        with connect() as conn, pytest.raises(psycopg.errors.OutOfMemory, match="out of shared memory"):
            conn.execute("SELECT count(*) FROM pg_partition_tree('readings')").fetchone()
        taken = fingerprint.take(connect, jobs=2, utf8=False)
        with connect() as conn:
            analyzable = {r["table_name"]: r["bytes"] for r in catalog.rows(conn, "analyze/analyzable_relations")}
        dump.rollback()
    assert taken.tables["public.readings"].rows == 3 * PARTITIONS
    assert [taken.tables[f"public.readings_{i}"].rows for i in range(PARTITIONS)] == [3] * PARTITIONS
    assert analyzable["readings"] >= PARTITIONS * 8192  # the partitions' heaps, one page each at least
