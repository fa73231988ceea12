"""Unit tests of verify/source_side.py: the thread that takes the source's side of verification beside the load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.fakes import RecordingLog
from timescale_migration.verify import source_side
from timescale_migration.verify.source_side import SourceSide

pytestmark = pytest.mark.unit


def test_source_side_written_beside_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread writes source_fingerprint.json (0600) and records how long it took."""
    monkeypatch.setattr(
        source_side,
        "take_source_side",
        lambda source, plan, jobs, log: {"fingerprint": {}, "inventory": {}, "seconds": 1.25},
    )
    path = tmp_path / "source_fingerprint.json"
    side = SourceSide(None, None, 2, path, RecordingLog())  # type: ignore[arg-type]
    side.start()
    side.finish()
    assert path.read_text() == '{"fingerprint": {}, "inventory": {}, "seconds": 1.25}'
    assert oct(path.stat().st_mode & 0o777) == "0o600" and side.seconds == 1.25


def test_source_side_kept_from_an_earlier_attempt_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retried load does not take the source's side again."""
    monkeypatch.setattr(source_side, "take_source_side", lambda *a: pytest.fail("taken again"))
    path = tmp_path / "source_fingerprint.json"
    path.write_text("{}")
    log = RecordingLog()
    side = SourceSide(None, None, 2, path, log)  # type: ignore[arg-type]
    side.start()
    side.finish()
    assert side.thread is None and any("already in" in line for line in log.levels("info"))


def test_source_side_failure_never_fails_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error taking the source's side is a warning; verify takes it later."""

    def boom(*args: Any) -> None:
        raise psycopg.OperationalError("source gone")

    monkeypatch.setattr(source_side, "take_source_side", boom)
    log = RecordingLog()
    side = SourceSide(None, None, 2, tmp_path / "s.json", log)  # type: ignore[arg-type]
    side.start()
    side.finish()
    assert not (tmp_path / "s.json").exists()
    assert any("verify will take it" in line and "source gone" in line for line in log.levels("warning"))
