"""dump_data: pg_dump of the source database into the run's private work directory.

`plain` writes the guide's dump.sql; `directory` writes dump.dir with `jobs` parallel, uncompressed; `stream`
and `parallel` write nothing here (load pipes pg_dump straight into psql).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.constants import DumpFormat
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.tools.clienttools import pg_dump_directory_argv, pg_dump_plain_argv


def size_of(path: Path) -> int:
    """Bytes in a file, or in all files of a directory."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def size_progress(path: Path, expected_bytes: int) -> Callable[[], str]:
    """A progress reporter: bytes written so far against the source's table data, with the time left."""
    started = time.monotonic()

    def report() -> str:
        done = size_of(path)
        rate = done / max(time.monotonic() - started, 1e-6)
        share = ""
        if expected_bytes:
            left = f", about {(expected_bytes - done) / rate:,.0f}s left" if rate > 0 and done < expected_bytes else ""
            share = f" of ~{expected_bytes / 1e6:,.0f} MB ({100 * done / expected_bytes:.0f}%){left}"
        return f"{done / 1e6:,.1f} MB written{share}, {rate / 1e6:,.1f} MB/s"

    return report


class DumpDataOperator(MigrationOperator):
    """pg_dump with the guide's flags; a retry replaces whatever a failed attempt left."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        if opts.dump_format.streamed:
            self.log.info("dump_format=%s: no dump file; load pipes pg_dump into psql", opts.dump_format)
            return {"format": opts.dump_format.value, "dump_file": None, "bytes": 0, "seconds": 0.0}
        plan = self.plan(context)
        source, _ = self.endpoints(context)
        directory = opts.dump_format is DumpFormat.DIRECTORY
        out = self.run_dir(context) / opts.dump_format.dump_name
        partial = out.with_name(out.name + ".partial")
        workdir.remove(out)
        workdir.remove(partial)
        if directory:
            argv = pg_dump_directory_argv(plan.client_tools, str(partial), opts.jobs)
        else:
            workdir.private_file(partial)
            argv = pg_dump_plain_argv(plan.client_tools, str(partial))
        try:
            seconds = self.runner.run(argv, source.libpq_env(),
                                      progress=size_progress(partial, plan.source.get("table_bytes", 0)))
        except ClientToolFailed as err:
            workdir.remove(partial)
            raise ClientToolFailed(f"dumping {source.label} failed: {err}") from err
        partial.replace(out)
        size = size_of(out)
        self.log.info("dump written: %s (%.1f MB in %.1fs)", out, size / 1e6, seconds)
        return {"format": opts.dump_format.value, "dump_file": str(out), "bytes": size, "seconds": round(seconds, 1)}
