"""Teardown of dump_roles: roles.sql holds the roles' password hashes, so it goes as soon as the run ends, in any
state (a failed run keeps its dump for investigation, never the hashes), unless the run set keep_dump."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration import workdir
from timescale_migration.constants import SECRET_FILES
from timescale_migration.operators.base import MigrationOperator


class RemoveSecretsOperator(MigrationOperator):
    """Remove roles.sql (and its partial or raw forms) from the run's work directory unless keep_dump."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        run_dir = self.run_dir(context, create=False)
        present = [run_dir / name for name in SECRET_FILES if (run_dir / name).exists()]
        if opts.keep_dump:
            self.log.info("keep_dump=true: kept %s", ", ".join(map(str, present)) or "nothing (none was written)")
            return {"removed": [], "kept": [str(p) for p in present]}
        for path in present:
            workdir.remove(path)
        self.log.info("files holding password hashes removed: %s", ", ".join(map(str, present)) or "none left")
        return {"removed": [str(p) for p in present], "kept": []}
