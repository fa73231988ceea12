"""Unit tests of timescale_migration.verify: checks, the report and its table, comparisons of hand-built sides."""

from __future__ import annotations

import json
from typing import Any

import pytest

from timescale_migration.fingerprint import Fingerprint, TableSum
from timescale_migration.verify import (
    Check,
    VerifyReport,
    check_timescale_state,
    compare_data,
    compare_structure,
    format_table,
)

pytestmark = pytest.mark.unit

LO_NONE = {"objects": 0, "hash_high": 0, "hash_low": 0}


def data(name: str, source: Any, target: Any, kind: str = "table", match: bool = True) -> Check:
    """A data check built by hand."""
    ok = source == target and match
    problem = "" if ok else f"source {source} rows, target {target} rows"
    return Check("data", name, source, target, ok, problem, {"kind": kind, "checksum_match": ok})


def sample_report() -> VerifyReport:
    """Agreeing and differing relations, a partitioned parent, sequences, structure and large objects."""
    return VerifyReport([
        data('"public"."orders"', 1200, 1200),
        data('"metrics"."conditions"', 52_000, 51_999, kind="hypertable"),
        data('"public"."only_source"', 3, None),
        data('"public"."events"', 10, 10, kind="partitioned"),
        Check("sequences", '"public"."orders_id_seq"', "1200 true", "1200 true", True),
        Check("sequences", '"public"."s2"', "5 true", "1 false", False, "source 5 true, target 1 false"),
        Check("indexes", '"public"."orders_pkey"', "def", "def", True),
        Check("large objects", "pg_largeobject", 2, 2, True),
    ], timings={"load seconds": 1.5})


def fingerprint(tables: dict[str, TableSum], sequences: dict[str, str] | None = None,
                large_objects: dict[str, int] | None = None) -> Fingerprint:
    """One side's data as the fingerprint step would report it."""
    return Fingerprint("UTF8", tables, sequences or {}, large_objects or dict(LO_NONE))


# --- Check, VerifyReport ----------------------------------------------------------------------------------------------


def test_check_describe() -> None:
    """describe() names the section, the item and the problem."""
    check = Check("data", '"public"."t"', 10, 9, False, "source 10 rows, target 9 rows")
    assert check.describe() == 'data "public"."t": source 10 rows, target 9 rows'
    assert check.ok is False


def test_report_differences_in_order() -> None:
    """differences lists the checks that are not ok, in order."""
    names = [c.name for c in sample_report().differences]
    assert names == ['"metrics"."conditions"', '"public"."only_source"', '"public"."s2"']


def test_report_section() -> None:
    """section() selects one section's checks."""
    assert [c.name for c in sample_report().section("sequences")] == ['"public"."orders_id_seq"', '"public"."s2"']


def test_report_summary() -> None:
    """summary counts relations, rows (partitioned parents not double-counted), sequences and structure items."""
    summary = sample_report().summary()
    assert summary["ok"] is False
    assert summary["tables"] == 4
    assert summary["rows"] == 1200 + 52_000 + 3
    assert summary["sequences"] == 2
    assert summary["structure_items"] == 2
    assert summary["differences"] == [
        'data "metrics"."conditions": source 52000 rows, target 51999 rows',
        'data "public"."only_source": source 3 rows, target None rows',
        'sequences "public"."s2": source 5 true, target 1 false',
    ]
    assert summary["timings"] == {"load seconds": 1.5}


def test_empty_report_is_ok() -> None:
    """A report without differences is ok."""
    summary = VerifyReport([data("t", 1, 1)]).summary()
    assert summary["ok"] is True
    assert summary["differences"] == []


def test_report_to_dict_is_json() -> None:
    """to_dict() is JSON-serializable with every check."""
    loaded = json.loads(json.dumps(sample_report().to_dict()))
    assert len(loaded["checks"]) == 8
    assert loaded["summary"]["tables"] == 4


# --- format_table -----------------------------------------------------------------------------------------------------


def table_lines(report: VerifyReport) -> list[str]:
    """The data table's lines (header included)."""
    return format_table(report).splitlines()[: len(report.section("data")) + 1]


def test_format_table_header_and_one_line_per_relation() -> None:
    """The header names the columns and every relation has a line."""
    lines = table_lines(sample_report())
    assert lines[0].split() == ["relation", "kind", "source", "rows", "target", "rows", "checksum", "result"]
    assert len(lines) == 5


def test_format_table_marks_differences() -> None:
    """Differing relations end with DIFFERS, agreeing ones with ok; absent counts read "missing"."""
    lines = table_lines(sample_report())[1:]
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["ok", "DIFFERS", "DIFFERS", "ok"]
    assert "missing" in lines[2]


def test_format_table_columns_aligned() -> None:
    """The result column starts at the same offset on every line, the kind column too."""
    lines = table_lines(sample_report())
    assert len({len(line) - len(line.rsplit("  ", 1)[1]) for line in lines}) == 1
    kinds = ("kind", "table", "hypertable", "partitioned")
    assert len({min(line.find(f"  {k} ") for k in kinds if f"  {k} " in line) for line in lines}) == 1


def test_format_table_right_aligns_counts() -> None:
    """Counts of different widths end in the same column."""
    lines = table_lines(VerifyReport([data("a", 7, 7), data("b", 123456, 123456)]))
    assert lines[1].index("7 ") + 1 == lines[2].index("123456 ") + 6


def test_format_table_sections_and_differences() -> None:
    """Other sections are summarized and each of their differences listed with DIFFERS."""
    lines = format_table(sample_report()).splitlines()
    assert "sequences: 1 of 2 identical" in lines
    assert '  DIFFERS "public"."s2": source 5 true, target 1 false' in lines
    assert "indexes: 1 of 1 identical" in lines
    assert "large objects: 1 of 1 identical" in lines


# --- compare_data -----------------------------------------------------------------------------------------------------


def test_compare_data_identical() -> None:
    """Identical relations, sequences and large objects give only ok checks."""
    side = fingerprint({'"public"."t"': TableSum("table", 5, "abc")}, {'"public"."s"': "5 true"},
                       {"objects": 2, "hash_high": 1, "hash_low": 2})
    checks = compare_data(side, side)
    assert all(c.ok for c in checks)
    assert [c.section for c in checks] == ["data", "sequences", "large objects"]
    assert checks[0].extra["checksum_match"] is True


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        (TableSum("table", 5, "abc"), TableSum("table", 4, "abd"), "source 5 rows, target 4 rows"),
        (TableSum("table", 5, "abc"), TableSum("table", 5, "xyz"), "same 5 rows but their contents differ"),
        (TableSum("table", 5, "abc"), None, "missing on the target (source has 5 rows)"),
        (None, TableSum("table", 0, "e"), "not on the source, but on the target"),
        (TableSum("table", None, None, error="permission denied"), TableSum("table", 5, "abc"),
         "source: permission denied; target: ok"),
    ],
)
def test_compare_data_relation_problems(source: TableSum | None, target: TableSum | None, problem: str) -> None:
    """Each kind of relation difference is named."""
    src = fingerprint({"t": source} if source else {})
    tgt = fingerprint({"t": target} if target else {})
    check = compare_data(src, tgt)[0]
    assert check.ok is False
    assert check.problem.startswith(problem)


def test_compare_data_sequences() -> None:
    """A sequence that differs or is missing is named with both states."""
    checks = compare_data(fingerprint({}, {"a": "5 true", "b": "1 true"}), fingerprint({}, {"a": "1 false"}))
    by_name = {c.name: c for c in checks if c.section == "sequences"}
    assert by_name["a"].problem == "source 5 true, target 1 false"
    assert by_name["b"].problem == "source 1 true, target missing"


def test_compare_data_large_objects() -> None:
    """Large objects differ by count, or by contents at the same count."""
    src = {"objects": 2, "hash_high": 1, "hash_low": 2}
    count = compare_data(fingerprint({}, large_objects=src), fingerprint({}, large_objects=dict(LO_NONE)))[-1]
    assert count.problem == "source 2 object(s), target 0"
    content = compare_data(fingerprint({}, large_objects=src),
                           fingerprint({}, large_objects={**src, "hash_low": 3}))[-1]
    assert content.problem == "source 2 object(s), target 2, contents differ"


# --- compare_structure, check_timescale_state -------------------------------------------------------------------------


def test_compare_structure_differences() -> None:
    """Missing, different and target-only objects are all reported."""
    source = {"indexes": {"i1": "btree (a)", "i2": "btree (b)"}, "views": {"v": "SELECT 1"}}
    target = {"indexes": {"i1": "btree (a)", "i3": "btree (c)"}, "views": {"v": "SELECT 2"}}
    problems = {(c.section, c.name): c.problem for c in compare_structure(source, target, roles=None) if not c.ok}
    assert problems == {
        ("indexes", "i2"): "missing on the target",
        ("indexes", "i3"): "on the target only (btree (c))",
        ("views", "v"): "differs: source 'SELECT 1', target 'SELECT 2'",
    }


def test_compare_structure_target_may_have_more_extensions() -> None:
    """Extensions only on the target are not differences."""
    checks = compare_structure({"extensions": {"plpgsql": "1.0"}}, {"extensions": {"plpgsql": "1.0", "x": "1"}},
                               roles=None)
    assert [(c.name, c.ok) for c in checks] == [("plpgsql", True)]


def test_compare_structure_roles_only_migrated_ones() -> None:
    """Roles are compared only for the migrated roles, and not at all when roles were not migrated."""
    source = {"roles": {"app": "LOGIN", "App User": "LOGIN", "other": "LOGIN"}}
    target = {"roles": {"app": "LOGIN", "tsdbadmin": "LOGIN"}}
    checks = compare_structure(source, target, roles=["app", "App User"])
    assert {(c.name, c.ok) for c in checks} == {("app", True), ("App User", False)}
    assert compare_structure(source, target, roles=None) == []


def test_timescale_state_ok() -> None:
    """Restoring off and a running scheduler pass."""
    checks = check_timescale_state({"session_restoring": "off", "database_restoring": None, "schedulers": 1})
    assert all(c.ok for c in checks)


def test_timescale_state_still_restoring() -> None:
    """Restoring still on, or no scheduler, fails saying what to run."""
    checks = check_timescale_state({"session_restoring": "on", "database_restoring": "on", "schedulers": 0})
    assert not any(c.ok for c in checks)
    assert "run timescaledb_post_restore()" in checks[0].problem
    assert "jobs will not run" in checks[2].problem
