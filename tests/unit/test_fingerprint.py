"""Unit tests of timescale_migration.fingerprint over fake sessions and stubbed catalog answers (no server)."""

from __future__ import annotations

import json
import queue
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from timescale_migration import catalog, fingerprint
from timescale_migration.fingerprint import Fingerprint, TableSum

pytestmark = pytest.mark.unit


class Refused(psycopg.errors.InsufficientPrivilege):
    """A permission error carrying the server's primary message, as psycopg raises it."""

    @property
    def diag(self) -> Any:  # type: ignore[override]
        return SimpleNamespace(message_primary="permission denied for table secret")


class FakeSession:
    """A connection as checksum() and take() see it: a user name, and a name to tell sessions apart."""

    def __init__(self, name: str = "s0", user: str = "verifier") -> None:
        self.name = name
        self.info = SimpleNamespace(user=user)


def leaves(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """Rows of partition_leaves.sql."""
    return [{"display_name": parent, "leaf_display_name": leaf} for parent, leaf in pairs]


# --- Fingerprint, TableSum --------------------------------------------------------------------------------------------


def sample() -> Fingerprint:
    """A fingerprint with every kind of entry."""
    return Fingerprint(
        "UTF8",
        {
            '"public"."t"': TableSum("table", 5, "12:-3", 0.25),
            '"m"."h"': TableSum("hypertable", 100, "7:8", 1.5),
            '"public"."locked"': TableSum("table", None, None, 0.01, "unreadable by app: permission denied"),
        },
        {'"public"."s"': "last_value=5 is_called=true"},
        {"objects": 2, "hash_high": "10", "hash_low": "20"},
        3.5,
    )


def test_fingerprint_round_trip() -> None:
    """from_dict(to_dict()) rebuilds the same fingerprint, TableSums included."""
    original = sample()
    rebuilt = Fingerprint.from_dict(original.to_dict())
    assert rebuilt == original
    assert isinstance(rebuilt.tables['"m"."h"'], TableSum)


def test_fingerprint_round_trip_through_json() -> None:
    """The dict form survives JSON (it is kept as source_fingerprint.json)."""
    original = sample()
    rebuilt = Fingerprint.from_dict(json.loads(json.dumps(original.to_dict())))
    assert rebuilt == original
    assert rebuilt.tables['"public"."locked"'].error == "unreadable by app: permission denied"


def test_fingerprint_to_dict_shape() -> None:
    """to_dict holds plain values: every TableSum becomes a dict of its fields."""
    data = sample().to_dict()
    assert data["encoding"] == "UTF8"
    assert data["seconds"] == 3.5
    assert data["tables"]['"public"."t"'] == {"kind": "table", "rows": 5, "checksum": "12:-3", "seconds": 0.25,
                                              "error": None}


def test_fingerprint_from_dict_without_seconds() -> None:
    """An older dict without seconds reads as 0.0."""
    data = sample().to_dict()
    del data["seconds"]
    assert Fingerprint.from_dict(data).seconds == 0.0


# --- add_partitioned --------------------------------------------------------------------------------------------------


def test_add_partitioned_sums_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A partitioned parent gets its leaves' row count and the sums of both checksum halves."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "p2"), ("p", "p3")))
    tables = {
        "p": TableSum("partitioned", 0, "0:0"),
        "p1": TableSum("partition", 3, "100:200"),
        "p2": TableSum("partition", 4, "-30:5"),
        "p3": TableSum("partition", 0, "0:0"),
        "other": TableSum("table", 9, "1:1"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert tables["p"] == TableSum("partitioned", 7, "70:205")
    assert tables["p1"] == TableSum("partition", 3, "100:200")
    assert tables["other"].rows == 9


def test_add_partitioned_reads_partition_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leaves come from partition_leaves.sql."""
    asked: list[str] = []

    def rows(conn: Any, name: str) -> list[dict[str, str]]:
        asked.append(name)
        return []

    monkeypatch.setattr(catalog, "rows", rows)
    fingerprint.add_partitioned(FakeSession(), {})  # type: ignore[arg-type]
    assert asked == ["partition_leaves"]


def test_add_partitioned_several_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each parent sums only its own leaves (a multi-level parent sums every leaf below it)."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(
        ("top", "a1"), ("top", "a2"), ("top", "b1"), ("mid", "a1"), ("mid", "a2")))
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
    """A parent with a leaf that could not be read has no count or checksum and says why."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1"), ("p", "p2")))
    tables = {
        "p": TableSum("partitioned", 0, "0:0"),
        "p1": TableSum("partition", 3, "1:2"),
        "p2": TableSum("partition", None, None, error="unreadable by app: permission denied"),
    }
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert tables["p"].rows is None
    assert tables["p"].checksum is None
    assert tables["p"].error == "a partition could not be read"
    assert tables["p"].kind == "partitioned"


def test_add_partitioned_skips_parent_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent that is not among the relations is not added."""
    monkeypatch.setattr(catalog, "rows", lambda conn, name: leaves(("p", "p1")))
    tables = {"p1": TableSum("partition", 3, "1:2")}
    fingerprint.add_partitioned(FakeSession(), tables)  # type: ignore[arg-type]
    assert list(tables) == ["p1"]


# --- checksum ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """catalog.run stubbed: records each statement's text and answers (rows, high, low) as the server would."""
    executed: list[str] = []

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        executed.append(statement.as_string())
        return [(42, "-17", "99")]

    monkeypatch.setattr(catalog, "run", run)
    return executed


def from_clause(text: str) -> str:
    """The FROM of the relation read (the comment of the file is not part of it)."""
    match = re.search(r'FROM\s+(ONLY\s+)?("(?:[^"]|"")*"\."(?:[^"]|"")*") AS t\)', text)
    assert match, text
    return match.group(0)


def test_checksum_plain_table_uses_only(statements: list[str]) -> None:
    """A plain table counts only its own rows; the answer becomes a TableSum with "high:low"."""
    result = fingerprint.checksum(FakeSession(), "public", "t", "table", utf8=False)  # type: ignore[arg-type]
    assert (result.kind, result.rows, result.checksum, result.error) == ("table", 42, "-17:99", None)
    assert result.seconds >= 0
    assert from_clause(statements[0]) == 'FROM ONLY "public"."t" AS t)'
    assert "hashtextextended(t::text, 0)" in statements[0]


@pytest.mark.parametrize("kind", ["table", "partition", "materialized view"])
def test_checksum_only_for_every_non_hypertable(statements: list[str], kind: str) -> None:
    """Every relation but a hypertable is read with ONLY (children are checksummed on their own)."""
    fingerprint.checksum(FakeSession(), "s", "r", kind, utf8=False)  # type: ignore[arg-type]
    assert from_clause(statements[0]) == 'FROM ONLY "s"."r" AS t)'


def test_checksum_hypertable_includes_chunks(statements: list[str]) -> None:
    """A hypertable is read without ONLY, so its chunks' rows are included."""
    result = fingerprint.checksum(FakeSession(), "m", "h", "hypertable", utf8=False)  # type: ignore[arg-type]
    assert result.kind == "hypertable"
    clause = from_clause(statements[0])
    assert "ONLY" not in clause
    assert re.fullmatch(r'FROM\s+"m"\."h" AS t\)', clause)


def test_checksum_quotes_names(statements: list[str]) -> None:
    """Schema and name are quoted identifiers."""
    fingerprint.checksum(FakeSession(), "My Schema", 'odd"t', "table", utf8=False)  # type: ignore[arg-type]
    assert from_clause(statements[0]) == 'FROM ONLY "My Schema"."odd""t" AS t)'


def test_checksum_utf8(statements: list[str]) -> None:
    """utf8=True hashes each row's UTF8 bytes (table_checksum_utf8.sql)."""
    fingerprint.checksum(FakeSession(), "public", "t", "table", utf8=True)  # type: ignore[arg-type]
    assert "convert_to(t::text, 'UTF8')" in statements[0]
    assert "hashtextextended" not in statements[0]
    assert 'FROM ONLY "public"."t" AS t' in statements[0]


def test_checksum_insufficient_privilege(monkeypatch: pytest.MonkeyPatch) -> None:
    """A permission error becomes a TableSum without count or checksum whose error names the user."""
    def refuse(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        raise Refused("permission denied for table secret")

    monkeypatch.setattr(catalog, "run", refuse)
    result = fingerprint.checksum(FakeSession(user="app_reader"), "public", "secret", "table",  # type: ignore[arg-type]
                                  utf8=False)
    assert result.rows is None
    assert result.checksum is None
    assert result.kind == "table"
    assert result.error == "unreadable by app_reader: permission denied for table secret"


def test_checksum_other_errors_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors other than a refused permission are not hidden."""
    def fail(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        raise psycopg.errors.UndefinedTable("relation does not exist")

    monkeypatch.setattr(catalog, "run", fail)
    with pytest.raises(psycopg.errors.UndefinedTable):
        fingerprint.checksum(FakeSession(), "public", "gone", "table", utf8=False)  # type: ignore[arg-type]


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
    monkeypatch.setattr(catalog, "user_tables", lambda conn: [
        ("m", "h", "table", "m.h"), ("public", "t", "table", "public.t"), ("public", "p", "partitioned", "public.p")])
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("m", "h", "hypertable", "m.h"), ("public", "t", "table", "public.t"),
        ("public", "p", "partitioned", "public.p")]


def test_relations_leave_out_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk listed by chunk_tables (even one in a user schema) is left out: its hypertable counts its rows."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {("m", "h"): {"num_dimensions": 1, "num_chunks": 2}})
    monkeypatch.setattr(catalog, "chunk_tables", lambda conn: {
        ("m", "_hyper_1_1_chunk"), ("_timescaledb_internal", "_hyper_1_2_chunk")})
    monkeypatch.setattr(catalog, "user_tables", lambda conn: [
        ("m", "h", "table", "m.h"), ("m", "_hyper_1_1_chunk", "table", "m._hyper_1_1_chunk"),
        ("public", "t", "table", "public.t")])
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("m", "h", "hypertable", "m.h"), ("public", "t", "table", "public.t")]


def test_relations_without_hypertables_do_not_ask_for_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without hypertables (plain PostgreSQL) chunk_tables is not asked and every relation stays."""
    monkeypatch.setattr(catalog, "hypertables", lambda conn: {})
    monkeypatch.setattr(catalog, "chunk_tables", lambda conn: pytest.fail("chunk_tables must not be asked"))
    monkeypatch.setattr(catalog, "user_tables", lambda conn: [
        ("public", "_hyper_1_1_chunk", "table", "public._hyper_1_1_chunk"), ("public", "t", "table", "public.t")])
    assert fingerprint.relations(FakeSession()) == [  # type: ignore[arg-type]
        ("public", "_hyper_1_1_chunk", "table", "public._hyper_1_1_chunk"), ("public", "t", "table", "public.t")]


# --- take -------------------------------------------------------------------------------------------------------------


RELATIONS = [
    ("public", "small", "table", "public.small"),
    ("public", "big", "table", "public.big"),
    ("m", "h_small", "hypertable", "m.h_small"),
    ("public", "p", "partitioned", "public.p"),
    ("public", "p1", "partition", "public.p1"),
    ("public", "p2", "partition", "public.p2"),
    ("m", "h_big", "hypertable", "m.h_big"),
    ("public", "mv", "materialized view", "public.mv"),
]
SIZES = {"small": 10, "big": 5_000, "h_small": 100, "p": 0, "p1": 300, "p2": 200, "h_big": 9_000, "mv": 50}
ANSWERS = {"small": (1, "1", "1"), "big": (2, "2", "2"), "h_small": (3, "3", "3"), "p1": (4, "10", "-5"),
           "p2": (5, "20", "7"), "h_big": (6, "6", "6"), "mv": (7, "7", "7")}


@pytest.fixture
def side(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One side stubbed: a fake session pool, its relations and catalog answers; records every checksum query."""
    state: dict[str, Any] = {"statements": [], "pool_sizes": [], "rows_asked": []}

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
            "server_encoding": [{"encoding": "LATIN1"}],
            "relation_sizes": [{"schema_name": s, "table_name": n, "bytes": SIZES[n]} for s, n, _, _ in RELATIONS],
            "large_object_checksums": [{"objects": 2, "hash_high": "5", "hash_low": "6"}],
            "partition_leaves": leaves(("public.p", "public.p1"), ("public.p", "public.p2")),
        }[name]

    def run(conn: Any, statement: Any) -> list[tuple[Any, ...]]:
        text = statement.as_string()
        state["statements"].append(text)
        name = re.search(r'"[^"]+"\."([^"]+)" AS t', text).group(1)  # type: ignore[union-attr]
        return [ANSWERS[name]]

    monkeypatch.setattr(fingerprint, "session_pool", session_pool)
    monkeypatch.setattr(fingerprint, "relations", lambda conn: list(RELATIONS))
    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "user_sequences", lambda conn: [("public", "s", "public.s"),
                                                                 ("public", "t", "public.t")])
    monkeypatch.setattr(catalog, "sequence_state", lambda conn, s, n: (5, True) if n == "s" else (1, False))
    return state


def checksummed(state: dict[str, Any]) -> list[str]:
    """The relations checksummed, in the order their queries ran."""
    return [re.search(r'"[^"]+"\."([^"]+)" AS t', text).group(1) for text in state["statements"]]  # type: ignore[union-attr]


def test_take_orders_hypertables_then_largest(side: dict[str, Any]) -> None:
    """Hypertables first, then the largest relations first; partitioned parents are not read themselves."""
    fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert checksummed(side) == ["h_big", "h_small", "big", "p1", "p2", "mv", "small"]
    assert side["pool_sizes"] == [1]


def test_take_only_for_plain_tables_not_hypertables(side: dict[str, Any]) -> None:
    """Every relation is read with ONLY except the hypertables, which include their chunks."""
    fingerprint.take(lambda: None, jobs=1, utf8=False)
    only = {name: from_clause(text).startswith("FROM ONLY")
            for name, text in zip(checksummed(side), side["statements"], strict=True)}
    assert only == {"h_big": False, "h_small": False, "big": True, "p1": True, "p2": True, "mv": True,
                    "small": True}


@pytest.mark.parametrize(("utf8", "marker"), [(True, "convert_to(t::text, 'UTF8')"),
                                              (False, "hashtextextended(t::text, 0)")])
def test_take_picks_checksum_query(side: dict[str, Any], utf8: bool, marker: str) -> None:
    """utf8=True uses table_checksum_utf8.sql for every relation, else table_checksum.sql."""
    fingerprint.take(lambda: None, jobs=1, utf8=utf8)
    assert len(side["statements"]) == 7
    assert all(marker in text for text in side["statements"])


def test_take_result(side: dict[str, Any]) -> None:
    """The fingerprint holds the encoding, every relation sorted by name, partition sums, sequences, large objects."""
    result = fingerprint.take(lambda: None, jobs=2, utf8=False)
    assert side["pool_sizes"] == [2]
    assert result.encoding == "LATIN1"
    assert list(result.tables) == sorted(name for *_, name in RELATIONS)
    assert result.tables["m.h_big"].kind == "hypertable"
    assert (result.tables["m.h_big"].rows, result.tables["m.h_big"].checksum) == (6, "6:6")
    assert result.tables["public.p"] == TableSum("partitioned", 9, "30:2")
    assert result.sequences == {"public.s": "last_value=5 is_called=true", "public.t": "last_value=1 is_called=false"}
    assert result.large_objects == {"objects": 2, "hash_high": "5", "hash_low": "6"}
    assert result.seconds >= 0


def test_take_empty_partitioned_parent(side: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A partitioned table without partitions holds 0 rows with the empty checksum."""
    monkeypatch.setattr(fingerprint, "relations", lambda conn: [("public", "e", "partitioned", "public.e")])
    result = fingerprint.take(lambda: None, jobs=1, utf8=False)
    assert result.tables == {"public.e": TableSum("partitioned", 0, "0:0")}
    assert side["statements"] == []


def test_take_logs_summary(side: dict[str, Any]) -> None:
    """With a log, one line counts relations, sequences and large objects."""
    lines: list[tuple[Any, ...]] = []
    log = SimpleNamespace(info=lambda *args: lines.append(args))
    fingerprint.take(lambda: None, jobs=1, utf8=False, log=log)
    assert len(lines) == 1
    assert lines[0][1:4] == (8, 2, 2)
