"""The target database: it must be empty (objects of extensions do not count), or the load would mix the source's
objects with what is there."""

from __future__ import annotations

from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import catalog

CHECK = "target"


@check(CHECK, "empty target database")
def empty(pre: Preflight) -> list[Finding]:
    """Any user object in the target database blocks the run (the first ten are named)."""
    objects = catalog.user_objects(pre.tgt)
    if not objects:
        return []
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"{pre.target.label} is not empty",
            f"it holds {', '.join(objects[:10])}{' and more' if len(objects) > 10 else ''}",
            remedy="migrate into an empty database (drop and recreate it, or set target_database)",
        )
    ]
