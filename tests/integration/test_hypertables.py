"""The hypertables preflight against the real servers: a PostgreSQL 15 source holding one table for each thing
create_hypertable refuses, and the (Apache-build) TimescaleDB target; nothing is changed on either side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devtools.servers import Servers
from timescale_migration.checks import hypertables
from timescale_migration.checks.findings import BLOCKING, WARNING
from timescale_migration.options import MigrationOptions

pytestmark = pytest.mark.integration

SOURCE = """
CREATE TABLE fine (ts timestamptz, device integer NOT NULL, v float8, UNIQUE (ts, device));
INSERT INTO fine VALUES (now(), 1, 1);
CREATE TABLE pk_without_time (id bigint PRIMARY KEY, ts timestamptz NOT NULL);
CREATE TABLE unique_without_hash (ts timestamptz NOT NULL, device integer, UNIQUE (ts));
CREATE TABLE by_range (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE parent (ts timestamptz NOT NULL);
CREATE TABLE child () INHERITS (parent);
CREATE UNLOGGED TABLE scratch (ts timestamptz NOT NULL);
CREATE TABLE ruled (ts timestamptz NOT NULL);
CREATE RULE ruled_notify AS ON INSERT TO ruled DO ALSO NOTIFY ruled;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TABLE audited (ts timestamptz NOT NULL);
CREATE TRIGGER audited_rows AFTER INSERT ON audited REFERENCING NEW TABLE AS added FOR EACH ROW
    EXECUTE FUNCTION noop();
CREATE TABLE with_nulls (ts timestamptz, v int);
INSERT INTO with_nulls VALUES (NULL, 1), (now(), 2);
CREATE TABLE text_time (ts text NOT NULL);
CREATE TABLE generated_time (d date, ts timestamptz GENERATED ALWAYS AS ('2026-01-01'::timestamptz) STORED);
CREATE TABLE integer_time (ts bigint NOT NULL, p point);
CREATE TABLE parent_ts (ts timestamptz NOT NULL, id int, PRIMARY KEY (id, ts));
CREATE TABLE child_ts (ts timestamptz NOT NULL, id int, FOREIGN KEY (id, ts) REFERENCES parent_ts);
"""


@pytest.fixture
def sides(servers: Servers, unique: str) -> Iterator[tuple[Any, Any]]:
    """The source database with its tables and an empty target database with TimescaleDB (Apache build)."""
    src_db, tgt_db = f"ht_pre_src_{unique}", f"ht_pre_tgt_{unique}"
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
        with servers.pg15.connect(src_db) as src:
            src.execute(SOURCE)
        with servers.pg15.connect(src_db) as src, servers.tsdb_target.connect(tgt_db) as tgt:
            yield src, tgt


def preflight(src: Any, tgt: Any, tables: list[dict[str, Any]], **params: Any) -> dict[str, list[str]]:
    """subject -> the messages of its findings, blocking ones marked."""
    opts = MigrationOptions.from_params({"source_conn_id": "s", "target_conn_id": "t", "hypertables": tables, **params})
    found: dict[str, list[str]] = {}
    for f in hypertables.preflight(opts, src, tgt):
        assert f.check == "hypertables" and f.severity in (BLOCKING, WARNING)
        found.setdefault(f.subject, []).append(("BLOCKING " if f.severity == BLOCKING else "") + f.message)
    return found


def table(name: str, **extra: Any) -> dict[str, Any]:
    """One entry of the param (time column ts, one day chunks)."""
    return {"table": name, "time_column": "ts", "chunk_interval": "1 day", **extra}


def test_a_convertible_table_gives_only_the_not_null_warning(sides: tuple[Any, Any]) -> None:
    """A nullable time column without NULLs: a warning whose difference verify accepts (the column as the
    inventory names it); a hash column in the unique constraint is fine."""
    src, tgt = sides
    opts = MigrationOptions.from_params(
        {
            "source_conn_id": "s",
            "target_conn_id": "t",
            "hypertables": [table("fine", hash_column="device", hash_partitions=2)],
        }
    )
    (finding,) = hypertables.preflight(opts, src, tgt)
    assert finding.severity == WARNING and finding.subject == "public.fine"
    assert finding.expected == ("columns", "public.fine.ts")
    assert "makes it NOT NULL" in finding.message


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            table("pk_without_time"),
            "primary key pk_without_time_pkey (id) does not include ts; every unique index of "
            "a hypertable must include its partitioning column(s) ts",
        ),
        (
            table("unique_without_hash", hash_column="device", hash_partitions=4),
            "unique constraint unique_without_hash_ts_key (ts) does not include device",
        ),
        (table("by_range"), "is a partitioned table"),
        (table("child"), "inherits from public.parent"),
        (table("parent"), "has 1 inheritance child table(s)"),
        (table("scratch"), "is unlogged; a hypertable must be logged"),
        (table("ruled"), "has rule(s) ruled_notify"),
        (table("audited"), "row trigger(s) with transition tables (audited_rows)"),
        (table("with_nulls"), "time column ts holds NULL in some rows"),
        (table("text_time"), "time column ts has type text"),
        (table("generated_time"), "time column ts is a generated column"),
        (table("no_such_table"), "no such table in the source database"),
        (table("fine", time_column="at"), "has no column 'at' (time_column)"),
        (table("fine", chunk_interval=3600), "chunk_interval=3600: the time column has type timestamp with time zone"),
        (table("fine", chunk_interval="every day"), "chunk_interval='every day' is not an interval"),
        (table("integer_time"), "chunk_interval='1 day': the time column has type bigint, so give an integer"),
        (
            table("integer_time", chunk_interval=1000, hash_column="p", hash_partitions=2),
            "hash column p has type point, which has no default hash operator class",
        ),
        (
            table("fine", compression={"segmentby": ["device"], "orderby": ["nope DESC"]}),
            "compression need(s) TimescaleDB's community build, and the target runs the Apache build",
        ),
        (table("fine", compression={"segmentby": ["device"]}), "compression need(s) TimescaleDB's community build"),
        (table("fine", retention={"drop_after": "1 year"}), "a retention policy need(s) TimescaleDB's community build"),
    ],
    ids=lambda v: v["table"] if isinstance(v, dict) else "",
)
def test_each_refusal_names_the_table_and_the_cause(sides: tuple[Any, Any], entry: dict[str, Any], words: str) -> None:
    """A blocking finding about the table, naming what create_hypertable (or the target's build) refuses."""
    found = preflight(*sides, [entry])
    messages = found[f"public.{entry['table']}"]
    assert any(m.startswith("BLOCKING ") and words in m for m in messages), messages


def test_a_foreign_key_between_two_converted_tables_is_refused(sides: tuple[Any, Any]) -> None:
    """TimescaleDB refuses a foreign key from a hypertable to a hypertable: named on the table that holds it; a
    foreign key from a plain table to a hypertable is fine (TimescaleDB 2.19 takes it)."""
    found = preflight(*sides, [table("parent_ts"), table("child_ts")])
    assert found == {
        "public.child_ts": [
            "BLOCKING foreign key(s) public.child_ts.child_ts_id_ts_fkey point at a table that is to become a "
            "hypertable "
            "too, and TimescaleDB refuses foreign keys between hypertables: leave one of the two tables out"
        ]
    }
    assert preflight(*sides, [table("parent_ts")]) == {}


def test_compression_columns_must_exist(sides: tuple[Any, Any]) -> None:
    """segmentby/orderby columns the table lacks are named (beside the build's refusal)."""
    found = preflight(*sides, [table("fine", compression={"segmentby": ["device"], "orderby": ["nope DESC"]})])
    assert any("has no column(s) nope (compression segmentby or orderby)" in m for m in found["public.fine"])


@pytest.mark.parametrize("dump_format", ["plain", "stream"])
def test_formats_that_cannot_convert_are_refused(sides: tuple[Any, Any], dump_format: str) -> None:
    """plain and stream refuse a non-empty hypertables, naming the formats that can."""
    found = preflight(*sides, [table("pk_without_time")], dump_format=dump_format)
    assert any("only the parallel and directory formats do" in m for m in found[f"dump_format={dump_format}"])


def test_no_hypertables_no_query(sides: tuple[Any, Any]) -> None:
    """Without the param the preflight finds nothing (and does not look)."""
    assert preflight(*sides, []) == {}


def test_target_without_timescaledb_and_timescaledb_source(servers: Servers, unique: str) -> None:
    """A target database without TimescaleDB is refused (it can create it: the remedy says how); a TimescaleDB
    source is refused (its restore runs in restoring mode)."""
    src_db, tgt_db = f"ht_pre_ts_{unique}", f"ht_pre_plain_{unique}"
    with (
        servers.tsdb_source.database(src_db, extensions=("timescaledb",)),
        servers.tsdb_target.database(tgt_db),
        servers.tsdb_source.connect(src_db) as src,
        servers.tsdb_target.connect(tgt_db) as tgt,
    ):
        src.execute("CREATE TABLE fine (ts timestamptz NOT NULL)")
        found = preflight(src, tgt, [table("fine")])
    assert any("run CREATE EXTENSION timescaledb in it first" in m for m in found["target database"])
    assert any("the source runs TimescaleDB" in m for m in found["source database"])
