"""Unit tests of copy/formats.py and copy/base.py: one class per dump_format, and what each needs from dump_data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fakes import RecordingLog
from timescale_migration.constants import DUMP_DIR, DUMP_FILE, DumpFormat
from timescale_migration.copy.base import CopyJob, StreamedFormat
from timescale_migration.copy.formats import FORMATS, copy_format

pytestmark = pytest.mark.unit


def job(tmp_path: Path) -> CopyJob:
    """A job whose plan, endpoints and runner are never used by the properties under test."""
    return CopyJob(None, None, None, tmp_path, 2, None, RecordingLog())  # type: ignore[arg-type]


def test_every_dump_format_has_its_class() -> None:
    """Each member of DumpFormat maps to the class that declares it."""
    assert set(FORMATS) == set(DumpFormat)
    assert all(cls.format is fmt for fmt, cls in FORMATS.items())


@pytest.mark.parametrize(("fmt", "name"), [(DumpFormat.PLAIN, DUMP_FILE), (DumpFormat.DIRECTORY, DUMP_DIR)])
def test_file_formats_load_what_dump_data_wrote(tmp_path: Path, fmt: DumpFormat, name: str) -> None:
    """plain and directory: load needs the dump in the run directory."""
    copy = copy_format(fmt, job(tmp_path))
    assert copy.dump_path == tmp_path / name
    assert copy.files_to_load() == [tmp_path / name]
    assert not isinstance(copy, StreamedFormat)


@pytest.mark.parametrize("fmt", [DumpFormat.STREAM, DumpFormat.PARALLEL])
def test_streamed_formats_need_no_file_and_dump_nothing(tmp_path: Path, fmt: DumpFormat) -> None:
    """stream and parallel read the source during load: dump_data writes nothing and says so."""
    copy = copy_format(fmt, job(tmp_path))
    assert copy.files_to_load() == []
    assert copy.dump() == {"format": fmt.value, "dump_file": None, "bytes": 0, "seconds": 0.0}
    assert not any(tmp_path.iterdir())
    assert copy.stats == {}
    copy.kill()  # nothing started: nothing to stop, no error
