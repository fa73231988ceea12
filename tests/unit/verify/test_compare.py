"""Unit tests of verify.compare: checks, the report and its table, comparisons of hand-built sides."""

from __future__ import annotations

import json
from typing import Any

import pytest

from timescale_migration.checks.findings import Finding, expected_differences
from timescale_migration.verify.compare import (
    Check,
    VerifyReport,
    check_timescale_state,
    compare_data,
    compare_structure,
    format_table,
)
from timescale_migration.verify.fingerprint import Fingerprint, TableSum

pytestmark = pytest.mark.unit

LO_NONE = {"objects": 0, "hash_high": 0, "hash_low": 0}


def data(name: str, source: Any, target: Any, kind: str = "table", match: bool = True) -> Check:
    """A data check built by hand."""
    ok = source == target and match
    problem = "" if ok else f"source {source} rows, target {target} rows"
    return Check("data", name, source, target, ok, problem, {"kind": kind, "checksum_match": ok})


def sample_report() -> VerifyReport:
    """Agreeing and differing relations, a partitioned parent, sequences, structure and large objects."""
    return VerifyReport(
        [
            data('"public"."orders"', 1200, 1200),
            data('"metrics"."conditions"', 52_000, 51_999, kind="hypertable"),
            data('"public"."only_source"', 3, None),
            data('"public"."events"', 10, 10, kind="partitioned"),
            Check("sequences", '"public"."orders_id_seq"', "1200 true", "1200 true", True),
            Check("sequences", '"public"."s2"', "5 true", "1 false", False, "source 5 true, target 1 false"),
            Check("indexes", '"public"."orders_pkey"', "def", "def", True),
            Check("large objects", "pg_largeobject", 2, 2, True),
        ],
        timings={"load seconds": 1.5},
    )


def fingerprint(
    tables: dict[str, TableSum], sequences: dict[str, str] | None = None, large_objects: dict[str, int] | None = None
) -> Fingerprint:
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
    side = fingerprint(
        {'"public"."t"': TableSum("table", 5, "abc")},
        {'"public"."s"': "5 true"},
        {"objects": 2, "hash_high": 1, "hash_low": 2},
    )
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
        (
            TableSum("table", None, None, error="permission denied"),
            TableSum("table", 5, "abc"),
            "source: permission denied; target: ok",
        ),
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
    content = compare_data(fingerprint({}, large_objects=src), fingerprint({}, large_objects={**src, "hash_low": 3}))[
        -1
    ]
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
    checks = compare_structure(
        {"extensions": {"plpgsql": "1.0"}}, {"extensions": {"plpgsql": "1.0", "x": "1"}}, roles=None
    )
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


# --- compare_data: details --------------------------------------------------------------------------------------------


def test_compare_data_check_fields() -> None:
    """A data check carries both counts, the kind, both sides' seconds and whether the checksums match."""
    src = fingerprint({"t": TableSum("hypertable", 5, "1:2", 0.5, method="fast")})
    tgt = fingerprint({"t": TableSum("hypertable", 5, "1:2", 0.75, method="fast")})
    check = compare_data(src, tgt)[0]
    assert (check.section, check.name, check.source, check.target, check.ok, check.problem) == (
        "data",
        "t",
        5,
        5,
        True,
        "",
    )
    assert check.extra == {
        "kind": "hypertable",
        "source_seconds": 0.5,
        "target_seconds": 0.75,
        "checksum_match": True,
        "method": "fast",
    }


def test_compare_data_method_is_the_sources() -> None:
    """A data check names how rows were hashed: the source's method, the target's for a relation only there."""
    checks = compare_data(
        fingerprint({"a": TableSum("table", 1, "1:1", method="fast"), "b": TableSum("table", 1, "1:1")}),
        fingerprint(
            {
                "a": TableSum("table", 1, "1:1", method="text"),
                "b": TableSum("table", 1, "1:1", method="fast"),
                "c": TableSum("table", 1, "1:1", method="fast"),
            }
        ),
    )
    assert {c.name: c.extra["method"] for c in checks if c.section == "data"} == {"a": "fast", "b": "text", "c": "fast"}


def test_compare_data_same_rows_different_checksum() -> None:
    """Equal counts with different checksums fail, naming both checksums; checksum_match is false."""
    check = compare_data(
        fingerprint({"t": TableSum("table", 5, "1:2")}), fingerprint({"t": TableSum("table", 5, "1:3")})
    )[0]
    assert check.ok is False
    assert check.problem == "same 5 rows but their contents differ (checksum 1:2 vs 1:3)"
    assert check.extra["checksum_match"] is False


def test_compare_data_missing_on_source_uses_target_kind() -> None:
    """A relation only on the target is named with the target's kind and no source count."""
    check = compare_data(fingerprint({}), fingerprint({"p": TableSum("partitioned", 0, "0:0", 0.1)}))[0]
    assert (check.source, check.target, check.ok) == (None, 0, False)
    assert check.extra["kind"] == "partitioned"
    assert check.extra["source_seconds"] is None
    assert check.extra["checksum_match"] is False


def test_compare_data_unreadable_on_target() -> None:
    """A relation the target could not read fails even when the source read it."""
    check = compare_data(
        fingerprint({"t": TableSum("table", 5, "1:2")}),
        fingerprint({"t": TableSum("table", None, None, error="unreadable by tsdbadmin: denied")}),
    )[0]
    assert check.ok is False
    assert check.problem == "source: ok; target: unreadable by tsdbadmin: denied"


def test_compare_data_unreadable_on_both_sides_fails() -> None:
    """Unreadable on both sides is still a difference (nothing was compared)."""
    unreadable = TableSum("table", None, None, error="unreadable")
    check = compare_data(fingerprint({"t": unreadable}), fingerprint({"t": unreadable}))[0]
    assert check.ok is False
    assert check.problem == "source: unreadable; target: unreadable"


def test_compare_data_relations_sorted() -> None:
    """Relations of both sides are checked once each, sorted by name."""
    checks = compare_data(
        fingerprint({"b": TableSum("table", 1, "1:1"), "a": TableSum("table", 1, "1:1")}),
        fingerprint({"c": TableSum("table", 1, "1:1"), "a": TableSum("table", 1, "1:1")}),
    )
    assert [c.name for c in checks if c.section == "data"] == ["a", "b", "c"]


def test_compare_data_sequence_only_on_target() -> None:
    """A sequence only on the target is a difference too."""
    checks = compare_data(fingerprint({}), fingerprint({}, {"n": "last_value=1 is_called=false"}))
    seq = next(c for c in checks if c.section == "sequences")
    assert seq.ok is False
    assert seq.problem == "source missing, target last_value=1 is_called=false"


def test_compare_data_large_objects_fields() -> None:
    """The large objects check counts objects on each side; identical sides pass."""
    same = {"objects": 3, "hash_high": "7", "hash_low": "-8"}
    check = compare_data(fingerprint({}, large_objects=same), fingerprint({}, large_objects=dict(same)))[-1]
    assert (check.section, check.name, check.source, check.target, check.ok) == (
        "large objects",
        "pg_largeobject",
        3,
        3,
        True,
    )
    differs = compare_data(
        fingerprint({}, large_objects=same), fingerprint({}, large_objects={**same, "hash_high": "8"})
    )[-1]
    assert differs.ok is False
    assert differs.problem.endswith("contents differ")


# --- compare_structure: details ---------------------------------------------------------------------------------------


def test_compare_structure_extra_allowed_only_for_extensions_and_roles() -> None:
    """Target-only objects pass for extensions and (migrated) roles, but not in any other section."""
    source = {"extensions": {}, "roles": {}, "schemas": {}, "functions": {}}
    target = {
        "extensions": {"pg_stat_statements": "1.10"},
        "roles": {"app": "LOGIN"},
        "schemas": {"extra": "owner"},
        "functions": {"f()": "sql"},
    }
    checks = compare_structure(source, target, roles=["app"])
    assert {(c.section, c.name, c.ok) for c in checks} == {("schemas", "extra", False), ("functions", "f()", False)}


def test_compare_structure_missing_extension_fails() -> None:
    """An extension of the source missing on the target, or at another version, is a difference."""
    checks = compare_structure(
        {"extensions": {"postgis": "3.5", "plpgsql": "1.0"}}, {"extensions": {"plpgsql": "1.1"}}, roles=None
    )
    assert {c.name: c.problem for c in checks} == {
        "plpgsql": "differs: source '1.0', target '1.1'",
        "postgis": "missing on the target",
    }


def test_compare_structure_role_missing_or_different() -> None:
    """A migrated role missing on the target, or with other attributes, is a difference; others are ignored."""
    source = {"roles": {"app": "LOGIN", "ro": "NOLOGIN", "ignored": "LOGIN"}}
    target = {"roles": {"app": "LOGIN CREATEDB"}}
    checks = compare_structure(source, target, roles=["app", "ro"])
    assert {c.name: c.problem for c in checks} == {
        "app": "differs: source 'LOGIN', target 'LOGIN CREATEDB'",
        "ro": "missing on the target",
    }


def test_compare_structure_roles_skipped_when_none() -> None:
    """Without migrated roles the roles section is not compared at all, other sections still are."""
    source = {"roles": {"app": "LOGIN"}, "schemas": {"app": "owner app"}}
    target = {"roles": {}, "schemas": {"app": "owner app"}}
    checks = compare_structure(source, target, roles=None)
    assert [(c.section, c.name, c.ok) for c in checks] == [("schemas", "app", True)]


def test_compare_structure_identical_and_sorted() -> None:
    """Identical objects give ok checks, sorted by section then name; a section on one side only still counts."""
    source = {"types": {"b": "enum", "a": "enum"}, "comments": {"x": "hello"}}
    target = {"types": {"a": "enum", "b": "enum"}}
    checks = compare_structure(source, target, roles=None)
    assert [(c.section, c.name, c.ok) for c in checks] == [
        ("comments", "x", False),
        ("types", "a", True),
        ("types", "b", True),
    ]
    assert checks[1].source == checks[1].target == "enum"


# --- check_timescale_state: one check at a time -----------------------------------------------------------------------


GOOD_STATE = {"session_restoring": "off", "database_restoring": None, "schedulers": 1}


@pytest.mark.parametrize(
    ("change", "failing", "problem"),
    [
        (
            {"session_restoring": "on"},
            "timescaledb.restoring (new session)",
            "is on: run timescaledb_post_restore() on the target",
        ),
        (
            {"database_restoring": "on"},
            "timescaledb.restoring (database setting)",
            "still set on the database: run timescaledb_post_restore()",
        ),
        (
            {"schedulers": 0},
            "background worker scheduler",
            "no TimescaleDB scheduler runs for the target database: jobs will not run",
        ),
    ],
)
def test_timescale_state_each_check_fails_alone(change: dict[str, Any], failing: str, problem: str) -> None:
    """Each of the three checks fails on its own condition only, saying what to do."""
    checks = check_timescale_state({**GOOD_STATE, **change})
    assert [c.name for c in checks if not c.ok] == [failing]
    assert next(c for c in checks if not c.ok).problem == problem
    assert all(c.section == "timescaledb state" for c in checks)


@pytest.mark.parametrize("state", [GOOD_STATE, {**GOOD_STATE, "database_restoring": "off", "schedulers": 2}])
def test_timescale_state_passes(state: dict[str, Any]) -> None:
    """Restoring off (or unset on the database) with one or more schedulers passes every check."""
    checks = check_timescale_state(state)
    assert [c.ok for c in checks] == [True, True, True]
    assert [c.problem for c in checks] == ["", "", ""]
    assert checks[2].target == state["schedulers"]


# --- VerifyReport.summary, format_table: details ----------------------------------------------------------------------


def test_summary_rows_skip_partitioned_and_unknown_counts() -> None:
    """Rows count each leaf once (not its partitioned parent) and skip relations without a source count."""
    report = VerifyReport(
        [
            data("p", 30, 30, kind="partitioned"),
            data("p1", 10, 10, kind="partition"),
            data("p2", 20, 20, kind="partition"),
            data("gone", None, 4),
            Check("sequences", "s", "1", "1", True),
        ]
    )
    summary = report.summary()
    assert summary["rows"] == 30
    assert summary["tables"] == 4
    assert summary["ok"] is False
    assert summary["structure_items"] == 0


def test_summary_ok_when_every_check_passes() -> None:
    """ok is true, with no differences, only when every check of every section passes."""
    checks = [data("t", 1, 1), Check("indexes", "i", "d", "d", True), *check_timescale_state(GOOD_STATE)]
    assert VerifyReport(checks).summary()["ok"] is True
    failing = [*checks, Check("indexes", "j", "d", None, False, "missing on the target")]
    summary = VerifyReport(failing).summary()
    assert summary["ok"] is False
    assert summary["differences"] == ["indexes j: missing on the target"]
    assert summary["structure_items"] == 5


def test_format_table_checksum_column() -> None:
    """The checksum column reads "match" when the checksums agreed, "-" otherwise."""
    lines = table_lines(VerifyReport([data("a", 1, 1), data("b", 1, 2)]))
    assert lines[1].split()[-2:] == ["match", "ok"]
    assert lines[2].split()[-2:] == ["-", "DIFFERS"]


def test_format_table_timescale_state_section() -> None:
    """TimescaleDB's state is summarized with each failing check listed."""
    report = VerifyReport([data("t", 1, 1), *check_timescale_state({**GOOD_STATE, "schedulers": 0})])
    lines = format_table(report).splitlines()
    assert lines[2:] == [
        "timescaledb state: 2 of 3 identical",
        "  DIFFERS background worker scheduler: no TimescaleDB scheduler runs for the target database: "
        "jobs will not run",
    ]


def test_format_table_only_data() -> None:
    """Without other sections the table is just the header and one line per relation."""
    assert len(format_table(VerifyReport([data("t", 1, 1)])).splitlines()) == 2


def test_compare_structure_accepts_differences_the_gate_announced() -> None:
    """A setting the preflight listed is ok and says why; any other difference in the section still fails."""
    warned = Finding(
        "database settings",
        "warning",
        "lc_messages = C",
        "only a superuser may set it",
        ("database settings", "database lc_messages"),
    )
    source = {
        "database settings": {
            "database lc_messages": "C",
            "database TimeZone": "America/New_York",
            'role "app" statement_timeout': "5s",
        }
    }
    target = {"database settings": {"database TimeZone": "America/New_York", 'role "app" statement_timeout': "1s"}}
    checks = {c.name: c for c in compare_structure(source, target, roles=None, expected=expected_differences([warned]))}
    assert checks["database lc_messages"].ok
    assert checks["database lc_messages"].problem == (
        "expected, shown at the stop_apps gate: only a superuser may set it"
    )
    assert checks["database TimeZone"].ok and not checks["database TimeZone"].problem
    assert not checks['role "app" statement_timeout'].ok
    assert "source '5s', target '1s'" in checks['role "app" statement_timeout'].problem
    assert not {c.name: c for c in compare_structure(source, target, roles=None)}["database lc_messages"].ok
    report = VerifyReport(checks=list(checks.values()))
    assert "  expected database lc_messages: expected, shown at the stop_apps gate" in format_table(report)
