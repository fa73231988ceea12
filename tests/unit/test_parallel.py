"""The `parallel` format's planning and argv: groups of equal bytes, exact table patterns, snapshot everywhere."""

from __future__ import annotations

import pytest

from timescale_migration.clienttools import (
    ClientTools,
    dump_pattern,
    pg_dump_rows_argv,
    pg_dump_skeleton_argv,
    pg_restore_argv,
)
from timescale_migration.parallel import split

pytestmark = pytest.mark.unit
TOOLS = ClientTools(bin_dir="/opt/pg/bin", major=17, version="17.12")


def test_split_balances_bytes_largest_first() -> None:
    """Largest first into the lightest group: 100 | 60+30+10 for two jobs."""
    groups = split([("a", 10), ("b", 100), ("c", 60), ("d", 30)], 2)
    assert [(g.tables, g.bytes) for g in groups] == [(["b"], 100), (["c", "d", "a"], 100)]


def test_split_drops_empty_groups_and_keeps_every_table() -> None:
    """More jobs than tables: one group per table; nothing lost."""
    groups = split([("a", 5), ("b", 7)], 8)
    assert sorted(t for g in groups for t in g.tables) == ["a", "b"] and len(groups) == 2


def test_split_without_tables_or_with_zero_jobs() -> None:
    """No large table: no pipeline; jobs below one still make one group."""
    assert split([], 4) == []
    assert [g.tables for g in split([("a", 1)], 0)] == [["a"]]


@pytest.mark.parametrize(("schema", "table", "pattern"), [
    ("public", "orders", '"public"."orders"'),
    ("Sales Data", 'Order "Items"', '"Sales Data"."Order ""Items"""'),
    ("s", "a.b*c?$", '"s"."a.b*c?$"'),
    ("_timescaledb_internal", "_hyper_1_1_chunk", '"_timescaledb_internal"."_hyper_1_1_chunk"'),
])
def test_dump_pattern_quotes_both_parts(schema: str, table: str, pattern: str) -> None:
    """Both parts double-quoted (quotes doubled), so dots, stars and question marks are taken literally."""
    assert dump_pattern(schema, table) == pattern


def test_skeleton_argv_excludes_rows_of_bulk_tables_only() -> None:
    """Custom format, uncompressed, the guide's flags, the snapshot, one --exclude-table-data per table."""
    argv = pg_dump_skeleton_argv(TOOLS, "/w/skeleton.dump", "00000004-000000C4-1", ['"s"."a"', '"s"."b"'])
    assert argv[0] == "/opt/pg/bin/pg_dump"
    assert {"--format=custom", "--compress=0", "--no-owner", "--no-privileges", "--no-tablespaces",
            "--quote-all-identifiers", "--snapshot=00000004-000000C4-1", "--file=/w/skeleton.dump"} <= set(argv)
    assert [a for a in argv if a.startswith("--exclude-table-data=")] == [
        '--exclude-table-data="s"."a"', '--exclude-table-data="s"."b"']
    assert not any(a.startswith("--table") for a in argv)


def test_rows_argv_dumps_data_of_the_group_to_stdout() -> None:
    """Plain COPY data of exactly the group's tables, from the snapshot, to stdout (no --file)."""
    argv = pg_dump_rows_argv(TOOLS, "snap-1", ['"s"."a"'])
    assert {"--format=plain", "--data-only", "--snapshot=snap-1", '--table="s"."a"'} <= set(argv)
    assert not any(a.startswith("--file") for a in argv)


def test_restore_argv_section() -> None:
    """pg_restore takes the section to restore; without one it restores everything."""
    assert "--section=post-data" in pg_restore_argv(TOOLS, "db", "/w/skeleton.dump", jobs=2, section="post-data")
    assert not any(a.startswith("--section") for a in pg_restore_argv(TOOLS, "db", "/w/d"))
