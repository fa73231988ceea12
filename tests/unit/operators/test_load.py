"""Unit tests of operators/load.py: read progress from /proc, and execute() with a fake psql script."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.unit.operators.conftest import TARGET_PASSWORD, make_plan, write_tools
from timescale_migration import catalog
from timescale_migration.exceptions import ClientToolFailed, MigrationError, TargetNotEmptyError
from timescale_migration.operators.load import LoadOperator, read_position, read_progress

pytestmark = pytest.mark.unit


# --- read_position / read_progress ------------------------------------------------------------------------------------


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    """A 1000-byte file."""
    path = (tmp_path / "dump.sql").resolve()
    path.write_bytes(b"x" * 1000)
    return path


def test_read_position_of_open_file(dump: Path) -> None:
    """The offset this process has read up to in an open file is found through /proc."""
    fd = os.open(dump, os.O_RDONLY)
    try:
        os.read(fd, 300)
        assert read_position(os.getpid(), dump) == 300
    finally:
        os.close(fd)


def test_read_position_file_not_open(dump: Path) -> None:
    """A file the process has not open gives None."""
    assert read_position(os.getpid(), dump) is None


def test_read_position_no_such_process(dump: Path) -> None:
    """A vanished process gives None instead of an error."""
    assert read_position(2**22 + 12345, dump) is None


def test_read_progress_reports_share(dump: Path) -> None:
    """The reporter gives MB read of the total, the percentage and the time left."""
    fd = os.open(dump, os.O_RDONLY)
    try:
        os.read(fd, 250)
        message = read_progress(SimpleNamespace(pid=os.getpid()), dump)()  # type: ignore[arg-type]
    finally:
        os.close(fd)
    assert message is not None
    assert message.startswith("0.0 of 0.0 MB of dump.sql read (25%)")
    assert "left" in message


def test_read_progress_without_process(dump: Path) -> None:
    """With no tool running the reporter says nothing."""
    assert read_progress(SimpleNamespace(pid=None), dump)() is None  # type: ignore[arg-type]


# --- execute ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """Where the fake psql writes its argv and environment."""
    return tmp_path / "psql-call.txt"


@pytest.fixture
def operator_context(tmp_path: Path, record: Path, make_context, monkeypatch: pytest.MonkeyPatch, opened):
    """A context whose plan's psql records its call, with an empty target and a dump in the run directory."""
    body = (f'printf "%s\\n" "$@" > "{record}"\n'
            f'printf "ENV %s\\n" "PGHOST=$PGHOST" "PGDATABASE=$PGDATABASE" "PGPASSWORD=$PGPASSWORD" >> "{record}"')
    tools = write_tools(tmp_path / "bin", scripts={"psql": body})
    monkeypatch.setattr(catalog, "user_objects", lambda conn: [])
    context = make_context(make_plan(tools))
    run_dir = LoadOperator(task_id="load").run_dir(context)
    (run_dir / "dump.sql").write_text("SELECT 1;\n")
    return context


def test_execute_loads_roles_then_dump(operator_context, record: Path) -> None:
    """psql gets -f roles.sql then -f dump.sql, ON_ERROR_STOP, and the target's environment."""
    run_dir = LoadOperator(task_id="load").run_dir(operator_context)
    (run_dir / "roles.sql").write_text("-- roles\n")
    result = LoadOperator(task_id="load").execute(operator_context)
    lines = record.read_text().splitlines()
    args = [line for line in lines if not line.startswith("ENV ")]
    assert args == ["-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-f", str(run_dir / "roles.sql"),
                    "-f", str(run_dir / "dump.sql")]
    assert "ENV PGHOST=target.example" in lines
    assert "ENV PGDATABASE=tsdb" in lines
    assert f"ENV PGPASSWORD={TARGET_PASSWORD}" in lines
    assert result["files"] == ["roles.sql", "dump.sql"]


def test_execute_without_roles_file(operator_context, record: Path) -> None:
    """Without roles.sql (roles=false) only the dump is loaded."""
    result = LoadOperator(task_id="load").execute(operator_context)
    assert result["files"] == ["dump.sql"]
    assert record.read_text().count("-f\n") == 1


def test_execute_refuses_missing_dump(operator_context) -> None:
    """A dump not on this worker fails with what to do."""
    (LoadOperator(task_id="load").run_dir(operator_context) / "dump.sql").unlink()
    with pytest.raises(MigrationError, match="not on this worker"):
        LoadOperator(task_id="load").execute(operator_context)


def test_execute_refuses_non_empty_target(operator_context, monkeypatch: pytest.MonkeyPatch, record: Path) -> None:
    """A target holding objects (an earlier attempt) is refused before psql runs."""
    monkeypatch.setattr(catalog, "user_objects", lambda conn: ["table public.t"])
    with pytest.raises(TargetNotEmptyError, match=r"table public\.t"):
        LoadOperator(task_id="load").execute(operator_context)
    assert not record.exists()


def test_execute_psql_failure(tmp_path: Path, operator_context) -> None:
    """A psql error fails the task naming the target and psql's output."""
    operator_context["ti"].xcoms["check_versions"] = make_plan(write_tools(tmp_path / "bad", scripts={
        "psql": 'echo "psql:dump.sql:12: ERROR:  relation \\"x\\" already exists"; exit 3'})).to_xcom()
    with pytest.raises(ClientToolFailed) as err:
        LoadOperator(task_id="load").execute(operator_context)
    message = str(err.value)
    assert message.startswith("loading into target ")
    assert "exited with code 3" in message
    assert 'relation "x" already exists' in message
