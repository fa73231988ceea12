"""Beside the load: the source's side of verification, taken while the target is being loaded.

Applications are offline from stop_apps on, so the source does not change; computing its checksums and
inventory now leaves only the target's side for `verify` after the load.
"""

from __future__ import annotations

import json
import time
from typing import Any

from timescale_migration import fingerprint, inventory, workdir
from timescale_migration.constants import SOURCE_FINGERPRINT_FILE
from timescale_migration.endpoints import Endpoint
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.plan import MigrationPlan


def take_source_side(source: Endpoint, plan: MigrationPlan, jobs: int, log: Any) -> dict[str, Any]:
    """Fingerprint and inventory of the source, with the seconds they took."""
    started = time.monotonic()
    utf8 = plan.source["encoding"] != plan.target["encoding"]
    data = fingerprint.take(source.connect, jobs=jobs, utf8=utf8, log=log)
    with source.connect() as conn:
        inv = inventory.take(conn)
    return {"fingerprint": data.to_dict(), "inventory": inv, "seconds": round(time.monotonic() - started, 2)}


class FingerprintSourceOperator(MigrationOperator):
    """Checksums and inventory of the source into the run's work directory (source_fingerprint.json)."""

    default_retries = 2

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, _ = self.endpoints(context)
        side = take_source_side(source, self.plan(context), opts.jobs, self.log)
        path = self.run_dir(context) / SOURCE_FINGERPRINT_FILE
        partial = workdir.private_file(path.with_suffix(".partial"))
        partial.write_text(json.dumps(side), encoding="utf-8")
        partial.replace(path)
        self.log.info("source side of verification written to %s in %.1fs", path, side["seconds"])
        return {"file": str(path), "seconds": side["seconds"]}
