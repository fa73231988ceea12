"""Room: for the dump in the run's work directory where the format writes one, and on the target's disk where the
target server reports it."""

from __future__ import annotations

import shutil

import psycopg

from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import BULK_MIN_BYTES, DumpFormat
from timescale_migration.db import catalog, sqlfiles

CHECK = "space"
DUMP_SIZE_MARGIN = 1.2
"""A plain dump is about as large as the table data (no indexes); 20% more covers text that grows."""
TARGET_SIZE_MARGIN = 1.1
"""The target needs about the source database's size (tables and indexes); 10% more for what the load adds."""


def dump_bytes(pre: Preflight) -> tuple[int, str]:
    """Bytes of data the run's dump file(s) hold, and what they are: the whole table data (`plain`, `directory`),
    the skeleton's small tables (`parallel`), nothing (`stream`)."""
    fmt = pre.opts.dump_format
    if fmt == DumpFormat.STREAM:
        return 0, "stream writes no dump file"
    if fmt == DumpFormat.PARALLEL:
        small = int(catalog.rows(pre.src, "checks/small_table_bytes", {"min_bytes": BULK_MIN_BYTES})[0]["bytes"])
        return small, "the parallel format's skeleton holds the rows of the tables under 1 MB"
    return int(catalog.rows(pre.src, "copy/table_data_bytes")[0]["bytes"]), f"a {fmt} dump holds all the table data"


@check(CHECK, "room for the dump in the work directory")
def work_dir(pre: Preflight) -> list[Finding]:
    """The work directory must hold the dump where the format writes one: its data plus a margin."""
    data, what = dump_bytes(pre)
    needed = int(data * DUMP_SIZE_MARGIN)
    free = shutil.disk_usage(pre.run_dir).free
    pre.log.info(
        "work directory %s: %.1f MB free, the dump needs about %.1f MB (%s)",
        pre.run_dir,
        free / 1e6,
        needed / 1e6,
        what,
    )
    if free >= needed:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"room for the dump in {pre.run_dir}",
            f"not enough room for the dump in {pre.run_dir}: {free / 1e6:,.1f} MB free, about "
            f"{needed / 1e6:,.1f} MB needed ({what}, plus 20%)",
            remedy="free space there, set work_dir elsewhere, or choose dump_format stream or parallel, "
            "which write no (or a small) dump file",
        )
    ]


def target_free_bytes(pre: Preflight) -> int | None:
    """Free bytes of the file system of the target's data directory, where its login may ask the server (`df`
    run by the server, superuser or pg_execute_server_program); None where it may not, or `df` gave no answer."""
    if not pre.target_login["server_programs"]:
        return None
    with pre.tgt.transaction(force_rollback=True):
        catalog.run(pre.tgt, sqlfiles.query("checks/free_space_table"))
        try:
            with pre.tgt.transaction():
                catalog.run(pre.tgt, sqlfiles.query("checks/free_space"))
        except psycopg.Error as err:
            if pre.tgt.broken:
                raise
            pre.log.info("the target did not report its free space (%s)", err.diag.message_primary or err)
            return None
        lines = [r["line"] for r in catalog.rows(pre.tgt, "checks/free_space_lines")]
    return parse_df(lines)


def parse_df(lines: list[str]) -> int | None:
    """Free bytes from `df -Pk` output (header, then one line: filesystem, blocks, used, available, ...)."""
    for line in lines[1:]:
        fields = line.split()
        if len(fields) >= 4 and fields[3].isdigit():
            return int(fields[3]) * 1024
    return None


@check(CHECK, "room on the target")
def target(pre: Preflight) -> list[Finding]:
    """The target's disk must hold the source database (where the target server reports its free space)."""
    needed = int(pre.source_info.database_bytes * TARGET_SIZE_MARGIN)
    free = target_free_bytes(pre)
    if free is None:
        pre.log.info(
            "the target's free space is not known to its login (no superuser, no "
            "pg_execute_server_program): it needs about %.1f MB (the source database plus 10%%)",
            needed / 1e6,
        )
        return []
    pre.log.info("target: %.1f MB free, the migrated database needs about %.1f MB", free / 1e6, needed / 1e6)
    if free >= needed:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"room on {pre.target.label}",
            f"the target's data directory has {free / 1e6:,.1f} MB free; the source database takes "
            f"{pre.source_info.database_bytes / 1e6:,.1f} MB (about {needed / 1e6:,.1f} MB needed with 10% "
            "for what the load adds): the load would fail when the disk is full",
            remedy="give the target more storage, or free space on it, before the migration",
        )
    ]
