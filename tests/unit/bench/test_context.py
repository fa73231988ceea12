"""A method's result: which steps its total counts."""

from __future__ import annotations

import psycopg
import pytest

from bench.common import BenchError
from bench.context import SETUP_STEP, MethodResult, fresh_dir, recorded

pytestmark = pytest.mark.unit


def test_steps_seconds_leaves_out_setup_and_skipped_steps() -> None:
    result = MethodResult(
        "documented", 1, steps={SETUP_STEP: 5.0, "pg_dumpall --roles-only": 0.5, "pg_dump": 10.25, "psql load": 20.0}
    )
    assert result.steps_seconds() == 30.75
    assert result.steps_seconds(skip=("pg_dumpall",)) == 30.25


def test_fresh_dir_is_empty_and_private(tmp_path) -> None:
    work = tmp_path / "documented-1"
    work.mkdir()
    (work / "dump.sql").write_text("left over")
    assert fresh_dir(work) == work
    assert list(work.iterdir()) == []
    assert work.stat().st_mode & 0o777 == 0o700


class FakeContext:
    """What `recorded` uses of a Context: dropping a target."""

    def __init__(self) -> None:
        self.finished: list[str] = []

    def finish_target(self, dbname: str) -> None:
        self.finished.append(dbname)


@pytest.mark.parametrize("error", [BenchError("pg_dump exited with 1"), psycopg.OperationalError("server gone")])
def test_recorded_keeps_the_error_and_cleans_up(tmp_path, error: Exception) -> None:
    ctx, result = FakeContext(), MethodResult("documented", 1)
    work = fresh_dir(tmp_path / "work")
    with recorded(ctx, result, "bench_tgt_documented_1", work):  # type: ignore[arg-type]
        raise error
    assert result.error == str(error)
    assert not result.ok
    assert not work.exists()
    assert ctx.finished == ["bench_tgt_documented_1"]


def test_recorded_lets_other_errors_through_after_cleaning_up() -> None:
    ctx, result = FakeContext(), MethodResult("dag parallel", 1)
    with pytest.raises(KeyError), recorded(ctx, result, "bench_tgt_dag_parallel_1"):  # type: ignore[arg-type]
        raise KeyError("a bug in the bench")
    assert result.error is None
    assert ctx.finished == ["bench_tgt_dag_parallel_1"]
