"""Unit tests of operators/load.py: execute() with a fake psql script (claim, lock, formats, failures)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.support.fakes import statement_text
from tests.unit.operators.conftest import TARGET_PASSWORD, make_plan, write_tools
from timescale_migration.db import catalog
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed, MigrationError, TargetNotEmptyError
from timescale_migration.operators.load import LoadOperator
from timescale_migration.tools.runner import ToolRunner
from timescale_migration.verify.source_side import SourceSide

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_source_side(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The load's source-side thread is tested on its own below; elsewhere it does nothing."""
    if "source_side" not in request.node.name:
        monkeypatch.setattr(SourceSide, "start", lambda self: None)


# --- execute ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """Where the fake psql writes its argv and environment."""
    return tmp_path / "psql-call.txt"


@pytest.fixture
def target_db(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The target's answers stubbed: whether the load lock is free, who holds it, which objects it holds.
    `asked` records (session, query) in order: "databases/user_objects" for the emptiness check."""
    state: dict[str, Any] = {"locked": True, "holder": [], "objects": [], "asked": [], "claims": [], "ran": []}

    def rows(conn: str, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        state["asked"].append((conn, name))
        if name == "databases/advisory_lock_target":
            return [{"locked": state["locked"]}]
        if name == "drain/lock_holder":
            return state["holder"]
        if name == "copy/load_claim_present":
            return [{"present": bool(state["claims"])}]
        if name == "copy/load_claims":
            return [{"run": run} for run in state["claims"]]
        raise AssertionError(f"unexpected query {name}")

    def user_objects(conn: str) -> list[str]:
        state["asked"].append((conn, "databases/user_objects"))
        return state["objects"]

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = statement_text(statement)
        state["ran"].append(text)
        state["asked"].append((conn, text.split("\n")[0][:60]))
        if "load_claim" in text and "INSERT" in text:
            state["claims"].append(params["run"])
        if "DROP SCHEMA IF EXISTS _timescale_migration_claim" in text:
            state["claims"].clear()
        if "DO $empty$" in text:
            state["objects"] = []
        return []

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "user_objects", user_objects)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "installed_extensions", lambda conn: {})
    return state


@pytest.fixture
def operator_context(tmp_path: Path, record: Path, make_context, target_db, opened):
    """A context whose plan's psql records its call, with an empty, unlocked target and a dump in the run directory."""
    body = (
        f'printf "%s\\n" "$@" > "{record}"\n'
        f'printf "ENV %s\\n" "PGHOST=$PGHOST" "PGDATABASE=$PGDATABASE" "PGPASSWORD=$PGPASSWORD" >> "{record}"'
    )
    tools = write_tools(tmp_path / "bin", scripts={"psql": body})
    context = make_context(make_plan(tools), roles=False)
    run_dir = LoadOperator(task_id="load").run_dir(context)
    (run_dir / "dump.sql").write_text("SELECT 1;\n")
    return context


def test_execute_loads_roles_then_dump(operator_context, record: Path, target_db, opened) -> None:
    """psql gets -f roles.sql then -f dump.sql, ON_ERROR_STOP, and the target's environment."""
    run_dir = LoadOperator(task_id="load").run_dir(operator_context)
    (run_dir / "roles.sql").write_text("-- roles\n")
    operator_context["params"]["roles"] = True
    result = LoadOperator(task_id="load").execute(operator_context)
    lines = record.read_text().splitlines()
    args = [line for line in lines if not line.startswith("ENV ")]
    assert args == [
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "--echo-errors",
        "-f",
        str(run_dir / "roles.sql"),
        "-f",
        str(run_dir / "dump.sql"),
    ]
    assert "ENV PGHOST=target.example" in lines
    assert "ENV PGDATABASE=tsdb" in lines
    assert f"ENV PGPASSWORD={TARGET_PASSWORD}" in lines
    assert result["format"] == "plain" and result["seconds"] >= 0
    assert type(result["format"]) is str  # XCom holds the param's string, not the enum
    assert target_db["asked"][:3] == [
        ("target", "databases/advisory_lock_target"),
        ("target", "databases/user_objects"),
        ("target", "copy/load_claim_present"),
    ]
    assert opened == [("target", None)]


def test_execute_refuses_when_roles_file_not_on_this_worker(operator_context, record: Path) -> None:
    """roles=true but no roles.sql here (another worker's disk): refused, naming the file and this host."""
    operator_context["params"]["roles"] = True
    with pytest.raises(MigrationError, match=r"roles\.sql not found on worker \S+: dump_roles, dump_data and load"):
        LoadOperator(task_id="load").execute(operator_context)
    assert not record.exists()


def test_execute_without_roles_file(operator_context, record: Path) -> None:
    """Without roles.sql (roles=false) only the dump is loaded."""
    LoadOperator(task_id="load").execute(operator_context)
    assert record.read_text().count("-f\n") == 1
    assert "roles.sql" not in record.read_text()


def test_execute_runs_psql_while_holding_the_lock_session(operator_context, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock's session stays open until psql is done: the lock goes with the session."""
    events: list[str] = []

    @contextmanager
    def connect(self: Endpoint, database: str | None = None) -> Iterator[str]:
        events.append(f"open {self.side}")
        try:
            yield self.side
        finally:
            events.append(f"close {self.side}")

    real_run = ToolRunner.run

    def run(self: ToolRunner, argv: list[str], env: dict[str, str], **kwargs: Any) -> float:
        events.append("psql")
        return real_run(self, argv, env, **kwargs)

    monkeypatch.setattr(Endpoint, "connect", connect)
    monkeypatch.setattr(ToolRunner, "run", run)
    LoadOperator(task_id="load").execute(operator_context)
    assert events == ["open target", "psql", "close target"]


def test_execute_refuses_missing_dump(operator_context, target_db, opened) -> None:
    """A dump not on this worker fails with what to do, before the target is touched."""
    (LoadOperator(task_id="load").run_dir(operator_context) / "dump.sql").unlink()
    with pytest.raises(MigrationError, match=r"dump\.sql not found on worker \S+: .* must see the same work_dir"):
        LoadOperator(task_id="load").execute(operator_context)
    assert opened == []
    assert target_db["asked"] == []


def test_execute_refuses_non_empty_target(operator_context, target_db, record: Path) -> None:
    """A target holding objects no load of this run created (no claim, or another run's) is refused before psql
    runs, and nothing is dropped."""
    target_db["objects"] = ["table public.t"]
    with pytest.raises(TargetNotEmptyError, match=r"table public\.t.*no load of this run created them"):
        LoadOperator(task_id="load").execute(operator_context)
    target_db["claims"] = ["migrate_database/another run"]
    with pytest.raises(TargetNotEmptyError, match=r"the load of run migrate_database/another run left them"):
        LoadOperator(task_id="load").execute(operator_context)
    assert not record.exists()
    assert not any("DROP" in text for text in target_db["ran"])


def test_execute_claims_the_target_before_loading_and_releases_it_after(
    operator_context, target_db, record: Path
) -> None:
    """The claim (this run's id) is written before psql runs and dropped after the load succeeded."""
    order: list[str] = []
    original = catalog.run

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        order.append("claim" if params and "run" in params else "psql ran" if record.exists() else "before psql")
        return original(conn, statement, params)

    catalog.run = run  # type: ignore[assignment]
    try:
        LoadOperator(task_id="load").execute(operator_context)
    finally:
        catalog.run = original  # type: ignore[assignment]
    ti = operator_context["ti"]
    assert order.index("claim") < order.index("psql ran")
    assert target_db["ran"][-1].startswith("DROP SCHEMA IF EXISTS _timescale_migration_claim")
    assert target_db["claims"] == [] and f"{ti.dag_id}/{ti.run_id}" not in target_db["claims"]


def test_a_retry_empties_what_its_own_earlier_attempt_left(operator_context, target_db, record: Path) -> None:
    """Objects left by this same run's failed attempt (its claim) are dropped, then the load runs again."""
    ti = operator_context["ti"]
    target_db["objects"] = ["table public.t", "schema app"]
    target_db["claims"] = [f"{ti.dag_id}/{ti.run_id}"]
    LoadOperator(task_id="load").execute(operator_context)
    assert any("DO $empty$" in text for text in target_db["ran"])
    assert record.exists()


def test_execute_refuses_locked_target_naming_holder(operator_context, target_db, record: Path) -> None:
    """Another run holding the target's load lock is named; neither emptiness nor psql is tried."""
    target_db["locked"] = False
    target_db["holder"] = [
        {"pid": 4711, "user_name": "tsdbadmin", "client_addr": "10.0.0.9", "backend_start": "2026-11-26T12:00:00+00:00"}
    ]
    with pytest.raises(MigrationError) as err:
        LoadOperator(task_id="load").execute(operator_context)
    message = str(err.value)
    assert message.startswith("another migration is loading into target ")
    assert "(session pid 4711 of tsdbadmin)" in message
    assert "cannot load into the same database" in message
    assert not isinstance(err.value, TargetNotEmptyError)
    assert target_db["asked"] == [("target", "databases/advisory_lock_target"), ("target", "drain/lock_holder")]
    assert not record.exists()


def test_execute_refuses_locked_target_without_holder(operator_context, target_db, record: Path) -> None:
    """The lock is taken but its holder is not visible (it just ended, or another user's): no pid is named."""
    target_db["locked"] = False
    with pytest.raises(MigrationError, match="another migration is loading into target ") as err:
        LoadOperator(task_id="load").execute(operator_context)
    message = str(err.value)
    assert "session pid" not in message
    assert " right now: wait for it to finish" in message
    assert ("target", "databases/user_objects") not in target_db["asked"]
    assert not record.exists()


def test_execute_target_went_away(operator_context, monkeypatch: pytest.MonkeyPatch, record: Path) -> None:
    """A lost target session during the load fails as a client tool failure saying the target went away."""

    def gone(conn: str) -> list[str]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(catalog, "user_objects", gone)
    with pytest.raises(ClientToolFailed) as err:  # a lost connection: retried
        LoadOperator(task_id="load").execute(operator_context)
    message = str(err.value)
    assert message.startswith("loading into target ")
    assert "failed: the target went away: server closed the connection unexpectedly" in message
    assert isinstance(err.value.__cause__, psycopg.OperationalError)
    assert not record.exists()


def test_execute_psql_failure(tmp_path: Path, operator_context) -> None:
    """A psql error fails the task naming the target and psql's output."""
    operator_context["ti"].xcoms["check_versions"] = make_plan(
        write_tools(
            tmp_path / "bad",
            scripts={"psql": 'echo "psql:dump.sql:12: ERROR:  relation \\"x\\" already exists"; exit 3'},
        )
    ).to_xcom()
    with pytest.raises(AirflowFailException) as err:  # an SQL error: not retried
        LoadOperator(task_id="load").execute(operator_context)
    message = str(err.value)
    assert message.startswith("loading into target ") and "not retried" in message
    assert "exited with code 3" in message
    assert 'relation "x" already exists' in message
