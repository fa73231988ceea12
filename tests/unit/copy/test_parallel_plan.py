"""The `parallel` format's plan: which copies, how a large table splits into parts, and their command lines and
session commands (exact table patterns, the snapshot everywhere, quoted COPYs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.unit.copy.conftest import MB, TOOLS, big
from timescale_migration.copy.parallel_plan import (
    BulkTable,
    Part,
    bulk_tables,
    copy_commands,
    plan_copies,
    session_setup,
    split_parts,
)

pytestmark = pytest.mark.unit


def table(columns: tuple[str, ...] = ("id", "Ts Col"), builtin: bool = True) -> BulkTable:
    """A large table with awkward names."""
    return BulkTable('Sales "Data"', "Café ☕", 5_000_000, columns, builtin)


def test_copy_commands_binary_reader_imports_the_snapshot_then_copies_out() -> None:
    """The reader: settings, REPEATABLE READ, the exported snapshot (a literal), COPY of exactly the listed
    columns in binary, all quoted; quiet (no command tags in the data on stdout)."""
    copy = copy_commands(TOOLS, table(), "00000004-000000C4-1", binary=True)
    assert copy.reader[:5] == ["/opt/pg/bin/psql", "-X", "--quiet", "-v", "ON_ERROR_STOP=1"]
    commands = [copy.reader[i + 1] for i, a in enumerate(copy.reader) if a == "-c"]
    assert commands[0].startswith("SET datestyle = ISO;") and "row_security = off" in commands[0]
    assert commands[1:] == [
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;",
        "SET TRANSACTION SNAPSHOT '00000004-000000C4-1'",
        'COPY "Sales ""Data"""."Café ☕" ("id", "Ts Col") TO STDOUT (FORMAT binary)',
    ]
    assert "--single-transaction" not in copy.reader


def test_copy_commands_writer_truncates_only_and_freezes_in_one_transaction() -> None:
    """The writer: one transaction, TRUNCATE ONLY (never inheritance children) then COPY ... FREEZE; text
    format when binary is off."""
    copy = copy_commands(TOOLS, table(), "s-1", binary=False)
    assert "--single-transaction" in copy.writer
    commands = [copy.writer[i + 1] for i, a in enumerate(copy.writer) if a == "-c"]
    assert commands[1:] == [
        'TRUNCATE ONLY "Sales ""Data"""."Café ☕"',
        'COPY "Sales ""Data"""."Café ☕" ("id", "Ts Col") FROM STDIN (FREEZE)',
    ]
    reader = [copy.reader[i + 1] for i, a in enumerate(copy.reader) if a == "-c"]
    assert reader[-1].endswith("TO STDOUT") and not copy.binary


def test_copy_commands_empty_a_converted_hypertable_without_only(tmp_path: Path) -> None:
    """A table converted into a hypertable on the target is emptied with TRUNCATE (TimescaleDB refuses TRUNCATE
    ONLY of a hypertable), in the psql command lines and in the sessions' script alike; other tables keep ONLY."""
    copies = plan_copies(
        TOOLS,
        [table(), BulkTable("public", "other", 4_000_000, ("id",), True)],
        "s-1",
        binary=True,
        jobs=2,
        split=False,
        fifo_dir=tmp_path,
        hypertables={('Sales "Data"', "Café ☕")},
    )
    hyper, other = copies
    commands = [hyper.writer[i + 1] for i, a in enumerate(hyper.writer) if a == "-c"]
    assert commands[1:] == [
        'TRUNCATE "Sales ""Data"""."Café ☕"',
        'COPY "Sales ""Data"""."Café ☕" ("id", "Ts Col") FROM STDIN (FORMAT binary, FREEZE)',
    ]
    assert hyper.session is not None and hyper.session.writer[1] == 'TRUNCATE "Sales ""Data"""."Café ☕";'
    assert any(c == 'TRUNCATE ONLY "public"."other"' for c in other.writer)


def test_copy_commands_snapshot_is_a_literal() -> None:
    """A snapshot id can never break out of its quotes."""
    copy = copy_commands(TOOLS, table(), "x'; DROP TABLE t; --", binary=True)
    assert "SET TRANSACTION SNAPSHOT 'x''; DROP TABLE t; --'" in copy.reader


def test_bulk_tables_from_rows() -> None:
    """Rows of bulk_data_tables become BulkTable with their exact pg_dump pattern."""
    [bulk] = bulk_tables(
        [
            {
                "schema_name": "s",
                "table_name": "a.b",
                "bytes": 7,
                "columns": ["x"],
                "builtin_types": False,
                "blocks": 3,
                "autovacuum_set": True,
            }
        ]
    )
    assert bulk == BulkTable("s", "a.b", 7, ("x",), False, 3, autovacuum_set=True)
    assert bulk.pattern == '"s"."a.b"' and bulk.label == "s.a.b"


def test_a_timescaledb_chunk_is_never_split() -> None:
    """A table that is not splittable (a chunk, whose SELECT would decompress a compressed one) is copied whole,
    however large it is."""
    chunk = dataclasses.replace(big("_hyper_1_1_chunk", 1024), splittable=False)
    assert split_parts(chunk, 100 * MB, 4) == []
    assert len(split_parts(big("plain", 1024), 100 * MB, 4)) == 4


def test_split_parts_only_for_a_table_above_its_workers_share() -> None:
    """A 1 GB table among 1.2 GB for two workers exceeds one worker's share: two block ranges covering every
    block, the last open-ended; a table within its share, a small one, or one worker: no parts."""
    share = 1200 * MB / 2
    parts = split_parts(big("huge", 1024), share, 2)
    assert parts == [Part(0, 2, 0, 65536), Part(1, 2, 65536, None)]
    assert split_parts(big("fair", 500), share, 2) == []
    assert split_parts(big("small", 200), 100 * MB, 4) == []  # below SPLIT_MIN_BYTES
    assert split_parts(big("huge", 1024), 1024 * MB, 1) == []
    assert len(split_parts(big("huge", 1024), 100 * MB, 3)) == 3  # never more parts than workers


def test_plan_copies_splits_the_dominant_table_and_sorts_by_bytes() -> None:
    """The dominant table's parts come first and load without TRUNCATE or FREEZE (they load the same table at
    once); the others keep TRUNCATE ONLY + FREEZE; text for a table of non-built-in types."""
    copies = plan_copies(
        TOOLS, [big("huge", 2048), big("mid", 300, builtin=False)], "snap", binary=True, jobs=2, split=True
    )
    assert [(c.label, c.binary) for c in copies] == [
        ("public.huge (part 1 of 2)", True),
        ("public.huge (part 2 of 2)", True),
        ("public.mid", False),
    ]
    first = [copies[0].reader[i + 1] for i, a in enumerate(copies[0].reader) if a == "-c"][-1]
    last = [copies[1].reader[i + 1] for i, a in enumerate(copies[1].reader) if a == "-c"][-1]
    assert first == (
        'COPY (SELECT "id" FROM ONLY "public"."huge" WHERE ctid >= \'(0,0)\'::tid '
        "AND ctid < '(131072,0)'::tid) TO STDOUT (FORMAT binary)"
    )
    assert last == (
        'COPY (SELECT "id" FROM ONLY "public"."huge" WHERE ctid >= \'(131072,0)\'::tid) TO STDOUT (FORMAT binary)'
    )
    writer = [copies[0].writer[i + 1] for i, a in enumerate(copies[0].writer) if a == "-c"]
    assert writer[1:] == ['COPY "public"."huge" ("id") FROM STDIN (FORMAT binary)']
    mid = [copies[2].writer[i + 1] for i, a in enumerate(copies[2].writer) if a == "-c"]
    assert mid[1:] == ['TRUNCATE ONLY "public"."mid"', 'COPY "public"."mid" ("id") FROM STDIN (FREEZE)']
    assert copies[0].bytes == 1024 * MB


def test_plan_copies_never_splits_without_tid_range_scans() -> None:
    """split=False (a source before PostgreSQL 14): every table whole."""
    copies = plan_copies(TOOLS, [big("huge", 2048), big("mid", 300)], "snap", binary=False, jobs=2, split=False)
    assert [c.part for c in copies] == [None, None]


def test_copy_commands_for_a_table_without_columns() -> None:
    """A table without columns copies its rows with no column list (`COPY t () ...` would be an error)."""
    copy = copy_commands(TOOLS, table(columns=()), "s-1", binary=True)
    reader = [copy.reader[i + 1] for i, a in enumerate(copy.reader) if a == "-c"]
    writer = [copy.writer[i + 1] for i, a in enumerate(copy.writer) if a == "-c"]
    assert reader[-1] == 'COPY "Sales ""Data"""."Café ☕" TO STDOUT (FORMAT binary)'
    assert writer[-1] == 'COPY "Sales ""Data"""."Café ☕" FROM STDIN (FORMAT binary, FREEZE)'


def test_session_commands_of_a_whole_table_meet_at_its_fifo() -> None:
    """Through a worker's sessions: the source copies into the table's FIFO, the target empties the table and
    reads the FIFO with FREEZE in one transaction; names quoted as in the pipeline, each \\copy one line."""
    copy = copy_commands(TOOLS, table(), "s-1", binary=True, fifo=Path("/w/fifos/3.fifo"))
    assert copy.session is not None and copy.session.fifo == Path("/w/fifos/3.fifo")
    assert copy.session.reader == (
        '\\copy "Sales ""Data"""."Café ☕" ("id", "Ts Col") to \'/w/fifos/3.fifo\' (FORMAT binary)',
    )
    assert copy.session.writer == (
        "BEGIN;",
        'TRUNCATE ONLY "Sales ""Data"""."Café ☕";',
        '\\copy "Sales ""Data"""."Café ☕" ("id", "Ts Col") from \'/w/fifos/3.fifo\' (FORMAT binary, FREEZE)',
        "COMMIT;",
    )


def test_session_commands_of_a_part_copy_its_block_range_without_freeze() -> None:
    """A part of a split table: its TID range into the FIFO, loaded without TRUNCATE or FREEZE; text format."""
    copy = copy_commands(
        TOOLS, big("huge", 1024), "s-1", binary=False, part=Part(1, 2, 10, None), fifo=Path("/w/f/0.fifo")
    )
    assert copy.session is not None
    assert copy.session.reader == (
        '\\copy (SELECT "id" FROM ONLY "public"."huge" WHERE ctid >= \'(10,0)\'::tid) to \'/w/f/0.fifo\'',
    )
    assert copy.session.writer == ('\\copy "public"."huge" ("id") from \'/w/f/0.fifo\'',)


@pytest.mark.parametrize("name", ["two\nlines", "back\\slash", "cr\rname"])
def test_a_name_psql_cannot_read_on_one_line_keeps_a_pipeline_of_its_own(name: str) -> None:
    """A line break or a backslash in a name (or a column's): no session commands; the psql pipeline copies it."""
    assert copy_commands(TOOLS, BulkTable("s", name, 1, ("id",), True), "s-1", True, fifo=Path("/f/1")).session is None
    assert copy_commands(TOOLS, BulkTable("s", "t", 1, (name,), True), "s-1", True, fifo=Path("/f/1")).session is None
    assert copy_commands(TOOLS, BulkTable("s", "t", 1, ("id",), True), "s-1", True, fifo=Path("/f/1")).session


def test_plan_copies_gives_every_copy_a_fifo_of_its_own() -> None:
    """One FIFO per copy (a part included): a FIFO reused at once could join two tables' rows."""
    copies = plan_copies(
        TOOLS, [big("huge", 2048), big("mid", 300)], "snap", binary=True, jobs=2, split=True, fifo_dir=Path("/w/fifos")
    )
    fifos = [c.session.fifo for c in copies if c.session]
    assert len(fifos) == len(copies) == 3 and len(set(fifos)) == 3
    assert all(f.parent == Path("/w/fifos") for f in fifos)
    assert all(
        c.session is None for c in plan_copies(TOOLS, [big("mid", 300)], "snap", binary=True, jobs=2, split=True)
    )


def test_session_setup_holds_the_snapshot_for_every_table() -> None:
    """The source session: settings, then one REPEATABLE READ transaction in the exported snapshot (a literal);
    the target session: settings only (each table opens its own transaction)."""
    reader, writer = session_setup("x'; DROP TABLE t; --")
    assert reader[0].startswith("SET datestyle = ISO;") and reader[0].endswith(";")
    assert reader[1:] == (
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;",
        "SET TRANSACTION SNAPSHOT 'x''; DROP TABLE t; --';",
    )
    assert writer == (reader[0],)
