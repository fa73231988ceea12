"""Unit tests of operators/analyze.py with a fake psql script."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.unit.operators.conftest import make_plan, write_tools
from timescale_migration.db import analyze as db_analyze
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators import analyze as analyze_operator
from timescale_migration.operators.analyze import AnalyzeOperator

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def one_relation_a_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fakes here answer one relation's ANALYZE: statements of one (batches run on the real servers)."""
    monkeypatch.setattr(db_analyze, "BATCH", 1)


def test_analyze_runs_psql_on_target(tmp_path: Path, make_context) -> None:
    """ANALYZE runs through psql -c on the target database."""
    record = tmp_path / "call.txt"
    tools = write_tools(
        tmp_path / "bin", scripts={"psql": f'printf "%s\\n" "$@" "db=$PGDATABASE" "host=$PGHOST" > "{record}"'}
    )
    result = AnalyzeOperator(task_id="analyze").execute(make_context(make_plan(tools)))
    assert record.read_text().splitlines() == [
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "--echo-errors",
        "-c",
        "ANALYZE;",
        "db=tsdb",
        "host=target.example",
    ]
    assert result["seconds"] >= 0


def test_analyze_failure_is_retryable(tmp_path: Path, make_context) -> None:
    """ANALYZE failing on a lost connection raises ClientToolFailed (retried by Airflow); any other failure
    fails at once."""
    tools = write_tools(tmp_path / "bin", scripts={"psql": "echo 'server closed the connection unexpectedly'; exit 2"})
    with pytest.raises(ClientToolFailed, match="server closed"):
        AnalyzeOperator(task_id="analyze").execute(make_context(make_plan(tools)))
    tools = write_tools(tmp_path / "bin2", scripts={"psql": "echo boom; exit 2"})
    with pytest.raises(AirflowFailException, match=r"boom.*not retried"):
        AnalyzeOperator(task_id="analyze").execute(make_context(make_plan(tools)))


@pytest.mark.parametrize(
    ("dump_format", "jobs", "parallel"),
    [("plain", 4, False), ("parallel", 1, False), ("parallel", 2, True), ("directory", 3, True)],
)
def test_analyze_parallel_unless_plain_or_one_job(
    tmp_path: Path, make_context, monkeypatch: pytest.MonkeyPatch, dump_format: str, jobs: int, parallel: bool
) -> None:
    """`plain` (the guide's commands) and jobs=1 run psql -c ANALYZE; other formats analyze over `jobs` sessions."""
    record = tmp_path / "call.txt"
    tools = write_tools(tmp_path / "bin", scripts={"psql": f'echo psql > "{record}"'})
    made: list[int] = []

    class Recorder:
        def __init__(self, connect: object, jobs: int, log: object) -> None:
            made.append(jobs)

        def run(self) -> dict[str, object]:
            return {"relations": 3, "sessions": made[-1], "seconds": 0.1}

        def cancel(self) -> None:
            pass

    monkeypatch.setattr(analyze_operator, "ParallelAnalyze", Recorder)
    context = make_context(make_plan(tools), dump_format=dump_format, jobs=jobs)
    result = AnalyzeOperator(task_id="analyze").execute(context)
    assert made == ([jobs] if parallel else [])
    assert record.exists() is not parallel
    assert result["sessions"] == (jobs if parallel else 1)


def test_on_kill_cancels_parallel_analyze(tmp_path: Path, make_context, monkeypatch: pytest.MonkeyPatch) -> None:
    """on_kill while the sessions analyze (the base operator's one on_kill) cancels their statements."""
    operator = AnalyzeOperator(task_id="analyze")
    cancelled: list[bool] = []

    class Killed:
        def __init__(self, connect: object, jobs: int, log: object) -> None:
            pass

        def run(self) -> dict[str, object]:
            operator.on_kill()
            return {"relations": 0, "sessions": 2, "seconds": 0.0}

        def cancel(self) -> None:
            cancelled.append(True)

    monkeypatch.setattr(analyze_operator, "ParallelAnalyze", Killed)
    operator.execute(make_context(make_plan(write_tools(tmp_path / "bin")), dump_format="parallel", jobs=2))
    assert cancelled == [True]
