"""`plain`: the guide's commands. pg_dump writes dump.sql; load runs `psql -f roles.sql -f dump.sql`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timescale_migration.constants import DumpFormat
from timescale_migration.copy import dumpfilter
from timescale_migration.copy.base import CopyFormat
from timescale_migration.tools.clienttools import pg_dump_plain_argv, psql_load_argv
from timescale_migration.tools.progress import file_read_progress


class PlainFormat(CopyFormat):
    """One SQL file, loaded by one psql with ON_ERROR_STOP."""

    format = DumpFormat.PLAIN

    def dump(self) -> dict[str, Any]:
        return self.dump_into_file(lambda path: pg_dump_plain_argv(self.job.plan.client_tools, path), private_file=True)

    def load(self, roles: Path) -> float:
        roles_file = [str(roles)] if roles.is_file() else []
        runner, tools, env = self.job.runner, self.job.plan.client_tools, self.job.target.libpq_env()
        if options := self.job.plan.stripped_column_options:  # the dump read through sed (copy/dumpfilter.py)
            return runner.run_pipeline(
                dumpfilter.sed_file_argv(options, str(self.dump_path)),
                env,
                psql_load_argv(tools, [*roles_file, "-"]),
                env,
            )
        return runner.run(
            psql_load_argv(tools, [*roles_file, str(self.dump_path)]),
            env,
            progress=file_read_progress(runner, self.dump_path),
        )
