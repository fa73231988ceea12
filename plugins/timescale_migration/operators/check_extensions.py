"""check_extensions: every extension installed in the source database must be installable on the target."""

from __future__ import annotations

from typing import Any

from timescale_migration.db import catalog
from timescale_migration.exceptions import ExtensionCheckError
from timescale_migration.operators.base import MigrationOperator


def missing_extensions(installed: dict[str, dict[str, str]], available: dict[str, Any]) -> list[str]:
    """Source extensions the target cannot install, as "name version"."""
    return [f"{name} {info['version']}" for name, info in sorted(installed.items()) if name not in available]


class CheckExtensionsOperator(MigrationOperator):
    """Compare the source's installed extensions with the target's available ones; fail naming each missing one."""

    def execute(self, context: Any) -> dict[str, Any]:
        source, target = self.endpoints(context)
        with source.connect() as conn:
            installed = catalog.installed_extensions(conn)
        with target.connect() as conn:
            available = catalog.available_extensions(conn)
        self.log.info("source extensions: %s", ", ".join(f"{n} {i['version']}" for n, i in installed.items()))
        missing = missing_extensions(installed, available)
        if missing:
            raise ExtensionCheckError(
                f"{len(missing)} extension(s) installed in {source.label} are not available on {target.label}: "
                f"{', '.join(missing)}. Drop them from the source database or choose a target that offers them; "
                "nothing was changed."
            )
        self.log.info("all %d source extensions are available on the target", len(installed))
        return {"source_extensions": installed}
