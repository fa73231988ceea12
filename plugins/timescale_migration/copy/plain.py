"""`plain`: the guide's commands. pg_dump writes dump.sql; load runs `psql -f roles.sql -f dump.sql`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timescale_migration.constants import DumpFormat
from timescale_migration.copy.base import CopyFormat
from timescale_migration.tools.clienttools import pg_dump_plain_argv, psql_load_argv
from timescale_migration.tools.progress import file_read_progress


class PlainFormat(CopyFormat):
    """One SQL file, loaded by one psql with ON_ERROR_STOP."""

    format = DumpFormat.PLAIN

    def dump(self) -> dict[str, Any]:
        return self.dump_into_file(lambda path: pg_dump_plain_argv(self.job.plan.client_tools, path),
                                   private_file=True)

    def load(self, roles: Path) -> float:
        files = ([str(roles)] if roles.is_file() else []) + [str(self.dump_path)]
        runner = self.job.runner
        return runner.run(psql_load_argv(self.job.plan.client_tools, files), self.job.target.libpq_env(),
                          progress=file_read_progress(runner, self.dump_path))
