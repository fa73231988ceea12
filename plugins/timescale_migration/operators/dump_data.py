"""Phase 5: pg_dump of the source database into the run's private work directory."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.clienttools import pg_dump_plain_argv
from timescale_migration.constants import DUMP_FILE
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators.base import MigrationOperator


def size_progress(path: Path, expected_bytes: int) -> Callable[[], str]:
    """A progress reporter: bytes written so far against the source database's size."""
    started = time.monotonic()

    def report() -> str:
        done = path.stat().st_size if path.exists() else 0
        rate = done / max(time.monotonic() - started, 1e-6)
        share = ""
        if expected_bytes:
            share = f" of ~{expected_bytes / 1e6:,.0f} MB on disk ({100 * done / expected_bytes:.0f}%)"
        return f"{done / 1e6:,.1f} MB written{share}, {rate / 1e6:,.1f} MB/s"

    return report


class DumpDataOperator(MigrationOperator):
    """pg_dump with the guide's flags; a retry replaces whatever a failed attempt left."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        plan = self.plan(context)
        source, _ = self.endpoints(context)
        out = self.run_dir(context) / DUMP_FILE
        partial = out.with_suffix(".partial")
        workdir.remove(out)
        workdir.private_file(partial)
        argv = pg_dump_plain_argv(plan.client_tools, str(partial))
        try:
            seconds = self.runner.run(argv, source.libpq_env(),
                                      progress=size_progress(partial, plan.source["database_bytes"]))
        except ClientToolFailed as err:
            workdir.remove(partial)
            raise ClientToolFailed(f"dumping {source.label} failed: {err}") from err
        partial.replace(out)
        size = out.stat().st_size
        self.log.info("dump written: %s (%.1f MB in %.1fs)", out, size / 1e6, seconds)
        return {"dump_file": str(out), "bytes": size, "seconds": round(seconds, 1)}
