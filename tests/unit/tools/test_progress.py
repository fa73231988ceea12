"""Unit tests of tools/progress.py: the time left, read positions from /proc, and the reporters of a file read or
written."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from timescale_migration.tools.progress import file_read_progress, read_position, time_left, written_progress

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (25, 100, 10.0, ", about 30s left"),
        (0, 100, 10.0, ""),
        (100, 100, 10.0, ""),
        (150, 100, 10.0, ""),
        (50, 100, 0.0, ""),
        (1, 10_000, 2.0, ", about 19,998s left"),
    ],
)
def test_time_left(done: float, total: float, elapsed: float, expected: str) -> None:
    """The rate so far carried to the end; nothing before the first byte, after the last, or at no time."""
    assert time_left(done, total, elapsed) == expected


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


def test_file_read_progress_reports_share(dump: Path) -> None:
    """The reporter gives MB read of the total, the percentage and the time left."""
    fd = os.open(dump, os.O_RDONLY)
    try:
        os.read(fd, 250)
        message = file_read_progress(SimpleNamespace(pid=os.getpid()), dump)()  # type: ignore[arg-type]
    finally:
        os.close(fd)
    assert message is not None
    assert message.startswith("0.0 of 0.0 MB of dump.sql read (25%)")
    assert "left" in message


def test_file_read_progress_without_process(dump: Path) -> None:
    """With no tool running the reporter says nothing."""
    assert file_read_progress(SimpleNamespace(pid=None), dump)() is None  # type: ignore[arg-type]


def test_written_progress_share_of_expected(tmp_path: Path) -> None:
    """The report gives MB written and the share of the source's size."""
    path = tmp_path / "dump.partial"
    path.write_bytes(b"x" * 500_000)
    message = written_progress(path, 1_000_000)()
    assert message.startswith("0.5 MB written of ~1 MB (50%), about ")
    assert message.endswith(" MB/s")


def test_written_progress_without_expected_size(tmp_path: Path) -> None:
    """Without a known size there is no share (and no division by zero)."""
    path = tmp_path / "dump.partial"
    path.write_bytes(b"x" * 2_000_000)
    message = written_progress(path, 0)()
    assert message.startswith("2.0 MB written, ")
    assert "%" not in message


def test_written_progress_before_the_file_exists(tmp_path: Path) -> None:
    """A file not yet created counts as 0 bytes."""
    assert written_progress(tmp_path / "nope", 10)().startswith("0.0 MB written of ~0 MB (0%)")
