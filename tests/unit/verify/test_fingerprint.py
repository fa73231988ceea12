"""Unit tests of timescale_migration.verify.fingerprint over fake sessions and stubbed catalog answers (no server)."""

from __future__ import annotations

import contextlib
import json
import queue
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from timescale_migration.db import catalog
from timescale_migration.verify import fingerprint
from timescale_migration.verify.fingerprint import Fingerprint, TableSum, Unit

pytestmark = pytest.mark.unit


class Refused(psycopg.errors.InsufficientPrivilege):
    """A permission error carrying the server's primary message, as psycopg raises it."""

    @property
    def diag(self) -> Any:  # type: ignore[override]
        return SimpleNamespace(message_primary="permission denied for table secret")


class FakeSession:
    """A connection as checksum() and take() see it: a user name, and a name to tell sessions apart."""

    broken = False

    def __init__(self, name: str = "s0", user: str = "verifier") -> None:
        self.name = name
        self.info = SimpleNamespace(user=user)

    def transaction(self, **kwargs: Any) -> contextlib.nullcontext[None]:
        """The transaction a forced table is read in (rolled back on a real server)."""
        return contextlib.nullcontext()


@pytest.fixture(autouse=True)
def one_unit_a_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fakes below answer one unit's query: batches of one (checksum_many is tested on the real servers)."""
    monkeypatch.setattr(fingerprint, "BATCH_UNITS", 1)


def test_small_units_are_batched_large_ones_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Largest first: a unit of BATCH_BYTES or more is a query of its own, the small ones share queries of at most
    BATCH_UNITS units and BATCH_BYTES bytes."""
    monkeypatch.setattr(fingerprint, "BATCH_UNITS", 3)
    monkeypatch.setattr(fingerprint, "BATCH_BYTES", 100)
    work = [Unit(f"r{i}", "table", "s", f"t{i}", True) for i in range(7)]
    sizes = {("s", "t0"): 500, ("s", "t1"): 100, ("s", "t2"): 60, ("s", "t3"): 30, ("s", "t4"): 5, ("s", "t5"): 1}
    names = [[u.name for u in batch] for batch in fingerprint.batched(work, sizes)]
    assert names == [["t0"], ["t1"], ["t2", "t3", "t4"], ["t5", "t6"]]


def test_small_units_batched_within_one_sessions_share_of_the_lock_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch never needs more relation locks than max_locks_per_transaction: each unit counts itself and its
    indexes; a unit not listed counts one."""
    monkeypatch.setattr(fingerprint, "BATCH_UNITS", 200)
    work = [Unit(f"r{i}", "table", "s", f"t{i}", True) for i in range(7)]
    locks = {("s", f"t{i}"): 3 for i in range(6)}
    names = [[u.name for u in batch] for batch in fingerprint.batched(work, {}, locks, 7)]
    assert names == [["t0", "t1"], ["t2", "t3"], ["t4", "t5", "t6"]]
    assert len(fingerprint.batched(work, {}, locks, None)) == 1


def leaves(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """Rows of partition_leaves.sql."""
    return [{"display_name": parent, "leaf_display_name": leaf} for parent, leaf in pairs]


def chunk(
    hypertable: tuple[str, str], name: str, compressed: bool = False, schema: str = "_timescaledb_internal"
) -> dict[str, Any]:
    """One row of timescaledb_chunk_units.sql."""
    return {
        "hypertable_schema": hypertable[0],
        "hypertable_name": hypertable[1],
        "chunk_schema": schema,
        "chunk_name": name,
        "is_compressed": compressed,
    }


# --- Fingerprint, TableSum --------------------------------------------------------------------------------------------


def sample() -> Fingerprint:
    """A fingerprint with every kind of entry, rows hashed both ways."""
    return Fingerprint(
        "UTF8",
        {
            '"public"."t"': TableSum("table", 5, "12:-3", 0.25, method="fast"),
            '"m"."h"': TableSum("hypertable", 100, "7:8", 1.5, method="fast"),
            '"public"."locked"': TableSum("table", None, None, 0.01, "unreadable by app: permission denied"),
        },
        {'"public"."s"': "last_value=5 is_called=true"},
        {"objects": 2, "hash_high": "10", "hash_low": "20"},
        3.5,
    )


def test_tablesum_method_defaults_to_text() -> None:
    """A TableSum built without a method says its rows were hashed by text."""
    assert TableSum("table", 1, "1:1").method == "text"


def test_fingerprint_round_trip() -> None:
    """from_dict(to_dict()) rebuilds the same fingerprint, TableSums and their methods included."""
    original = sample()
    rebuilt = Fingerprint.from_dict(original.to_dict())
    assert rebuilt == original
    assert isinstance(rebuilt.tables['"m"."h"'], TableSum)
    assert rebuilt.tables['"m"."h"'].method == "fast"


def test_fingerprint_round_trip_through_json() -> None:
    """The dict form survives JSON (it is kept as source_fingerprint.json)."""
    original = sample()
    rebuilt = Fingerprint.from_dict(json.loads(json.dumps(original.to_dict())))
    assert rebuilt == original
    assert rebuilt.tables['"public"."locked"'].error == "unreadable by app: permission denied"


def test_fingerprint_to_dict_shape() -> None:
    """to_dict holds plain values: every TableSum becomes a dict of its fields, the method included."""
    data = sample().to_dict()
    assert data["encoding"] == "UTF8"
    assert data["seconds"] == 3.5
    assert data["tables"]['"public"."t"'] == {
        "kind": "table",
        "rows": 5,
        "checksum": "12:-3",
        "seconds": 0.25,
        "error": None,
        "method": "fast",
    }
    assert data["tables"]['"public"."locked"']["method"] == "text"


def test_fingerprint_from_dict_without_seconds() -> None:
    """An older dict without seconds reads as 0.0."""
    data = sample().to_dict()
    del data["seconds"]
    assert Fingerprint.from_dict(data).seconds == 0.0


def test_fingerprint_from_dict_without_method() -> None:
    """An older dict whose tables carry no method reads as hashed by text (all rows were, before "fast")."""
    data = sample().to_dict()
    for table in data["tables"].values():
        del table["method"]
    rebuilt = Fingerprint.from_dict(data)
    assert {t.method for t in rebuilt.tables.values()} == {"text"}
    assert rebuilt.tables['"public"."t"'].checksum == "12:-3"


def test_fingerprint_methods() -> None:
    """methods maps every relation to how its rows were hashed."""
    assert sample().methods == {'"public"."t"': "fast", '"m"."h"': "fast", '"public"."locked"': "text"}
    assert Fingerprint("UTF8").methods == {}


# --- combine ----------------------------------------------------------------------------------------------------------


def test_combine_sums_parts() -> None:
    """Counts, both checksum halves (signed) and seconds add up; the kind is the one given."""
    result = fingerprint.combine(
        "hypertable",
        [
            TableSum("hypertable", 0, "0:0", 0.1, method="fast"),
            TableSum("hypertable", 3, "100:200", 0.25, method="fast"),
            TableSum("hypertable", 4, "-130:5", 0.5, method="fast"),
        ],
    )
    assert result == TableSum("hypertable", 7, "-30:205", 0.85, None, "fast")


def test_combine_single_part_is_unchanged() -> None:
    """One part is the relation's whole sum."""
    part = TableSum("table", 9, "-17:99", 0.5, method="fast")
    assert fingerprint.combine("table", [part]) == part


def test_combine_no_parts() -> None:
    """No parts (a partitioned table without partitions) hold no rows: 0 and the empty checksum."""
    assert fingerprint.combine("partitioned", []) == TableSum("partitioned", 0, "0:0")


def test_combine_rounds_seconds() -> None:
    """Seconds are summed and rounded to milliseconds."""
    result = fingerprint.combine("table", [TableSum("table", 1, "1:1", 0.1234), TableSum("table", 1, "1:1", 0.2)])
    assert result.seconds == 0.323


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        (["fast", "fast"], "fast"),
        (["fast", "text"], "text"),
        (["text", "fast"], "text"),
        (["text", "text"], "text"),
    ],
)
def test_combine_method(methods: list[str], expected: str) -> None:
    """The sum is "fast" only when every part was hashed by value; one part hashed by text makes it "text"."""
    parts = [TableSum("partition", 1, "1:1", method=m) for m in methods]
    assert fingerprint.combine("partitioned", parts).method == expected


def test_combine_unreadable_part() -> None:
    """Any unreadable part makes the whole unreadable, with that part's reason; seconds and method still add up."""
    result = fingerprint.combine(
        "hypertable",
        [
            TableSum("hypertable", 3, "1:2", 0.5, method="fast"),
            TableSum(
                "hypertable",
                None,
                None,
                0.25,
                "unreadable by app: permission denied for table _hyper_1_2_chunk",
                "fast",
            ),
            TableSum("hypertable", None, None, 0.25, "unreadable by app: another reason", "fast"),
        ],
    )
    assert (result.rows, result.checksum) == (None, None)
    assert result.error == "unreadable by app: permission denied for table _hyper_1_2_chunk"
    assert (result.kind, result.seconds, result.method) == ("hypertable", 1.0, "fast")


def test_combine_unreadable_part_without_reason() -> None:
    """An unreadable part that gives no reason still makes the whole unreadable, saying so."""
    result = fingerprint.combine("partitioned", [TableSum("partition", 3, "1:2"), TableSum("partition", None, None)])
    assert (result.rows, result.checksum) == (None, None)
    assert result.error == "a part could not be read"


# --- add_partitioned --------------------------------------------------------------------------------------------------


def test_add_partitioned_sums_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A partitioned parent gets its leaves' row count and the sums of both checksum halves."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "p2"), ("p", "p3")))
    tables = {
        "p": TableSum("partitioned", 0, "0:0"),
        "p1": TableSum("partition", 3, "100:200", method="fast"),
        "p2": TableSum("partition", 4, "-30:5", method="fast"),
        "p3": TableSum("partition", 0, "0:0", method="fast"),
        "other": TableSum("table", 9, "1:1"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert tables["p"] == TableSum("partitioned", 7, "70:205", method="fast")
    assert tables["p1"] == TableSum("partition", 3, "100:200", method="fast")
    assert tables["other"].rows == 9


def test_add_partitioned_method_from_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent with a leaf hashed by text is "text" (so the other side hashes its leaves alike)."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "p2")))
    tables = {
        "p": TableSum("partitioned", 0, "0:0"),
        "p1": TableSum("partition", 3, "1:2", method="fast"),
        "p2": TableSum("partition", 4, "3:4", method="text"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert (tables["p"].rows, tables["p"].checksum, tables["p"].method) == (7, "4:6", "text")


def test_add_partitioned_reads_partition_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leaves come from partition_leaves.sql."""
    asked: list[str] = []

    def rows(conn: Any, name: str) -> list[dict[str, str]]:
        asked.append(name)
        return []

    monkeypatch.setattr(catalog, "rows", rows)
    fingerprint.add_partitioned(FakeSession(), {})  # type: ignore[arg-type]
    assert asked == ["copy/partition_leaves"]


def test_add_partitioned_several_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each parent sums only its own leaves (a multi-level parent sums every leaf below it)."""
    monkeypatch.setattr(
        catalog,
        "rows",
        lambda conn, name: leaves(("top", "a1"), ("top", "a2"), ("top", "b1"), ("mid", "a1"), ("mid", "a2")),
    )
    tables = {
        "top": TableSum("partitioned", 0, "0:0"),
        "mid": TableSum("partitioned", 0, "0:0"),
        "a1": TableSum("partition", 1, "1:10"),
        "a2": TableSum("partition", 2, "2:20"),
        "b1": TableSum("partition", 4, "4:40"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert (tables["top"].rows, tables["top"].checksum) == (7, "7:70")
    assert (tables["mid"].rows, tables["mid"].checksum) == (3, "3:30")


def test_add_partitioned_unreadable_leaf(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent with a leaf that could not be read has no count or checksum and gives the leaf's reason."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "p2")))
    tables = {
        "p": TableSum("partitioned", 0, "0:0"),
        "p1": TableSum("partition", 3, "1:2"),
        "p2": TableSum("partition", None, None, error="unreadable by app: permission denied"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert tables["p"].rows is None
    assert tables["p"].checksum is None
    assert tables["p"].error == "unreadable by app: permission denied"
    assert tables["p"].kind == "partitioned"


def test_add_partitioned_leaf_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaves that are not among the relations are left out of the sum."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "gone")))
    tables = {"p": TableSum("partitioned", 0, "0:0"), "p1": TableSum("partition", 3, "1:2")}
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert (tables["p"].rows, tables["p"].checksum) == (3, "1:2")


def test_add_partitioned_skips_parent_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent that is not among the relations is not added."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1")))
    tables = {"p1": TableSum("partition", 3, "1:2")}
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert list(tables) == ["p1"]


# --- units ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def chunk_rows(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """catalog.rows stubbed for units(): timescaledb_chunk_units.sql answers state["chunks"]; asks are recorded."""
    state: dict[str, Any] = {"chunks": [], "asked": []}

    def rows(conn: Any, name: str) -> list[dict[str, Any]]:
        state["asked"].append(name)
        assert name == "timescaledb/chunk_units"
        return state["chunks"]

    monkeypatch.setattr(catalog, "rows", rows)
    return state


def test_units_split_hypertable_into_chunks(chunk_rows: dict[str, Any]) -> None:
    """A hypertable without compressed chunks: its root's own rows plus each chunk's own rows, all for it."""
    chunk_rows["chunks"] = [chunk(("m", "h"), "_hyper_1_1_chunk"), chunk(("m", "h"), "_hyper_1_2_chunk", schema="m")]
    result = fingerprint.units(FakeSession(), [("m", "h", "hypertable", "m.h")])  # type: ignore[arg-type]
    assert result == [
        Unit("m.h", "hypertable", "m", "h", only=True),
        Unit("m.h", "hypertable", "_timescaledb_internal", "_hyper_1_1_chunk", only=True),
        Unit("m.h", "hypertable", "m", "_hyper_1_2_chunk", only=True),
    ]
    assert chunk_rows["asked"] == ["timescaledb/chunk_units"]


def test_units_compressed_chunk_read_without_only(chunk_rows: dict[str, Any]) -> None:
    """A compressed chunk is read without ONLY (TimescaleDB decompresses it), an uncompressed one with ONLY."""
    chunk_rows["chunks"] = [chunk(("m", "h"), "_hyper_1_1_chunk"), chunk(("m", "h"), "_hyper_1_2_chunk", True)]
    result = fingerprint.units(FakeSession(), [("m", "h", "hypertable", "m.h")])  # type: ignore[arg-type]
    assert result == [
        Unit("m.h", "hypertable", "m", "h", only=True),
        Unit("m.h", "hypertable", "_timescaledb_internal", "_hyper_1_1_chunk", only=True),
        Unit("m.h", "hypertable", "_timescaledb_internal", "_hyper_1_2_chunk", only=False),
    ]


def test_units_hypertable_without_chunks(chunk_rows: dict[str, Any]) -> None:
    """A hypertable without chunks is its root's own rows."""
    chunk_rows["chunks"] = [chunk(("m", "other"), "_hyper_2_1_chunk")]
    result = fingerprint.units(FakeSession(), [("m", "h", "hypertable", "m.h")])  # type: ignore[arg-type]
    assert result == [Unit("m.h", "hypertable", "m", "h", only=True)]


def test_units_chunks_go_to_their_hypertable(chunk_rows: dict[str, Any]) -> None:
    """Each hypertable gets only its own chunks; a compressed chunk changes nothing for the others."""
    chunk_rows["chunks"] = [
        chunk(("m", "a"), "_hyper_1_1_chunk"),
        chunk(("m", "b"), "_hyper_2_2_chunk", True),
        chunk(("m", "a"), "_hyper_1_3_chunk"),
    ]
    result = fingerprint.units(
        FakeSession(),
        [  # type: ignore[arg-type]
            ("m", "a", "hypertable", "m.a"),
            ("m", "b", "hypertable", "m.b"),
        ],
    )
    assert [(u.relation, u.name, u.only) for u in result] == [
        ("m.a", "a", True),
        ("m.a", "_hyper_1_1_chunk", True),
        ("m.a", "_hyper_1_3_chunk", True),
        ("m.b", "b", True),
        ("m.b", "_hyper_2_2_chunk", False),
    ]


def test_units_partitioned_has_none(chunk_rows: dict[str, Any]) -> None:
    """A partitioned table is not read itself (its leaves add up); its leaves are one ONLY unit each."""
    result = fingerprint.units(
        FakeSession(),
        [  # type: ignore[arg-type]
            ("public", "p", "partitioned", "public.p"),
            ("public", "p1", "partition", "public.p1"),
        ],
    )
    assert result == [Unit("public.p1", "partition", "public", "p1", only=True)]


@pytest.mark.parametrize("kind", ["table", "partition", "materialized view"])
def test_units_other_relations_one_only_unit(chunk_rows: dict[str, Any], kind: str) -> None:
    """Every other relation is one unit of its own rows (ONLY: children are read on their own)."""
    result = fingerprint.units(FakeSession(), [("s", "r", kind, "s.r")])  # type: ignore[arg-type]
    assert result == [Unit("s.r", kind, "s", "r", only=True)]


def test_units_without_hypertables_do_not_ask_for_chunks(chunk_rows: dict[str, Any]) -> None:
    """Without hypertables (plain PostgreSQL, no timescaledb_information) chunks are not asked for."""
    fingerprint.units(FakeSession(), [("public", "t", "table", "public.t")])  # type: ignore[arg-type]
    assert chunk_rows["asked"] == []


# --- checksum ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """catalog.run stubbed: records each statement's text and answers (rows, exact hash sum) as the server would."""
    executed: list[str] = []

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        executed.append(statement.as_string())
        return [(42, "-73014443933")]

    monkeypatch.setattr(catalog, "run", run)
    return executed


def from_clause(text: str) -> str:
    """The FROM of the relation read (the comment of the file is not part of it)."""
    match = re.search(r'FROM\s+(ONLY\s+)?("(?:[^"]|"")*"\."(?:[^"]|"")*") AS t\)', text)
    assert match, text
    return match.group(0)


def hashing(text: str) -> str:
    """How a checksum statement hashes rows: "fast", "text" or "utf8"."""
    found = [
        name
        for name, marker in (
            ("fast", "hash_record_extended("),
            ("text", "hashtextextended(t::text, 0)"),
            ("utf8", "convert_to(t::text, 'UTF8')"),
        )
        if marker in text
    ]
    assert len(found) == 1, text
    return found[0]


TABLE = Unit("public.t", "table", "public", "t", only=True)


def test_checksum_text(statements: list[str]) -> None:
    """method "text" hashes each row's text (table_checksum.sql); the answer becomes a TableSum with "high:low"."""
    result = fingerprint.checksum(FakeSession(), TABLE, "text", utf8=False)  # type: ignore[arg-type]
    assert (result.kind, result.rows, result.checksum, result.error, result.method) == (
        "table",
        42,
        "-17:99",
        None,
        "text",
    )
    assert result.seconds >= 0
    assert len(statements) == 1
    assert hashing(statements[0]) == "text"
    assert from_clause(statements[0]) == 'FROM ONLY "public"."t" AS t)'


def test_checksum_fast(statements: list[str]) -> None:
    """method "fast" hashes each row's values (table_checksum_fast.sql) and says so."""
    result = fingerprint.checksum(FakeSession(), TABLE, "fast", utf8=False)  # type: ignore[arg-type]
    assert (result.rows, result.checksum, result.method) == (42, "-17:99", "fast")
    assert len(statements) == 1
    assert hashing(statements[0]) == "fast"
    assert from_clause(statements[0]) == 'FROM ONLY "public"."t" AS t)'


def test_checksum_fast_hashes_the_row_of_its_columns(statements: list[str]) -> None:
    """Given the unit's columns, "fast" hashes ROW(t.c, ...) of them, quoted, in order (not the whole-row value)."""
    fingerprint.checksum(FakeSession(), TABLE, "fast", utf8=False, columns=("id", 'Odd "c"'))  # type: ignore[arg-type]
    assert 'hash_record_extended(ROW("t"."id", "t"."Odd ""c"""), 0)' in statements[0]


@pytest.mark.parametrize(("columns", "hashed_value"), [((), "ROW()"), (None, '"t"')])
def test_checksum_fast_without_columns(
    statements: list[str], columns: tuple[str, ...] | None, hashed_value: str
) -> None:
    """A table without columns hashes ROW(); columns not known: the whole-row value."""
    fingerprint.checksum(FakeSession(), TABLE, "fast", utf8=False, columns=columns)  # type: ignore[arg-type]
    assert f"hash_record_extended({hashed_value}, 0)" in statements[0]


def test_checksum_utf8(statements: list[str]) -> None:
    """method "text" with utf8=True hashes each row's UTF8 bytes (table_checksum_utf8.sql)."""
    result = fingerprint.checksum(FakeSession(), TABLE, "text", utf8=True)  # type: ignore[arg-type]
    assert hashing(statements[0]) == "utf8"
    assert 'FROM ONLY "public"."t" AS t' in statements[0]
    assert result.method == "text"


def test_checksum_unit_without_only(statements: list[str]) -> None:
    """A unit of all rows (a hypertable with compressed chunks) is read without ONLY, so its chunks count."""
    unit = Unit("m.h", "hypertable", "m", "h", only=False)
    result = fingerprint.checksum(FakeSession(), unit, "fast", utf8=False)  # type: ignore[arg-type]
    assert result.kind == "hypertable"
    clause = from_clause(statements[0])
    assert "ONLY" not in clause
    assert re.fullmatch(r'FROM\s+"m"\."h" AS t\)', clause)


def test_checksum_chunk_unit_reads_the_chunk(statements: list[str]) -> None:
    """A chunk's unit reads the chunk's own rows and keeps its hypertable's kind."""
    unit = Unit("m.h", "hypertable", "_timescaledb_internal", "_hyper_1_2_chunk", only=True)
    result = fingerprint.checksum(FakeSession(), unit, "text", utf8=False)  # type: ignore[arg-type]
    assert result.kind == "hypertable"
    assert from_clause(statements[0]) == 'FROM ONLY "_timescaledb_internal"."_hyper_1_2_chunk" AS t)'


def test_checksum_quotes_names(statements: list[str]) -> None:
    """Schema and name are quoted identifiers."""
    unit = Unit("x", "table", "My Schema", 'odd"t', only=True)
    fingerprint.checksum(FakeSession(), unit, "fast", utf8=False)  # type: ignore[arg-type]
    assert from_clause(statements[0]) == 'FROM ONLY "My Schema"."odd""t" AS t)'


@pytest.fixture
def no_fast_hash(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """catalog.run stubbed as a server where some column type has no extended hash: the fast query fails."""
    executed: list[str] = []

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        text = statement.as_string()
        executed.append(text)
        if "hash_record_extended" in text:
            raise psycopg.errors.UndefinedFunction("could not identify an extended hash function for type point")
        return [(3, "21474836486")]

    monkeypatch.setattr(catalog, "run", run)
    return executed


@pytest.mark.parametrize(("utf8", "fallback"), [(False, "text"), (True, "utf8")])
def test_checksum_fast_falls_back_to_text(no_fast_hash: list[str], utf8: bool, fallback: str) -> None:
    """A type without a binary hash makes "fast" fail; the unit is then hashed by text and recorded as "text"."""
    result = fingerprint.checksum(FakeSession(), TABLE, "fast", utf8=utf8)  # type: ignore[arg-type]
    assert [hashing(text) for text in no_fast_hash] == ["fast", fallback]
    assert from_clause(no_fast_hash[1]) == 'FROM ONLY "public"."t" AS t)'
    assert (result.rows, result.checksum, result.error, result.method) == (3, "5:6", None, "text")


def test_checksum_text_does_not_swallow_undefined_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """An undefined function in the text query is an error, not a reason to try again."""
    executed: list[str] = []

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        executed.append(statement.as_string())
        raise psycopg.errors.UndefinedFunction("function hashtextextended does not exist")

    monkeypatch.setattr(catalog, "run", run)
    with pytest.raises(psycopg.errors.UndefinedFunction):
        fingerprint.checksum(FakeSession(), TABLE, "text", utf8=False)  # type: ignore[arg-type]
    assert len(executed) == 1


@pytest.mark.parametrize("method", ["fast", "text"])
def test_checksum_insufficient_privilege(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """A permission error becomes a TableSum without count or checksum whose error names the user."""

    def refuse(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        raise Refused("permission denied for table secret")

    monkeypatch.setattr(catalog, "run", refuse)
    unit = Unit("public.secret", "table", "public", "secret", only=True)
    result = fingerprint.checksum(FakeSession(user="app_reader"), unit, method, utf8=False)  # type: ignore[arg-type]
    assert result.rows is None
    assert result.checksum is None
    assert (result.kind, result.method) == ("table", method)
    assert result.error == "unreadable by app_reader: permission denied for table secret"


def test_checksum_other_errors_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors other than a refused permission (or a missing binary hash) are not hidden."""

    def fail(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        raise psycopg.errors.UndefinedTable("relation does not exist")

    monkeypatch.setattr(catalog, "run", fail)
    unit = Unit("public.gone", "table", "public", "gone", only=True)
    with pytest.raises(psycopg.errors.UndefinedTable):
        fingerprint.checksum(FakeSession(), unit, "fast", utf8=False)  # type: ignore[arg-type]


# --- session_pool, relations ------------------------------------------------------------------------------------------


def test_session_pool_opens_size_sessions_with_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """`size` sessions are opened, each gets verify_session.sql, and all are closed on exit."""
    events: list[str] = []
    ran: list[tuple[str, str]] = []

    @contextmanager
    def connect() -> Iterator[FakeSession]:
        session = FakeSession(f"s{len(events)}")
        events.append(f"open {session.name}")
        yield session
        events.append(f"close {session.name}")

    monkeypatch.setattr(catalog, "run", lambda conn, statement: ran.append((conn.name, statement.as_string())))
    with fingerprint.session_pool(connect, 3) as pool:
        assert pool.qsize() == 3
        assert not any(e.startswith("close") for e in events)
    assert sorted(events) == ["close s0", "close s1", "close s2", "open s0", "open s1", "open s2"]
    assert [name for name, _ in ran] == ["s0", "s1", "s2"]
    assert all("SET row_security = off;" in text for _, text in ran)


def test_relations_marks_hypertables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relation TimescaleDB knows as a hypertable is marked so; others keep their kind."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {("m", "h"): {"num_dimensions": 1, "num_chunks": 3}})
    monkeypatch.setattr(catalog, "chunk_tables", lambda conn: set())
    monkeypatch.setattr(catalog, "materializations", lambda conn: [])
    monkeypatch.setattr(
        catalog,
        "user_tables",
        lambda conn: [
            ("m", "h", "table", "m.h"),
            ("public", "t", "table", "public.t"),
            ("public", "p", "partitioned", "public.p"),
        ],
    )
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("m", "h", "hypertable", "m.h"),
        ("public", "t", "table", "public.t"),
        ("public", "p", "partitioned", "public.p"),
    ]


def test_relations_add_each_continuous_aggregates_materialization(monkeypatch: pytest.MonkeyPatch) -> None:
    """A continuous aggregate's rows live in its materialization hypertable (an internal schema the user tables
    leave out): it is compared under the aggregate's name, whole (a SELECT decompresses its chunks)."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {("m", "h"): {"num_dimensions": 1, "num_chunks": 1}})
    monkeypatch.setattr(catalog, "chunk_tables", lambda conn: set())
    monkeypatch.setattr(
        catalog, "materializations", lambda conn: [("_timescaledb_internal", "_materialized_hypertable_2", "m.daily")]
    )
    monkeypatch.setattr(catalog, "user_tables", lambda conn: [("m", "h", "table", "m.h")])
    rels = fingerprint.relations(FakeSession())  # type: ignore[arg-type]
    assert rels == [
        ("m", "h", "hypertable", "m.h"),
        ("_timescaledb_internal", "_materialized_hypertable_2", "continuous aggregate", "m.daily"),
    ]
    monkeypatch.setattr(catalog, "rows", lambda conn, name, params=None: [])
    [unit] = [u for u in fingerprint.units(FakeSession(), rels) if u.relation == "m.daily"]  # type: ignore[arg-type]
    assert unit.only is False and unit.name == "_materialized_hypertable_2"


def test_relations_leave_out_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk listed by chunk_tables (even one in a user schema) is left out: its hypertable counts its rows."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {("m", "h"): {"num_dimensions": 1, "num_chunks": 2}})
    monkeypatch.setattr(
        catalog, "chunk_tables", lambda conn: {("m", "_hyper_1_1_chunk"), ("_timescaledb_internal", "_hyper_1_2_chunk")}
    )
    monkeypatch.setattr(catalog, "materializations", lambda conn: [])
    monkeypatch.setattr(
        catalog,
        "user_tables",
        lambda conn: [
            ("m", "h", "table", "m.h"),
            ("m", "_hyper_1_1_chunk", "table", "m._hyper_1_1_chunk"),
            ("public", "t", "table", "public.t"),
        ],
    )
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("m", "h", "hypertable", "m.h"),
        ("public", "t", "table", "public.t"),
    ]


def test_relations_without_hypertables_do_not_ask_for_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without hypertables (plain PostgreSQL) chunk_tables is not asked and every relation stays."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {})
    monkeypatch.setattr(catalog, "chunk_tables", lambda conn: pytest.fail("chunk_tables must not be asked"))
    monkeypatch.setattr(
        catalog,
        "user_tables",
        lambda conn: [
            ("public", "_hyper_1_1_chunk", "table", "public._hyper_1_1_chunk"),
            ("public", "t", "table", "public.t"),
        ],
    )
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("public", "_hyper_1_1_chunk", "table", "public._hyper_1_1_chunk"),
        ("public", "t", "table", "public.t"),
    ]


# --- take -------------------------------------------------------------------------------------------------------------


RELATIONS = [
    ("public", "small", "table", "public.small"),
    ("public", "big", "table", "public.big"),
    ("m", "h", "hypertable", "m.h"),
    ("public", "p", "partitioned", "public.p"),
    ("public", "p1", "partition", "public.p1"),
    ("public", "p2", "partition", "public.p2"),
    ("m", "hc", "hypertable", "m.hc"),
    ("public", "mv", "materialized view", "public.mv"),
    ("public", "e", "table", "public.e"),
]
CHUNKS = [
    chunk(("m", "h"), "_hyper_1_1_chunk"),
    chunk(("m", "h"), "_hyper_1_2_chunk"),
    chunk(("m", "hc"), "_hyper_2_3_chunk", compressed=True),
    chunk(("m", "hc"), "_hyper_2_4_chunk"),
]
SIZES = {
    "small": 10,
    "big": 5_000,
    "h": 9_000,
    "_hyper_1_1_chunk": 4_000,
    "_hyper_1_2_chunk": 6_000,
    "hc": 3_000,
    "_hyper_2_3_chunk": 1_000,
    "_hyper_2_4_chunk": 2_000,
    "p": 0,
    "p1": 300,
    "p2": 200,
    "mv": 50,
    "e": 20,
}
ANSWERS = {
    "small": (1, "4294967297"),
    "big": (2, "8589934594"),
    "h": (0, "0"),
    "_hyper_1_1_chunk": (3, "128849018876"),
    "_hyper_1_2_chunk": (4, "171798691845"),
    "hc": (0, "0"),
    "_hyper_2_3_chunk": (2, "8589934594"),
    "_hyper_2_4_chunk": (4, "17179869188"),
    "p1": (4, "42949672955"),
    "p2": (5, "85899345927"),
    "mv": (7, "30064771079"),
    "e": (8, "34359738376"),
}
"""Each relation's (rows, exact hash sum) as the server answers it."""
UNITS_BY_SIZE = [
    "h",
    "_hyper_1_2_chunk",
    "big",
    "_hyper_1_1_chunk",
    "hc",
    "_hyper_2_4_chunk",
    "_hyper_2_3_chunk",
    "p1",
    "p2",
    "mv",
    "e",
    "small",
]
ALL_RELATIONS = sorted(shown for *_, shown in RELATIONS)


@pytest.fixture
def side(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One side stubbed: a fake session pool, its relations, chunks and catalog answers, a PostgreSQL 17 server
    where public.e has an enum column; records every checksum query. state["no_fast_hash"] names relations whose
    fast query fails as for a type without a binary hash, state["refused"] ones the user may not read."""
    state: dict[str, Any] = {
        "statements": [],
        "pool_sizes": [],
        "rows_asked": [],
        "version_num": 170002,
        "no_fast_hash": set(),
        "refused": set(),
    }

    @contextmanager
    def session_pool(connect: Any, size: int) -> Iterator[queue.Queue[Any]]:
        state["pool_sizes"].append(size)
        pool: queue.Queue[Any] = queue.Queue()
        for i in range(size):
            pool.put(FakeSession(f"s{i}"))
        yield pool

    def rows(conn: Any, name: str) -> list[dict[str, Any]]:
        state["rows_asked"].append(name)
        return {
            "server/server_encoding": [{"encoding": "LATIN1"}],
            "copy/relation_sizes": [
                {
                    "schema_name": "m"
                    if n in ("h", "hc")
                    else "_timescaledb_internal"
                    if n.startswith("_")
                    else "public",
                    "table_name": n,
                    "bytes": b,
                    "locks": 2,
                }
                for n, b in SIZES.items()
            ],
            "server/lock_budget": [{"max_locks_per_transaction": 64}],
            "verify/text_hashed_tables": [{"schema_name": "public", "table_name": "e"}],
            "timescaledb/chunk_units": CHUNKS,
            "verify/large_object_checksums": [{"objects": 2, "hash_high": "5", "hash_low": "6"}],
            "copy/partition_leaves": leaves(("public.p", "public.p1"), ("public.p", "public.p2")),
            "copy/relation_columns": [
                {"schema_name": "public", "table_name": "big", "columns": ["id", "Note"]},
                {
                    "schema_name": "_timescaledb_internal",
                    "table_name": "_hyper_1_1_chunk",
                    "columns": ["time", "value"],
                },
            ],
        }[name]

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        text = statement.as_string()
        if "NO FORCE ROW LEVEL SECURITY" in text:  # the fallback for a forced table: refused to one not its owner
            raise Refused("must be owner of table secret")
        state["statements"].append(text)
        name = table_name(text)
        if name in state["refused"]:
            raise Refused("permission denied for table secret")
        if name in state["no_fast_hash"] and "hash_record_extended" in text:
            raise psycopg.errors.UndefinedFunction("could not identify an extended hash function for type point")
        return [ANSWERS[name]]

    monkeypatch.setattr(fingerprint, "session_pool", session_pool)
    monkeypatch.setattr(fingerprint, "relations", lambda conn: list(RELATIONS))
    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "server_info", lambda conn: SimpleNamespace(version_num=state["version_num"]))
    monkeypatch.setattr(
        catalog, "user_sequences", lambda conn: [("public", "s", "public.s"), ("public", "t", "public.t")]
    )
    monkeypatch.setattr(catalog, "sequence_state", lambda conn, s, n: (5, True) if n == "s" else (1, False))
    return state


def table_name(text: str) -> str:
    """The name of the relation (or chunk) a checksum statement reads."""
    return re.search(r'"[^"]+"\."([^"]+)" AS t', text).group(1)  # type: ignore[union-attr]


def checksummed(state: dict[str, Any]) -> list[str]:
    """The relations (and chunks) checksummed, in the order their queries ran."""
    return [table_name(text) for text in state["statements"]]


def hashed(state: dict[str, Any]) -> dict[str, str]:
    """Each unit read -> how its (last) query hashed rows: "fast", "text" or "utf8"."""
    return {table_name(text): hashing(text) for text in state["statements"]}


def test_take_orders_units_largest_first(side: dict[str, Any]) -> None:
    """Units run largest first (chunks among the rest); partitioned parents are not read themselves."""
    fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert checksummed(side) == UNITS_BY_SIZE
    assert side["pool_sizes"] == [1]


def test_take_only_per_unit(side: dict[str, Any]) -> None:
    """Every unit is read with ONLY, except a compressed chunk, which TimescaleDB decompresses."""
    fingerprint.take(lambda: None, jobs=1, utf8=False)
    only = {table_name(text): from_clause(text).startswith("FROM ONLY") for text in side["statements"]}
    assert only == {name: name != "_hyper_2_3_chunk" for name in UNITS_BY_SIZE}


def test_take_chooses_fast_except_text_hashed_tables(side: dict[str, Any]) -> None:
    """On PostgreSQL 14+ without utf8 rows are hashed by value, except in relations text_hashed_tables lists."""
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert "verify/text_hashed_tables" in side["rows_asked"]
    assert hashed(side) == {name: "text" if name == "e" else "fast" for name in UNITS_BY_SIZE}
    assert result.methods == {name: "text" if name == "public.e" else "fast" for name in ALL_RELATIONS}


@pytest.mark.parametrize(
    ("version_num", "method"), [(130012, "text"), (139999, "text"), (140000, "fast"), (170002, "fast")]
)
def test_take_old_server_hashes_by_text(side: dict[str, Any], version_num: int, method: str) -> None:
    """A server older than PostgreSQL 14 (no hash_record_extended) hashes every relation by text."""
    side["version_num"] = version_num
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert hashed(side) == {name: "text" if name == "e" else method for name in UNITS_BY_SIZE}
    assert result.methods["public.big"] == method
    assert result.methods["m.h"] == method
    assert result.methods["public.e"] == "text"


def test_take_hashes_each_unit_with_its_own_columns(side: dict[str, Any]) -> None:
    """Each unit hashed by value is hashed as ROW() of its own columns (relation_columns), a chunk's included."""
    fingerprint.take(lambda: None, jobs=1, utf8=False)
    texts = {table_name(text): text for text in side["statements"]}
    assert 'hash_record_extended(ROW("t"."id", "t"."Note"), 0)' in texts["big"]
    assert 'hash_record_extended(ROW("t"."time", "t"."value"), 0)' in texts["_hyper_1_1_chunk"]
    assert 'hash_record_extended("t", 0)' in texts["small"]  # not listed: the whole-row value


def test_take_utf8_hashes_utf8_text(side: dict[str, Any]) -> None:
    """Across encodings (utf8=True) every relation is hashed by its UTF8 text, never by value."""
    result = fingerprint.take(lambda: None, jobs=1, utf8=True)
    assert len(side["statements"]) == len(UNITS_BY_SIZE)
    assert set(hashed(side).values()) == {"utf8"}
    assert set(result.methods.values()) == {"text"}


@pytest.mark.parametrize("version_num", [170002, 130012])
def test_take_honours_given_methods(side: dict[str, Any], version_num: int) -> None:
    """Given the other side's methods, each relation is hashed as named there (whatever this side would choose,
    text_hashed_tables and server version included); a relation not named is hashed by text."""
    side["version_num"] = version_num
    methods = {
        "public.e": "fast",
        "m.h": "fast",
        "public.big": "text",
        "public.p1": "fast",
        "public.p": "fast",
        "public.gone": "fast",
    }
    result = fingerprint.take(lambda: None, jobs=1, utf8=False, methods=methods)
    expected = {
        "e": "fast",
        "h": "fast",
        "_hyper_1_1_chunk": "fast",
        "_hyper_1_2_chunk": "fast",
        "big": "text",
        "p1": "fast",
        "p2": "text",
        "hc": "text",
        "_hyper_2_3_chunk": "text",
        "_hyper_2_4_chunk": "text",
        "mv": "text",
        "small": "text",
    }
    assert hashed(side) == expected
    assert result.methods == {
        "m.h": "fast",
        "m.hc": "text",
        "public.big": "text",
        "public.e": "fast",
        "public.mv": "text",
        "public.p": "text",
        "public.p1": "fast",
        "public.p2": "text",
        "public.small": "text",
    }


def test_take_given_methods_empty_hashes_all_by_text(side: dict[str, Any]) -> None:
    """An empty methods map (a source fingerprint from before "fast") makes every relation hashed by text."""
    result = fingerprint.take(lambda: None, jobs=1, utf8=False, methods={})
    assert set(hashed(side).values()) == {"text"}
    assert set(result.methods.values()) == {"text"}


def test_take_records_fallback_to_text(side: dict[str, Any]) -> None:
    """A relation whose fast query fails for a type without a binary hash is hashed by text and recorded so,
    for the other side to hash it alike; its sum is still the sum of its units."""
    side["no_fast_hash"] = {"_hyper_1_1_chunk", "_hyper_1_2_chunk", "big"}
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    attempts = [(table_name(text), hashing(text)) for text in side["statements"]]
    assert attempts.count(("big", "fast")) == 1
    assert attempts.count(("big", "text")) == 1
    assert hashed(side)["_hyper_1_2_chunk"] == "text"
    assert hashed(side)["h"] == "fast"
    assert result.methods == {
        name: "text" if name in ("m.h", "public.big", "public.e") else "fast" for name in ALL_RELATIONS
    }
    assert (result.tables["m.h"].rows, result.tables["m.h"].checksum) == (7, "70:1")


def test_take_result(side: dict[str, Any]) -> None:
    """The fingerprint holds the encoding, every relation sorted by name with its units summed, partition sums,
    sequences, large objects."""
    result = fingerprint.take(lambda: None, jobs=2, utf8=False)
    assert side["pool_sizes"] == [2]
    assert sorted(checksummed(side)) == sorted(UNITS_BY_SIZE)
    assert result.encoding == "LATIN1"
    assert list(result.tables) == ALL_RELATIONS
    h = result.tables["m.h"]
    assert (h.kind, h.rows, h.checksum, h.error, h.method) == ("hypertable", 7, "70:1", None, "fast")
    hc = result.tables["m.hc"]
    assert (hc.kind, hc.rows, hc.checksum) == ("hypertable", 6, "6:6")
    p = result.tables["public.p"]
    assert (p.kind, p.rows, p.checksum, p.method) == ("partitioned", 9, "30:2", "fast")
    assert (result.tables["public.p1"].rows, result.tables["public.p1"].checksum) == (4, "9:4294967291")  # 10·2³² − 5
    assert result.tables["public.mv"].kind == "materialized view"
    assert result.sequences == {"public.s": "last_value=5 is_called=true", "public.t": "last_value=1 is_called=false"}
    assert result.large_objects == {"objects": 2, "hash_high": "5", "hash_low": "6"}
    assert result.seconds >= 0


def test_take_unreadable_chunk(side: dict[str, Any]) -> None:
    """A chunk the user may not read makes its hypertable unreadable; other relations are unaffected."""
    side["refused"] = {"_hyper_1_1_chunk"}
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    h = result.tables["m.h"]
    assert (h.rows, h.checksum) == (None, None)
    assert h.error == "unreadable by verifier: permission denied for table secret"
    assert (result.tables["public.big"].rows, result.tables["public.big"].checksum) == (2, "2:2")


def test_take_empty_partitioned_parent(side: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A partitioned table without partitions holds 0 rows with the empty checksum; no chunks are asked for."""
    monkeypatch.setattr(fingerprint, "relations", lambda conn: [("public", "e", "partitioned", "public.e")])
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert result.tables == {"public.e": TableSum("partitioned", 0, "0:0")}
    assert side["statements"] == []
    assert "timescaledb/chunk_units" not in side["rows_asked"]


def test_take_logs_summary(side: dict[str, Any]) -> None:
    """With a log, one line counts relations (hashed by value and by text), queries and the parts they hash,
    sequences, large objects."""
    lines: list[tuple[Any, ...]] = []
    log = SimpleNamespace(info=lambda *args: lines.append(args))
    fingerprint.take(lambda: None, jobs=3, utf8=False, log=log)
    assert len(lines) == 1
    assert lines[0][1:8] == (9, 8, 1, 12, 12, 2, 2)  # one unit a query here (one_unit_a_query)
    assert lines[0][-1] == 3
    assert "hashed by value" in lines[0][0]


@pytest.mark.parametrize("total", [0, 1, -1, 2**63 - 1, -(2**63), 5 * 2**64 + 17, -(3 * 2**70) - 9])
def test_shown_sum_round_trips_any_exact_sum(total: int) -> None:
    """A checksum stands for exactly one sum: sum_of(shown_sum(x)) == x, and different sums show differently."""
    assert fingerprint.sum_of(fingerprint.shown_sum(total)) == total
    assert fingerprint.shown_sum(total) != fingerprint.shown_sum(total + 1)
