"""Unit tests of copy/hypertables.py: the conversion's statements (compression and policies only with fakes:
Debian's TimescaleDB is the Apache build, which refuses them), its record, and the post-data list split."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import RecordingLog
from timescale_migration.copy import hypertables
from timescale_migration.copy.hypertables import ConversionRecord, Converted, split_listing, without_only
from timescale_migration.db import catalog
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import hypertable_specs
from timescale_migration.params import HYPERTABLE_EXAMPLE

pytestmark = pytest.mark.unit


class FakeConn:
    """A target session of a community build: records each statement with its params; answers like TimescaleDB."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, dict[str, Any] | None]] = []
        self.next_job = 1000

    @contextmanager
    def transaction(self) -> Any:
        self.statements.append(("BEGIN", None))
        yield
        self.statements.append(("COMMIT", None))


@pytest.fixture
def conn(monkeypatch: pytest.MonkeyPatch) -> FakeConn:
    """catalog.run/rows on the fake session."""
    fake = FakeConn()

    def run(c: FakeConn, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = "\n".join(line for line in statement.as_string(None).splitlines() if not line.startswith("--")).strip()
        c.statements.append((text, params))
        if "create_hypertable" in text:
            return [("(7,t)",)]
        if "add_compression_policy" in text or "add_retention_policy" in text:
            c.next_job += 1
            return [(c.next_job,)]
        return [(None,)]

    def rows(c: FakeConn, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        assert name == "extensions/installed_extensions"
        return [{"name": "timescaledb", "version": "2.19.3", "schema_name": "ts"}]

    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "rows", rows)
    return fake


def test_convert_every_part_in_one_transaction(conn: FakeConn, tmp_path: Path) -> None:
    """create_hypertable without default indexes, the hash dimension, compression settings, both policies, each
    policy paused at once; the record names the hypertable and its paused jobs."""
    specs = hypertable_specs(HYPERTABLE_EXAMPLE)

    @contextmanager
    def connect() -> Any:
        yield conn

    log = RecordingLog()
    record = hypertables.convert(connect, specs, tmp_path / "hypertables.json", log=log)
    texts = [text for text, _ in conn.statements]
    assert texts[0] == "BEGIN" and texts[-1] == "COMMIT"
    assert texts[1].startswith(
        'SELECT "ts".create_hypertable(%(relation)s::regclass, "ts".by_range(%(column)s, \'1 day\'::interval),'
    )
    assert "create_default_indexes => false" in texts[1]
    assert conn.statements[1][1] == {"relation": '"public"."conditions"', "column": "time"}
    assert texts[2].startswith('SELECT "ts".add_dimension(') and conn.statements[2][1]["partitions"] == 4
    assert texts[3] == (
        'ALTER TABLE "public"."conditions" SET (timescaledb.compress, timescaledb.compress_segmentby '
        "= '\"device_id\"', timescaledb.compress_orderby = '\"time\" DESC')"
    )
    assert "add_compression_policy" in texts[4] and "compress_after => '7 days'::interval" in texts[4]
    assert "add_retention_policy" in texts[5] and "drop_after => '1 year'::interval" in texts[5]
    assert [p for t, p in conn.statements if "alter_job" in t] == [
        {"id": 1001, "scheduled": False},
        {"id": 1002, "scheduled": False},
    ]
    assert record.tables == [Converted("public", "conditions", 7, {"compression": 1001, "retention": 1002})]
    assert ConversionRecord.read(tmp_path / "hypertables.json") == record
    assert record.paused_jobs == [1001, 1002]
    assert any("policy job(s) 1001, 1002 paused until verified" in line for _, line in log.lines)


def test_integer_time_and_plain_segmentby(conn: FakeConn) -> None:
    """An integer chunk interval stays an integer; no orderby leaves TimescaleDB's default; no policy, no pause."""
    (spec,) = hypertable_specs(
        [
            {
                "schema": "S x",
                "table": 'T"1',
                "time_column": "t",
                "chunk_interval": 3600,
                "compression": {"segmentby": ["a", "B c"]},
            }
        ]
    )
    converted = hypertables.convert_table(conn, "public", spec)  # type: ignore[arg-type]
    texts = [t for t, _ in conn.statements]
    assert '"public".by_range(%(column)s, 3600)' in texts[1]
    assert conn.statements[1][1]["relation"] == '"S x"."T""1"'
    assert texts[2] == (
        'ALTER TABLE "S x"."T""1" SET (timescaledb.compress, timescaledb.compress_segmentby = \'"a", "B c"\')'
    )
    assert not any("alter_job" in t for t in texts) and converted.jobs == {}


def test_failure_names_the_table(monkeypatch: pytest.MonkeyPatch, conn: FakeConn, tmp_path: Path) -> None:
    """A refusal of the server fails the load naming the table and the server's message."""
    import psycopg

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.errors.FeatureNotSupported('functionality not supported under the current "apache" license')

    monkeypatch.setattr(hypertables, "convert_table", refuse)

    @contextmanager
    def connect() -> Any:
        yield conn

    with pytest.raises(MigrationError, match=r"converting public.conditions into a hypertable failed: .*apache"):
        hypertables.convert(connect, hypertable_specs(HYPERTABLE_EXAMPLE), tmp_path / "r.json", log=RecordingLog())
    assert not (tmp_path / "r.json").exists()


LISTING = """;
; Archive created at 2026-12-01 23:06:15 UTC
;
215; 1259 16390 TABLE public M t postgres
3205; 2606 16395 CONSTRAINT public M t M t_pkey postgres
3202; 2606 16405 CHECK CONSTRAINT public M t c1 postgres
3203; 1259 16396 INDEX public M t_dev_idx postgres
3207; 1259 16394 INDEX public M t_replica postgres
3206; 2606 16400 FK CONSTRAINT public ref ref_id_ts_fkey postgres
3208; 2606 16500 CONSTRAINT public other other_pkey postgres
"""


def test_split_listing_by_catalog_and_object_oid() -> None:
    """The converted tables' constraints and replica identity index first, their foreign keys last, the rest
    (other tables' entries and an index whose oid equals a constraint's) stays in the parallel list."""
    entries = {(2606, 16395): True, (2606, 16405): True, (1259, 16394): True, (2606, 16400): False, (1259, 16500): True}
    rest, early, late = split_listing(LISTING, entries)
    assert [line.split(";")[0] for line in early] == ["3205", "3202", "3207"]
    assert [line.split(";")[0] for line in late] == ["3206"]
    assert "3203;" in rest and "3208;" in rest and "215;" in rest and "; Archive created" in rest
    assert "3205;" not in rest and "3206;" not in rest


def test_without_only_touches_only_the_converted_tables() -> None:
    """ALTER TABLE ONLY of a converted table (quoted as pg_dump --quote-all-identifiers does) loses ONLY; any
    other table's, and ONLY inside a string, stay."""
    (spec,) = hypertable_specs([{"schema": "public", "table": 'M "t"', "time_column": "ts", "chunk_interval": 1}])
    text = (
        'ALTER TABLE ONLY "public"."M ""t"""\n    ADD CONSTRAINT "pk" PRIMARY KEY ("id", "ts");\n'
        'ALTER TABLE ONLY "public"."M ""t""" REPLICA IDENTITY USING INDEX "pk";\n'
        'ALTER TABLE ONLY "public"."other"\n    ADD CONSTRAINT "o" PRIMARY KEY ("id");\n'
        'COMMENT ON CONSTRAINT "pk" IS \'ALTER TABLE ONLY "public"."M ""t""" x\';\n'
    )
    assert without_only(text, [spec]) == (
        'ALTER TABLE "public"."M ""t"""\n    ADD CONSTRAINT "pk" PRIMARY KEY ("id", "ts");\n'
        'ALTER TABLE "public"."M ""t""" REPLICA IDENTITY USING INDEX "pk";\n'
        'ALTER TABLE ONLY "public"."other"\n    ADD CONSTRAINT "o" PRIMARY KEY ("id");\n'
        'COMMENT ON CONSTRAINT "pk" IS \'ALTER TABLE ONLY "public"."M ""t""" x\';\n'
    )
