"""Verification against planted differences: each kind of loss is named; an untouched migration passes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from devtools.servers import Server, Servers
from tests.integration.conftest import Migration
from tests.integration.test_operators import SAMPLES, phases
from tests.support.fakes import FakeTI
from timescale_migration.exceptions import VerificationError
from timescale_migration.operators import VerifyOperator

pytestmark = pytest.mark.integration

FAMILIES = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE families (
  id int PRIMARY KEY, i8 bigint, num numeric, f8 float8, f4 real, txt text, vc varchar(50), bt bytea, b bool,
  ts timestamptz, d date, iv interval, u uuid, j json, jb jsonb, arr int[], rng int4range, e mood, dom posint,
  ip inet, tc text COLLATE "C", cp pair, tsr tstzrange, f8z float8
);
INSERT INTO families VALUES
 (1, 9007199254740993, 'NaN', 'NaN', '-Infinity', 'Grüße ☕ 𝄞', 'v', '\\x00ff10', true, '2024-02-29 23:59:59.999999+05',
  '2024-02-29', '1 year 2 mons -3 days 04:05:06.7', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1, "a": [1, 2]}',
  '{"b": 1, "a": [1, 2.50]}', '{1,NULL,3}', '[1,10)', 'happy', 7, '2001:db8::1/128', 'Zürich', ROW(1, 'x'),
  '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '-0'),
 (2, -1, 123456789.123456789, 'Infinity', 1.5e-40, '', 'w', '', false, 'infinity', '-infinity', '0', NULL,
  'null', '[]', '{}', 'empty', 'sad', 1, '10.0.0.1', 'a', ROW(NULL, NULL), 'empty', 1e308);
CREATE INDEX families_txt_idx ON families (txt);
ALTER TABLE families ADD CONSTRAINT families_i8_check CHECK (i8 <> 0);
CREATE SEQUENCE counter;
SELECT setval('counter', 42);
SELECT lo_from_bytea(777001, 'large object content');
CREATE TABLE readings (
  id int PRIMARY KEY, i8 bigint, num numeric(20,6), f8 float8, txt text, vc varchar(40), bt bytea, b bool,
  ts timestamptz, d date, iv interval, u uuid, jb jsonb, arr int[], rng int4range, ip inet, mac macaddr
);
INSERT INTO readings SELECT g, g * 1000003, g / 7.0, g / 3.0, 'r' || g, 'v' || g, int8send(g), g % 2 = 0,
  '2024-01-01 00:00+00'::timestamptz + g * interval '1 minute', '2024-01-01'::date + g, g * interval '1 second',
  md5(g::text)::uuid, jsonb_build_object('g', g), ARRAY[g, g + 1], int4range(g, g + 10), '10.0.0.1'::inet + g,
  ('08:00:2b:01:02:' || lpad(to_hex(g % 256), 2, '0'))::macaddr
FROM generate_series(1, 500) g;
"""

# column, a different value for row 1 of readings (hashed by value, not text)
READING_CHANGES = [
    ("i8", "1000004"),
    ("num", "0.142858"),
    ("f8", "0.5"),
    ("txt", "'R1'"),
    ("vc", "'v01'"),
    ("bt", "'\\x00'"),
    ("b", "true"),
    ("ts", "'2024-01-01 00:01:00.000001+00'"),
    ("d", "'2024-01-03'"),
    ("iv", "'2 seconds'"),
    ("u", "'c4ca4238-a0b9-3382-8dcc-509a6f75849c'"),
    ("jb", "'{\"g\": 2}'"),
    ("arr", "'{1,3}'"),
    ("rng", "'[1,12)'"),
    ("ip", "'10.0.0.3'"),
    ("mac", "'08:00:2b:01:02:02'"),
]

# column, a different value for row 1 (one per type family)
CHANGES = [
    ("i8", "9007199254740992"),
    ("num", "0"),
    ("f8", "'Infinity'"),
    ("f4", "2.5"),
    ("txt", "'Grüsse ☕ 𝄞'"),
    ("vc", "'V'"),
    ("bt", "'\\x00ff11'"),
    ("b", "false"),
    ("ts", "'2024-02-29 23:59:59.999998+05'"),
    ("d", "'2024-02-28'"),
    ("iv", "'1 year 2 mons -3 days 04:05:06.8'"),
    ("u", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"),
    ("j", '\'{"a": [1, 2], "b": 1}\''),
    ("jb", '\'{"b": 1, "a": [1, 2.5]}\''),
    ("arr", "'{1,NULL,4}'"),
    ("rng", "'[1,11)'"),
    ("e", "'ok'"),
    ("dom", "8"),
    ("ip", "'2001:db8::2/128'"),
    ("tc", "'Zurich'"),
    ("cp", "ROW(1, 'y')"),
    ("tsr", "'[2024-01-01 00:00+00,2024-01-02 00:00+01)'"),
    ("f8z", "0"),
]


def migrate_once(
    servers: Servers,
    source: Server,
    target: Server,
    work_dir: Path,
    *,
    target_extensions: tuple[str, ...],
    prepare: str | None,
    sample: Path | None,
) -> Iterator[Migration]:
    """A migration run through every phase, for a whole module of planted differences."""
    unique = uuid.uuid4().hex[:8]
    src_db, tgt_db = f"planted src {unique}", f"planted tgt {unique}"
    role = f"verify_lonely_{unique}"
    source.create_database(src_db)
    target.create_database(tgt_db, extensions=target_extensions)
    with source.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    if prepare:
        with source.connect(src_db) as conn:
            conn.execute(prepare)
    if sample:
        source.psql_file(src_db, sample)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_IT_SOURCE", source.conn_json(src_db))
        mp.setenv("AIRFLOW_CONN_IT_TARGET", target.conn_json(tgt_db))
        params = {
            "source_conn_id": "it_source",
            "target_conn_id": "it_target",
            "require_approval": False,
            "pg_bin_dir": servers.bin_dir,
            "work_dir": str(work_dir),
            "jobs": 2,
            "keep_dump": True,
        }
        m = Migration(params, FakeTI(), source, target, src_db, tgt_db)
        for op in phases():
            m.run(op)
        m.role = role  # type: ignore[attr-defined]
        yield m
    source.drop_database(src_db)
    target.drop_database(tgt_db)
    for server in (source, target):
        with server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def verify_message(m: Migration) -> str:
    """Run verify again; '' when it passes, else its failure message."""
    try:
        m.run(VerifyOperator(task_id="verify"))
    except VerificationError as err:
        return str(err)
    return ""


@pytest.fixture(scope="module")
def pg(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migration]:
    """PostgreSQL 15 with every type family, migrated into a Timescale-like PostgreSQL 17 target."""
    yield from migrate_once(
        servers,
        servers.pg15,
        servers.tsdb_target,
        tmp_path_factory.mktemp("work"),
        target_extensions=("timescaledb",),
        prepare=FAMILIES,
        sample=None,
    )


@pytest.fixture(scope="module")
def ts(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migration]:
    """The TimescaleDB sample migrated into TimescaleDB."""
    yield from migrate_once(
        servers,
        servers.tsdb_source,
        servers.tsdb_target,
        tmp_path_factory.mktemp("work"),
        target_extensions=(),
        prepare=None,
        sample=SAMPLES / "timescaledb_sample.sql",
    )


def test_untouched_postgres_migration_passes(pg):
    """No false alarm across PostgreSQL 15 -> 17 for NaN, -0, infinities, numeric, json, arrays, ranges..."""
    assert verify_message(pg) == ""
    assert pg.ti.xcoms["verify"]["differences"] == []


def verify_with_changed_value(m: Migration, table: str, column: str, value: str) -> str:
    """Change row 1's `column` on the target to `value`, run verify, put the value back; verify's message.
    The original is kept in a temporary table of this session, which verification never sees."""
    t, col = sql.Identifier(table), sql.Identifier(column)
    with m.target.connect(m.tgt_db) as conn:
        conn.execute(sql.SQL("CREATE TEMP TABLE saved AS SELECT {} AS v FROM {} WHERE id = 1").format(col, t))
        conn.execute(sql.SQL("UPDATE {} SET {} = {} WHERE id = 1").format(t, col, sql.SQL(value)))
        try:
            return verify_message(m)
        finally:
            conn.execute(sql.SQL("UPDATE {} SET {} = (SELECT v FROM saved) WHERE id = 1").format(t, col))


@pytest.mark.parametrize(("column", "value"), CHANGES, ids=[c for c, _ in CHANGES])
def test_changed_value_of_each_type_family_is_named(pg, column, value):
    """One value changed on the target: same row count, different content, named by table."""
    message = verify_with_changed_value(pg, "families", column, value)
    assert "data public.families: same 2 rows but their contents differ" in message


def test_each_table_is_hashed_by_the_right_method(pg):
    """Tables with enums or composites are hashed by text, the others by value, the same on both sides."""
    report = json.loads(Path(pg.ti.xcoms["verify"]["report_json"]).read_text(encoding="utf-8"))
    methods = {c["name"]: c["extra"]["method"] for c in report["checks"] if c["section"] == "data"}
    assert methods == {"public.families": "text", "public.readings": "fast"}


@pytest.mark.parametrize(("column", "value"), READING_CHANGES, ids=[c for c, _ in READING_CHANGES])
def test_changed_value_hashed_by_value_is_named(pg, column, value):
    """One value changed in a table hashed by value: named by table."""
    message = verify_with_changed_value(pg, "readings", column, value)
    assert "data public.readings: same 500 rows but their contents differ" in message


PLANTS = [
    ("deleted row", "DELETE FROM families WHERE id = 2", None, "data public.families: source 2 rows, target 1 rows"),
    (
        "narrowed column type",
        "ALTER TABLE families ALTER COLUMN vc TYPE varchar(20)",
        "ALTER TABLE families ALTER COLUMN vc TYPE varchar(50)",
        "columns public.families.vc: differs: source 'character varying(50)', target 'character varying(20)'",
    ),
    (
        "missing index",
        "DROP INDEX families_txt_idx",
        "CREATE INDEX families_txt_idx ON families (txt)",
        "indexes public.families_txt_idx: missing on the target",
    ),
    (
        "missing constraint",
        "ALTER TABLE families DROP CONSTRAINT families_i8_check",
        "ALTER TABLE families ADD CONSTRAINT families_i8_check CHECK (i8 <> 0)",
        "constraints public.families.families_i8_check: missing on the target",
    ),
    (
        "sequence behind",
        "SELECT setval('counter', 10)",
        "SELECT setval('counter', 42)",
        "sequences public.counter: source last_value=42 is_called=true, target last_value=10",
    ),
    (
        "missing large object",
        "SELECT lo_unlink(777001)",
        "SELECT lo_from_bytea(777001, 'large object content')",
        "large objects pg_largeobject: source 1 object(s), target 0",
    ),
]


@pytest.mark.parametrize(("plant", "undo", "expected"), [p[1:] for p in PLANTS], ids=[p[0] for p in PLANTS])
def test_planted_difference_is_named(pg, plant, undo, expected):
    """Each planted difference fails verification with a message naming it."""
    with pg.target.connect(pg.tgt_db) as conn:
        saved = conn.execute("SELECT t::text FROM families t WHERE id = 2").fetchone()[0]
        conn.execute(plant)
        try:
            message = verify_message(pg)
        finally:
            conn.execute(undo or sql.SQL("INSERT INTO families SELECT (%s::families).*"), None if undo else [saved])
    assert expected in message


def test_missing_role_is_named(pg):
    """A migrated role dropped from the target is named."""
    with pg.target.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(pg.role)))
        try:
            message = verify_message(pg)
        finally:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(pg.role)))
    assert f"roles {pg.role}: missing on the target" in message
    assert verify_message(pg) == "", "every plant was undone"


def test_untouched_timescaledb_migration_passes(ts):
    """Hypertables, dimensions, chunks and the restore state all match."""
    assert verify_message(ts) == ""
    sections = {c for c in ts.ti.xcoms["verify"]["timings"]}
    assert "verify: target side seconds" in sections


def test_restoring_left_on_is_named(ts):
    """timescaledb.restoring left on for the database fails verification."""
    with ts.target.connect() as conn:
        db = sql.Identifier(ts.tgt_db)
        conn.execute(sql.SQL("ALTER DATABASE {} SET timescaledb.restoring = 'on'").format(db))
        try:
            message = verify_message(ts)
        finally:
            conn.execute(sql.SQL("ALTER DATABASE {} RESET timescaledb.restoring").format(db))
    assert "timescaledb state timescaledb.restoring (new session): is on" in message
    assert "timescaledb state timescaledb.restoring (database setting): still set" in message


def test_missing_chunk_is_named(ts):
    """A chunk dropped from the target: the hypertable's rows and its chunk list differ."""
    with ts.target.connect(ts.tgt_db) as conn:
        cutoff = conn.execute("SELECT min(time) + interval '1 day' FROM conditions").fetchone()[0]
        dropped = conn.execute("SELECT drop_chunks('conditions', older_than => %s)", [cutoff]).fetchall()
    assert dropped
    message = verify_message(ts)
    assert "data public.conditions: source 1920 rows, target" in message
    assert "timescaledb chunks public.conditions: differs: source '40 chunk(s)" in message
