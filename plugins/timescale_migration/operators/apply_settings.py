"""apply_settings: the source database's session defaults and comment, applied to the loaded target before verify.

`ALTER DATABASE ... SET` and `ALTER ROLE ... IN DATABASE ... SET` of the source (what pg_dump of one database and
pg_dumpall --roles-only leave out) and `COMMENT ON DATABASE`; what the check before the gate found the target
refuses is skipped (it was shown at the gate). The source is only read.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration.checks import findings
from timescale_migration.db import dbsettings
from timescale_migration.operators.base import MigrationOperator


class ApplySettingsOperator(MigrationOperator):
    """Set the source's database and role-in-database settings and its comment on the target (idempotent)."""

    def execute(self, context: Context) -> dict[str, Any]:
        source, target = self.endpoints(context)
        found = findings.collect(context["ti"])
        skip = {f.expected[1] for f in found if f.expected and f.expected[0] == dbsettings.SECTION}
        with source.connect() as conn:
            settings = dbsettings.read(conn)
        with target.connect() as conn:
            done = dbsettings.apply(conn, target.database, settings, skip)
        for line in done:
            self.log.info("set on %s: %s", target.label, line)
        for f in found:
            if f.expected and f.expected[0] == dbsettings.SECTION:
                self.log.warning("not set (shown at the stop_apps gate): %s", f.describe())
        if not done:
            self.log.info("the source database stores no session defaults and no comment to apply")
        return {"applied": done, "skipped": sorted(skip)}
