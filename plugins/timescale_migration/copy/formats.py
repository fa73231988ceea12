"""dump_format -> the class that dumps and loads it."""

from __future__ import annotations

from timescale_migration.constants import DumpFormat
from timescale_migration.copy.base import CopyFormat, CopyJob
from timescale_migration.copy.directory import DirectoryFormat
from timescale_migration.copy.parallel import ParallelFormat
from timescale_migration.copy.plain import PlainFormat
from timescale_migration.copy.stream import StreamFormat

FORMATS: dict[DumpFormat, type[CopyFormat]] = {
    cls.format: cls for cls in (PlainFormat, DirectoryFormat, StreamFormat, ParallelFormat)
}


def copy_format(dump_format: DumpFormat, job: CopyJob) -> CopyFormat:
    """The format's dumper and loader for this job."""
    return FORMATS[dump_format](job)
