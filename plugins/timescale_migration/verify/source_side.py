"""The source's side of verification: its fingerprint (data) and inventory (structure), taken while
applications are offline, so that it stays valid for the whole downtime window."""

from __future__ import annotations

import time
from typing import Any

from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.verify import fingerprint, inventory


def take_source_side(source: Endpoint, plan: MigrationPlan, jobs: int, log: Any) -> dict[str, Any]:
    """Fingerprint and inventory of the source, with the seconds they took."""
    started = time.monotonic()
    utf8 = plan.source["encoding"] != plan.target["encoding"]
    data = fingerprint.take(source.connect, jobs=jobs, utf8=utf8, log=log)
    with source.connect() as conn:
        inv = inventory.take(conn)
    return {"fingerprint": data.to_dict(), "inventory": inv, "seconds": round(time.monotonic() - started, 2)}
