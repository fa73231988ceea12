"""The source's side of verification: its fingerprint (data) and inventory (structure), taken while
applications are offline, so that it stays valid for the whole downtime window."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from timescale_migration import workdir
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


class SourceSide:
    """The source's side of verification, taken in a thread while the load runs (once per run: a retried load
    finds it kept). Best effort: verify takes it itself if this fails."""

    def __init__(self, source: Endpoint, plan: MigrationPlan, jobs: int, path: Path, log: Any) -> None:
        self.source, self.plan, self.jobs, self.path, self.log = source, plan, jobs, path, log
        self.thread: threading.Thread | None = None
        self.seconds: float | None = None

    def start(self) -> None:
        """Begin, unless a kept one exists."""
        if self.path.is_file():
            self.log.info("the source's side of verification is already in %s", self.path)
            return
        self.thread = threading.Thread(target=self._take, name="source-side", daemon=True)
        self.thread.start()

    def _take(self) -> None:
        try:
            side = take_source_side(self.source, self.plan, self.jobs, self.log)
        except Exception as err:  # verify computes it later; never fail the load for it
            self.log.warning(
                "the source's side of verification failed beside the load (%s); verify will take it", err, exc_info=True
            )
            return
        workdir.write_json(self.path, side)
        self.seconds = side["seconds"]
        self.log.info("source side of verification taken beside the load in %.1fs: %s", side["seconds"], self.path)

    def finish(self) -> None:
        """Wait for the thread (the load is done or failed; the source side stays valid either way)."""
        if self.thread is not None:
            self.thread.join()
