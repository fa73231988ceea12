"""Unit tests of analyze.py: relations handed to `jobs` sessions, errors, cancel (no server: sessions faked)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from timescale_migration.db import analyze, catalog

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def one_relation_a_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fakes here answer one relation's ANALYZE: statements of one (batches run on the real servers)."""
    monkeypatch.setattr(analyze, "BATCH", 1)


RELATIONS = [
    ("public", "big", 900),
    ("_timescaledb_internal", "_hyper_1_1_chunk", 500),
    ("public", 'Odd "t"', 10),
    ("pg_catalog", "pg_class", 5),
    ("public", "h", 0),
]


class Session:
    """A fake psycopg session: records what it executes and whether it was cancelled."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.executed: list[str] = []
        self.cancelled = False
        self.in_transaction = False
        self.info = SimpleNamespace(user="tsdbadmin")

    def execute(self, statement: str) -> None:
        self.executed.append(statement)

    @contextmanager
    def transaction(self, force_rollback: bool = False) -> Iterator[None]:
        self.executed.append("BEGIN")
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.executed.append("ROLLBACK")
            raise
        finally:
            self.in_transaction = False
        self.executed.append("ROLLBACK" if force_rollback else "COMMIT")

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Sessions opened by connect() (recorded, closed on exit); catalog.rows answers analyzable_relations;
    catalog.run records each ANALYZE with its session and raises state["fail"][name] if set."""
    state: dict[str, Any] = {
        "sessions": [],
        "closed": [],
        "analyzed": [],
        "fail": {},
        "asked": [],
        "extensions": [],
        "roots": [],
    }
    lock = threading.Lock()

    @contextmanager
    def connect() -> Iterator[Session]:
        session = Session(f"s{len(state['sessions'])}")
        state["sessions"].append(session)
        yield session
        state["closed"].append(session.name)

    def rows(conn: Any, name: str, params: Any = None) -> list[dict[str, Any]]:
        state["asked"].append(name)
        return {
            "analyze/analyzable_relations": [
                {"schema_name": s, "table_name": t, "bytes": b, "reachable": s != state.get("hidden")}
                for s, t, b in RELATIONS
            ],
            "extensions/installed_extensions": [
                {"name": e, "version": "2.19.3", "schema_name": "public"} for e in state["extensions"]
            ],
            "timescaledb/hypertable_roots": [{"schema_name": s, "table_name": t} for s, t in state["roots"]],
            "timescaledb/all_chunks": [{"schema_name": "_timescaledb_internal", "table_name": "_hyper_1_1_chunk"}],
        }[name]

    def run(conn: Session, statement: Any, params: Any = None) -> list[Any]:
        text = " ".join(line for line in statement.as_string().splitlines() if not line.startswith("--")).strip()
        if text.startswith("SET LOCAL"):
            conn.executed.append(text)
            if state.get("native") == "refused":
                raise psycopg.errors.InsufficientPrivilege('permission denied to set parameter "timescaledb.restoring"')
            return []
        name = text.removeprefix("ANALYZE").strip().rstrip(";")
        conn.executed.append(f"ANALYZE {name}".strip())
        if state.get("native") == "broken" and conn.in_transaction:
            raise psycopg.errors.InternalError("tried calling catalog_get when extension isn't loaded")
        with lock:
            state["analyzed"].append((conn.name, name))
        if state.get("on_analyze"):
            state["on_analyze"]()
        if name in state["fail"]:
            raise state["fail"][name]
        if name in state.get("fail_once", {}):
            raise state["fail_once"].pop(name)
        return []

    state["connect"] = connect
    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    return state


LOG = logging.getLogger("test")
QUOTED = [
    '"public"."big"',
    '"_timescaledb_internal"."_hyper_1_1_chunk"',
    '"public"."Odd ""t"""',
    '"pg_catalog"."pg_class"',
    '"public"."h"',
]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_relation_analyzed_once_over_jobs_sessions(server: dict[str, Any], jobs: int) -> None:
    """Every analyzable relation gets one ANALYZE (quoted), over `jobs` sessions without a statement timeout;
    the sessions are closed after."""
    result = analyze.ParallelAnalyze(server["connect"], jobs, LOG).run()
    assert sorted(name for _, name in server["analyzed"]) == sorted(QUOTED)
    # no TimescaleDB: no roots asked
    assert server["asked"] == ["analyze/analyzable_relations", "extensions/installed_extensions"]
    assert len(server["sessions"]) == jobs
    assert all(s.executed[0] == "SET statement_timeout = 0" for s in server["sessions"])
    assert not any("BEGIN" in s.executed for s in server["sessions"])
    assert sorted(server["closed"]) == sorted(s.name for s in server["sessions"])
    assert (result["relations"], result["sessions"]) == (len(RELATIONS), jobs)
    assert result["seconds"] >= 0


def test_one_session_goes_largest_first(server: dict[str, Any]) -> None:
    """Relations are handed out in the order the catalog gives them (largest first)."""
    analyze.ParallelAnalyze(server["connect"], 1, LOG).run()
    assert [name for _, name in server["analyzed"]] == QUOTED


def test_a_relation_gone_meanwhile_is_skipped(server: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    """A relation dropped since it was listed is not an error: a warning names it; the rest are analyzed."""
    server["fail"]['"public"."Odd ""t"""'] = psycopg.errors.UndefinedTable("relation does not exist")
    with caplog.at_level(logging.WARNING, logger="test"):
        result = analyze.ParallelAnalyze(server["connect"], 2, LOG).run()
    assert result["relations"] == len(RELATIONS)
    assert len(server["analyzed"]) == len(RELATIONS)
    assert 'public.Odd "t" is gone: not analyzed' in caplog.text


def test_an_error_stops_the_others_and_is_raised(server: dict[str, Any]) -> None:
    """Any other error is raised (the task fails and Airflow retries it) and no further relation is started."""
    server["fail"]['"public"."big"'] = psycopg.errors.InsufficientPrivilege("permission denied")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        analyze.ParallelAnalyze(server["connect"], 1, LOG).run()
    assert [name for _, name in server["analyzed"]] == ['"public"."big"']


def test_cancel_cancels_every_session_and_fails_the_run(server: dict[str, Any]) -> None:
    """cancel() (on_kill) cancels each session's statement; the run then fails instead of reporting success."""
    job = analyze.ParallelAnalyze(server["connect"], 2, LOG)
    server["on_analyze"] = job.cancel
    with pytest.raises(RuntimeError, match="stopped"):
        job.run()
    assert all(s.cancelled for s in server["sessions"])
    assert len(server["analyzed"]) < len(RELATIONS)


def root_statements(server: dict[str, Any]) -> list[str]:
    """What the session that analyzed public.h executed for it, from its BEGIN (or its ANALYZE) on."""
    [session] = [s for s in server["sessions"] if 'ANALYZE "public"."h"' in s.executed]
    end = session.executed.index('ANALYZE "public"."h"')
    start = end - 2 if session.executed[end - 2 : end - 1] == ["BEGIN"] else end
    return session.executed[start : end + 2]


def test_hypertable_root_analyzed_alone(server: dict[str, Any]) -> None:
    """With TimescaleDB, a hypertable root is analyzed in a transaction with timescaledb.restoring on locally
    (TimescaleDB steps aside, as for a database-wide ANALYZE; its chunks are analyzed on their own)."""
    server["extensions"], server["roots"] = ["timescaledb"], [("public", "h")]
    analyze.ParallelAnalyze(server["connect"], 2, LOG).run()
    assert "timescaledb/hypertable_roots" in server["asked"]
    assert root_statements(server) == [
        "BEGIN",
        "SET LOCAL timescaledb.restoring = on;",
        'ANALYZE "public"."h"',
        "COMMIT",
    ]
    assert sorted(name for _, name in server["analyzed"]) == sorted(QUOTED)


def test_login_that_may_not_step_aside_analyzes_hypertables_with_their_chunks(
    server: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A login refused timescaledb.restoring (no superuser, as on Timescale) names each root alone, whose
    ANALYZE covers its chunks, and does not analyze those chunks again."""
    server["extensions"], server["roots"], server["native"] = ["timescaledb"], [("public", "h")], "refused"
    with caplog.at_level(logging.INFO, logger="test"):
        result = analyze.ParallelAnalyze(server["connect"], 2, LOG).run()
    assert sorted(name for _, name in server["analyzed"]) == sorted(
        q for q in QUOTED if q != '"_timescaledb_internal"."_hyper_1_1_chunk"'
    )
    assert root_statements(server)[0] == 'ANALYZE "public"."h"'
    assert result["relations"] == len(RELATIONS) - 1
    assert "tsdbadmin may not set timescaledb.restoring" in caplog.text


def test_hypertable_root_falls_back_to_timescaledb_analyze(
    server: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """If analyzing the root alone fails all the same, it is analyzed the ordinary way, with a warning."""
    server["extensions"], server["roots"], server["native"] = ["timescaledb"], [("public", "h")], "broken"
    with caplog.at_level(logging.WARNING, logger="test"):
        analyze.ParallelAnalyze(server["connect"], 1, LOG).run()
    [session] = server["sessions"]
    start = session.executed.index('ANALYZE "public"."h"') - 2
    assert session.executed[start : start + 5] == [
        "BEGIN",
        "SET LOCAL timescaledb.restoring = on;",
        'ANALYZE "public"."h"',
        "ROLLBACK",
        'ANALYZE "public"."h"',
    ]
    assert "ANALYZE of hypertable public.h alone failed" in caplog.text


def test_a_relation_the_login_cannot_name_means_one_whole_database_analyze(server: dict[str, Any]) -> None:
    """A relation in a schema the login has no USAGE on can be analyzed only by a database-wide ANALYZE (which
    names nothing): then that is what runs, in one session, instead of one statement per relation."""
    server["hidden"] = "_timescaledb_internal"
    result = analyze.ParallelAnalyze(server["connect"], 2, LOG).run()
    assert server["analyzed"] == [("s0", "")]
    assert (result["relations"], result["sessions"]) == (None, 1)


def test_timescaledb_loader_race_on_its_own_table_is_tried_once_more(
    server: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """An internal error of TimescaleDB's loader on one of its own tables (a cache proxy, seen once in CI):
    logged, and that relation analyzed once more; every relation ends up analyzed."""
    loader = psycopg.errors.InternalError("tried calling catalog_get when extension isn't loaded")
    server["fail_once"] = {'"_timescaledb_internal"."_hyper_1_1_chunk"': loader}
    with caplog.at_level(logging.WARNING, logger="test"):
        analyze.ParallelAnalyze(server["connect"], 2, LOG).run()
    names = [name for _, name in server["analyzed"]]
    assert names.count('"_timescaledb_internal"."_hyper_1_1_chunk"') == 2 and sorted(set(names)) == sorted(QUOTED)
    assert "ANALYZE of _timescaledb_internal._hyper_1_1_chunk failed (tried calling catalog_get" in caplog.text


def test_an_internal_error_on_a_user_table_is_not_retried(server: dict[str, Any]) -> None:
    """The same error class on a table of the user's fails the phase at once."""
    server["fail_once"] = {'"public"."big"': psycopg.errors.InternalError("could not read block 7")}
    with pytest.raises(psycopg.errors.InternalError, match="could not read block 7"):
        analyze.ParallelAnalyze(server["connect"], 1, LOG).run()


def test_small_relations_share_statements_large_ones_and_roots_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Largest first: a relation of BATCH_BYTES or more, and a hypertable's root, is analyzed alone; the small
    ones BATCH to a statement."""
    monkeypatch.setattr(analyze, "BATCH", 2)
    job = analyze.ParallelAnalyze(connect=lambda: None, jobs=1, log=logging.getLogger("t"))
    job.roots = {("s", "root")}
    names = [("s", "big"), ("s", "root"), ("s", "a"), ("s", "b"), ("s", "c")]
    sizes = {("s", "big"): analyze.BATCH_BYTES, ("s", "root"): 0, ("s", "a"): 10, ("s", "b"): 5, ("s", "c"): 1}
    assert job._statements(names, sizes) == [(("s", "big"),), (("s", "root"),), (("s", "a"), ("s", "b")), (("s", "c"),)]
