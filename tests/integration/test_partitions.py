"""Partitions created as partitions (copy/partitions.py) on the real servers: a PostgreSQL 15 source whose
partitions are of every sort (the parent's columns exactly, another column order, a constraint of their own, a
sub-partitioned one, a default one, many of one parent), migrated in the formats that restore an archive's pre-data
section (parallel, directory) into PostgreSQL 17 and 18; verified, and the bounds and columns read the same."""

from __future__ import annotations

import pytest

from tests.integration.test_operators import phases
from timescale_migration.copy import parallel

pytestmark = pytest.mark.integration

SOURCE = """
CREATE TABLE readings (day date NOT NULL, device integer NOT NULL DEFAULT 0, value double precision,
                       note text COLLATE "C", PRIMARY KEY (day, device)) PARTITION BY RANGE (day);
DO $$ BEGIN
    FOR i IN 0 .. 119 LOOP
        EXECUTE format('CREATE TABLE readings_%s PARTITION OF readings FOR VALUES FROM (%L) TO (%L)',
                       i, date '2024-01-01' + i, date '2024-01-01' + i + 1);
    END LOOP;
END $$;
CREATE TABLE readings_reordered (value double precision, note text COLLATE "C", device integer NOT NULL DEFAULT 0,
                                 day date NOT NULL);
ALTER TABLE readings ATTACH PARTITION readings_reordered FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
CREATE TABLE readings_checked (LIKE readings INCLUDING DEFAULTS, CONSTRAINT positive CHECK (value >= 0));
ALTER TABLE readings ATTACH PARTITION readings_checked FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
CREATE TABLE readings_sub PARTITION OF readings FOR VALUES FROM ('2025-03-01') TO ('2025-04-01')
    PARTITION BY LIST (device);
CREATE TABLE readings_sub_1 PARTITION OF readings_sub FOR VALUES IN (1);
CREATE TABLE readings_sub_rest PARTITION OF readings_sub DEFAULT;
CREATE TABLE readings_default PARTITION OF readings DEFAULT;
CREATE INDEX readings_device ON readings (device);
INSERT INTO readings
SELECT date '2024-01-01' + i % 120, 10 + i / 120, i / 3.0, 'n' || i FROM generate_series(0, 2399) i;
INSERT INTO readings VALUES ('2025-01-05', 1, 2.5, 'reordered'), ('2025-02-05', 2, 3.5, 'checked'),
                            ('2025-03-05', 1, 4.5, 'sub one'), ('2025-03-06', 3, 5.5, 'sub rest'),
                            ('2030-01-01', 4, 6.5, 'default');
CREATE TABLE events (at timestamptz NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_start PARTITION OF events FOR VALUES IN ('start');
CREATE TABLE events_stop PARTITION OF events FOR VALUES IN ('stop');
INSERT INTO events VALUES (now(), 'start'), (now(), 'stop');
"""
BOUNDS = (
    "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
    "(SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '"
    " || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' ' || coalesce(col.collname, '-'), ', '"
    " ORDER BY a.attnum) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid"
    " AND d.adnum = a.attnum LEFT JOIN pg_collation col ON col.oid = a.attcollation"
    " WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) "
    "FROM pg_class c WHERE c.relispartition AND c.relkind IN ('r', 'p') ORDER BY 1"
)


@pytest.mark.parametrize(("target_name", "dump_format"), [("tsdb_target", "parallel"), ("tsdb18_target", "directory")])
def test_partitions_arrive_with_their_bounds_and_columns(
    make_migration, servers, monkeypatch, capfd, target_name, dump_format
):
    """Every partition arrives with its bounds and columns (each column as the partition has it, whichever way it was
    created), rows and indexes verified; the load created the partitions that are exactly their parent's with
    PARTITION OF and attached the others."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    target = getattr(servers, target_name)
    m = make_migration(servers.pg15, target, dump_format=dump_format, login=True, timescaledb="default", drain=False)
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute(SOURCE)
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    # 120 + 2 (events) + the default + the sub-partitioned one's 2 as partitions; reordered, checked, sub attached
    assert (
        "pre-data: 125 partition(s) created as partitions (PARTITION OF), 3 attached as pg_dump wrote them"
        in capfd.readouterr().out
    )
    with servers.pg15.connect(m.src_db) as src, target.connect(m.tgt_db) as tgt:
        assert tgt.execute(BOUNDS).fetchall() == src.execute(BOUNDS).fetchall()
        assert len(src.execute(BOUNDS).fetchall()) == 128
