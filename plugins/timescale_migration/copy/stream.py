"""`stream`: `pg_dump | psql`, with no file in between; roles with psql first."""

from __future__ import annotations

from pathlib import Path

from timescale_migration.constants import DumpFormat
from timescale_migration.copy import dumpfilter
from timescale_migration.copy.base import StreamedFormat
from timescale_migration.copy.progress import copy_progress
from timescale_migration.tools.clienttools import pg_dump_plain_argv, psql_load_argv


class StreamFormat(StreamedFormat):
    """The plain dump piped straight into psql."""

    format = DumpFormat.STREAM

    def load(self, roles: Path) -> float:
        job = self.job
        tools = job.plan.client_tools
        seconds = self.load_roles(roles)
        progress = copy_progress(job.target, job.plan.source.get("table_bytes", 0))
        dump = pg_dump_plain_argv(tools, None)
        if options := job.plan.stripped_column_options:  # through sed (copy/dumpfilter.py)
            dump = dumpfilter.filtered(dump, options)
        return seconds + job.runner.run_pipeline(
            dump, job.source.libpq_env(), psql_load_argv(tools, []), job.target.libpq_env(), progress=progress
        )
