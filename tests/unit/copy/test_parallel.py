"""The `parallel` format's run: the skeleton's and restore's command lines, index progress, and autovacuum
paused on the large tables for the load."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from tests.unit.copy.conftest import MB, TOOLS, big
from timescale_migration.copy.parallel import autovacuum_paused
from timescale_migration.copy.parallel_plan import BulkTable
from timescale_migration.copy.progress import index_progress
from timescale_migration.db import catalog
from timescale_migration.exceptions import ClientToolFailed, MigrationError
from timescale_migration.tools.clienttools import (
    dump_pattern,
    pg_dump_skeleton_argv,
    pg_restore_argv,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("schema", "table", "pattern"),
    [
        ("public", "orders", '"public"."orders"'),
        ("Sales Data", 'Order "Items"', '"Sales Data"."Order ""Items"""'),
        ("s", "a.b*c?$", '"s"."a.b*c?$"'),
        ("_timescaledb_internal", "_hyper_1_1_chunk", '"_timescaledb_internal"."_hyper_1_1_chunk"'),
    ],
)
def test_dump_pattern_quotes_both_parts(schema: str, table: str, pattern: str) -> None:
    """Both parts double-quoted (quotes doubled), so dots, stars and question marks are taken literally."""
    assert dump_pattern(schema, table) == pattern


def test_skeleton_argv_excludes_rows_of_bulk_tables_only() -> None:
    """Custom format, uncompressed, the guide's flags, the snapshot, one --exclude-table-data per table."""
    argv = pg_dump_skeleton_argv(TOOLS, "/w/skeleton.dump", "00000004-000000C4-1", ['"s"."a"', '"s"."b"'])
    assert argv[0] == "/opt/pg/bin/pg_dump"
    assert {
        "--format=custom",
        "--compress=0",
        "--no-owner",
        "--no-privileges",
        "--no-tablespaces",
        "--quote-all-identifiers",
        "--snapshot=00000004-000000C4-1",
        "--file=/w/skeleton.dump",
    } <= set(argv)
    assert [a for a in argv if a.startswith("--exclude-table-data=")] == [
        '--exclude-table-data="s"."a"',
        '--exclude-table-data="s"."b"',
    ]
    assert not any(a.startswith("--table") for a in argv)


def test_restore_argv_section() -> None:
    """pg_restore takes the section to restore; without one it restores everything."""
    assert "--section=post-data" in pg_restore_argv(TOOLS, "db", "/w/skeleton.dump", jobs=2, section="post-data")
    assert not any(a.startswith("--section") for a in pg_restore_argv(TOOLS, "db", "/w/d"))


class _Target:
    """An endpoint whose connect() yields a placeholder connection."""

    @contextmanager
    def connect(self) -> Iterator[object]:
        yield object()


def test_index_progress_names_each_build_and_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks when the phase counts blocks, tuples otherwise; nothing running said so."""
    builds = [
        {
            "index_name": "orders_pkey",
            "table_name": "orders",
            "phase": "building index: scanning table",
            "blocks_done": 25,
            "blocks_total": 100,
            "tuples_done": 0,
            "tuples_total": 0,
        },
        {
            "index_name": "e_idx",
            "table_name": "events",
            "phase": "building index: loading tuples in tree",
            "blocks_done": 0,
            "blocks_total": 0,
            "tuples_done": 3,
            "tuples_total": 4,
        },
    ]
    answers = [builds, []]
    monkeypatch.setattr(catalog, "rows", lambda conn, name: answers.pop(0))
    report = index_progress(_Target())  # type: ignore[arg-type]
    assert report() == (
        "2 index build(s) running: orders_pkey on orders (building index: scanning table 25%), "
        "e_idx on events (building index: loading tuples in tree 75%)"
    )
    assert report() == "no index build running"


@pytest.fixture
def altered(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """catalog.run stubbed: records each ALTER TABLE; state["refuse"] names tables whose ALTER fails."""
    state: dict[str, list[str]] = {"statements": [], "refuse": []}

    def run(conn: object, statement: object, params: object = None) -> list[tuple[object, ...]]:
        text = " ".join(
            line
            for line in statement.as_string().splitlines()  # type: ignore[attr-defined]
            if not line.startswith("--")
        )
        if any(f'"{name}"' in text for name in state["refuse"]):
            raise psycopg.errors.InsufficientPrivilege("must be owner of table")
        state["statements"].append(text)
        return []

    monkeypatch.setattr(catalog, "run", run)
    return state


PAUSED = [big("a", 1), BulkTable("s", "own", MB, ("id",), True, 128, autovacuum_set=True), big("Odd b", 1)]


OFF = "SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);"


RESET = "RESET (autovacuum_enabled, toast.autovacuum_enabled);"


def test_autovacuum_paused_off_then_reset(altered: dict[str, list[str]]) -> None:
    """Autovacuum off on each table (not on one whose source sets it itself) for the block, reset after."""
    with autovacuum_paused(_Target(), PAUSED, logging.getLogger("t")):  # type: ignore[arg-type]
        assert altered["statements"] == [f'ALTER TABLE "public"."a" {OFF}', f'ALTER TABLE "public"."Odd b" {OFF}']
    assert altered["statements"][2:] == [f'ALTER TABLE "public"."a" {RESET}', f'ALTER TABLE "public"."Odd b" {RESET}']


def test_autovacuum_paused_reset_after_a_failure_keeps_the_error(altered: dict[str, list[str]]) -> None:
    """A failing load still resets the tables, and its own error is the one raised."""
    paused = autovacuum_paused(_Target(), PAUSED, logging.getLogger("t"))  # type: ignore[arg-type]
    with pytest.raises(ClientToolFailed, match="copy broke"), paused:
        raise ClientToolFailed("copy broke")
    assert [t for t in altered["statements"] if RESET in t] == [
        f'ALTER TABLE "public"."a" {RESET}',
        f'ALTER TABLE "public"."Odd b" {RESET}',
    ]


def test_autovacuum_paused_table_that_refuses_is_loaded_as_it_is(
    altered: dict[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    """A table whose ALTER is refused keeps autovacuum on (a warning), and is not reset."""
    altered["refuse"] = ["a"]
    with caplog.at_level(logging.WARNING, logger="t"), autovacuum_paused(_Target(), PAUSED, logging.getLogger("t")):  # type: ignore[arg-type]
        altered["refuse"] = []
    assert "autovacuum stays on for public.a" in caplog.text
    assert altered["statements"] == [f'ALTER TABLE "public"."Odd b" {OFF}', f'ALTER TABLE "public"."Odd b" {RESET}']


def test_autovacuum_left_off_fails_the_load(altered: dict[str, list[str]]) -> None:
    """A table whose reset fails after a successful load fails the load, naming the table and the fix."""
    paused = autovacuum_paused(_Target(), PAUSED, logging.getLogger("t"))  # type: ignore[arg-type]
    with pytest.raises(MigrationError, match=r"autovacuum is still off on public\.a .*RESET"), paused:
        altered["refuse"] = ["a"]
