"""Unit tests of operators/analyze.py with a fake psql script."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.operators.conftest import make_plan, write_tools
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators.analyze import AnalyzeOperator

pytestmark = pytest.mark.unit


def test_analyze_runs_psql_on_target(tmp_path: Path, make_context) -> None:
    """ANALYZE runs through psql -c on the target database."""
    record = tmp_path / "call.txt"
    tools = write_tools(tmp_path / "bin", scripts={
        "psql": f'printf "%s\\n" "$@" "db=$PGDATABASE" "host=$PGHOST" > "{record}"'})
    result = AnalyzeOperator(task_id="analyze").execute(make_context(make_plan(tools)))
    assert record.read_text().splitlines() == ["-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-c", "ANALYZE;",
                                               "db=tsdb", "host=target.example"]
    assert result["seconds"] >= 0


def test_analyze_failure_is_retryable(tmp_path: Path, make_context) -> None:
    """A failing ANALYZE raises ClientToolFailed (retried by Airflow)."""
    tools = write_tools(tmp_path / "bin", scripts={"psql": "echo boom; exit 2"})
    with pytest.raises(ClientToolFailed, match="boom"):
        AnalyzeOperator(task_id="analyze").execute(make_context(make_plan(tools)))
