"""`directory`: pg_dump writes dump.dir with `jobs` in parallel; pg_restore loads it with `jobs` in parallel.

For a TimescaleDB source the definitions come first, then `_timescaledb_catalog`'s rows alone and serially, then
everything else in parallel (the guide's troubleshooting for timescaledb issues 698 and 1584).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timescale_migration.constants import TIMESCALEDB_CATALOG, DumpFormat
from timescale_migration.copy import dumpfilter, rowsecurity
from timescale_migration.copy.base import CopyFormat
from timescale_migration.copy.hypertables import Conversion
from timescale_migration.copy.progress import copy_progress
from timescale_migration.tools.clienttools import pg_dump_directory_argv, pg_restore_argv


class DirectoryFormat(CopyFormat):
    """A directory-format dump, uncompressed, restored in parallel."""

    format = DumpFormat.DIRECTORY

    def dump(self) -> dict[str, Any]:
        tools, jobs = self.job.plan.client_tools, self.job.jobs
        return self.dump_into_file(lambda path: pg_dump_directory_argv(tools, path, jobs), private_file=False)

    def load(self, roles: Path) -> float:
        job = self.job
        seconds = self.load_roles(roles)
        progress = copy_progress(job.target, job.plan.source.get("table_bytes", 0))
        if job.plan.timescaledb is not None:
            return seconds + self._restore_timescaledb(progress)
        if (conversion := job.conversion()) is not None:
            return seconds + self._restore_converting(conversion, progress)
        seconds += self._pre_data()  # partitions as partitions, options left out (copy/dumpfilter.py), then the rest
        rest = pg_restore_argv(
            job.plan.client_tools,
            job.target.database,
            str(self.dump_path),
            jobs=job.jobs,
            section=("data", "post-data"),
        )
        return seconds + rowsecurity.restore_last(
            job.runner.run, job.plan.client_tools, rest, job.target.libpq_env(), job.run_dir, progress=progress
        )

    def _pre_data(self) -> float:
        """The pre-data section: partitions created as partitions, through sed where the plan names column options to
        leave out (copy/dumpfilter.py)."""
        job = self.job
        return dumpfilter.restore_pre_data(
            job.runner,
            job.plan.client_tools,
            job.target.database,
            str(self.dump_path),
            job.target.libpq_env(),
            job.plan.stripped_column_options,
        )

    def _restore_converting(self, conversion: Conversion, progress: Any) -> float:
        """The definitions, then the tables to load as hypertables converted while empty, then the rows with
        `jobs` in parallel, then the post-data section around the hypertables."""
        job = self.job
        tools, database, dump = job.plan.client_tools, job.target.database, str(self.dump_path)
        env = job.target.libpq_env()
        seconds = self._pre_data()
        seconds += conversion.convert()
        seconds += job.runner.run(
            pg_restore_argv(tools, database, dump, jobs=job.jobs, section="data"), env, progress=progress
        )
        return seconds + conversion.post_data(job.runner.run, self.dump_path, job.jobs)

    def _restore_timescaledb(self, progress: Any) -> float:
        """Every definition first, then TimescaleDB's catalog rows alone and serially (some name tables, roles
        and types: compression_settings' regclass columns, bgw_job's owner), then the rest in parallel."""
        job = self.job
        tools, database, dump = job.plan.client_tools, job.target.database, str(self.dump_path)
        env = job.target.libpq_env()
        job.log.info(
            "restoring the definitions, then %s's rows alone and serially, then the rest with %d jobs",
            TIMESCALEDB_CATALOG,
            job.jobs,
        )
        seconds = self._pre_data()
        seconds += job.runner.run(
            pg_restore_argv(tools, database, dump, section="data", schema=TIMESCALEDB_CATALOG), env
        )
        rest = pg_restore_argv(
            tools, database, dump, jobs=job.jobs, exclude_schema=TIMESCALEDB_CATALOG, section=("data", "post-data")
        )
        return seconds + rowsecurity.restore_last(job.runner.run, tools, rest, env, job.run_dir, progress=progress)
