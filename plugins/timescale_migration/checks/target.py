"""The target database: it must be empty (objects of extensions do not count), or the load would mix the source's
objects with what is there."""

from __future__ import annotations

from timescale_migration import workdir
from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import STAGED_SCHEMA_MANIFEST
from timescale_migration.db import catalog, databases

CHECK = "target"


@check(CHECK, "empty target database")
def empty(pre: Preflight) -> list[Finding]:
    """Any user object in the target database blocks the run (the first ten are named)."""
    objects = catalog.user_objects(pre.tgt)
    if not objects or _staged_by_this_run(pre):
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


def _staged_by_this_run(pre: Preflight) -> bool:
    """The objects are the schema this run's stage_schema staged (the checks run again after it): it stages them
    again."""
    manifest = workdir.read_json(pre.run_dir / STAGED_SCHEMA_MANIFEST)
    if not manifest or databases.load_claims(pre.tgt) != [manifest.get("run")]:
        return False
    pre.log.info("%s holds the schema this run staged; stage_schema empties it and stages it again", pre.target.label)
    return True
