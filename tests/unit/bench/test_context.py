"""A method's result: which steps its total counts."""

from __future__ import annotations

import pytest

from bench.context import SETUP_STEP, MethodResult, fresh_dir

pytestmark = pytest.mark.unit


def test_steps_seconds_leaves_out_setup_and_skipped_steps() -> None:
    result = MethodResult("documented", 1, steps={SETUP_STEP: 5.0, "pg_dumpall --roles-only": 0.5,
                                                  "pg_dump": 10.25, "psql load": 20.0})
    assert result.steps_seconds() == 30.75
    assert result.steps_seconds(skip=("pg_dumpall",)) == 30.25


def test_fresh_dir_is_empty_and_private(tmp_path) -> None:
    work = tmp_path / "documented-1"
    work.mkdir()
    (work / "dump.sql").write_text("left over")
    assert fresh_dir(work) == work
    assert list(work.iterdir()) == []
    assert work.stat().st_mode & 0o777 == 0o700
