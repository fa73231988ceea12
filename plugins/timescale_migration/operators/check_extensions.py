"""check_extensions: every extension of the source database is available on the target, at a version no older than
the source's, and creatable by the target's login (checks/extensions.py).

It refuses nothing itself: its findings go to check_versions, which runs whatever happens here and refuses the
run once, naming every blocking finding of both tasks."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.checks import preflight, registry
from timescale_migration.checks.findings import blocking
from timescale_migration.operators.base import MigrationOperator


class CheckExtensionsOperator(MigrationOperator):
    """Run the extension checks; return the source's extensions and the findings (blocking ones included)."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        with preflight.opened(opts, source, target, self.run_dir(context), self.log) as pre:
            found = preflight.run(registry.EXTENSION_CHECKS, pre)
            installed = pre.source_extensions
        stop = blocking(found)
        if stop:
            self.log.error(
                "%d blocking finding(s): %s refuses the run, naming them with its own", len(stop), "check_versions"
            )
        else:
            self.log.info("all %d source extensions are available on the target", len(installed))
        return {"source_extensions": installed, "findings": [f.to_dict() for f in found]}
