"""Phase 7: psql loads roles.sql then the dump into the target, stopping at the first error."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import catalog
from timescale_migration.clienttools import psql_load_argv
from timescale_migration.constants import DUMP_FILE, ROLES_FILE
from timescale_migration.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed, MigrationError, TargetNotEmptyError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.plan import MigrationPlan
from timescale_migration.runner import ToolRunner


def read_position(pid: int, path: Path) -> int | None:
    """How far process `pid` has read into `path` (from /proc/<pid>/fdinfo), None if it has no such file open."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in os.listdir(fd_dir):
            if os.readlink(fd_dir / fd) == str(path):
                for line in (Path(f"/proc/{pid}/fdinfo") / fd).read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1])
    except OSError:
        return None
    return None


def read_progress(runner: ToolRunner, path: Path) -> Callable[[], str | None]:
    """A progress reporter: how much of the dump psql has read, the rate and the time left."""
    total = path.stat().st_size
    started = time.monotonic()

    def report() -> str | None:
        pid = runner.pid
        pos = read_position(pid, path) if pid else None
        if pos is None:
            return None
        elapsed = time.monotonic() - started
        rate = pos / max(elapsed, 1e-6)
        left = f", about {(total - pos) / rate:,.0f}s left" if rate > 0 else ""
        return f"{pos / 1e6:,.1f} of {total / 1e6:,.1f} MB of {path.name} read ({100 * pos / max(total, 1):.0f}%){left}"

    return report


class LoadOperator(MigrationOperator):
    """Load roles and data; refuses to load into a target that already holds objects (a failed earlier attempt)."""

    def execute(self, context: Any) -> dict[str, Any]:
        plan = self.plan(context)
        _, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        dump = run_dir / DUMP_FILE
        roles = run_dir / ROLES_FILE
        if not dump.is_file():
            raise MigrationError(
                f"the dump {dump} is not on this worker: dump_data and load must see the same work_dir "
                "(shared storage or one worker); clear dump_data to dump again"
            )
        try:
            seconds, files = self._load(target, plan, dump, roles)
        except psycopg.OperationalError as err:
            raise ClientToolFailed(f"loading into {target.label} failed: the target went away: {err}") from err
        return {"seconds": round(seconds, 1), "files": [Path(f).name for f in files]}

    def _load(self, target: Endpoint, plan: MigrationPlan, dump: Path, roles: Path) -> tuple[float, list[str]]:
        """Take the target's load lock, check it is empty, run psql; the lock goes with the session."""
        with target.connect() as lock:  # held until psql is done: one load per target database at a time
            if not catalog.rows(lock, "advisory_lock_target")[0]["locked"]:
                holder = catalog.rows(lock, "lock_holder")
                raise MigrationError(
                    f"another migration is loading into {target.label} right now"
                    + (f" (session pid {holder[0]['pid']} of {holder[0]['user_name']})" if holder else "")
                    + ": wait for it to finish; this run cannot load into the same database"
                )
            present = catalog.user_objects(lock)
            if present:
                raise TargetNotEmptyError(
                    f"{target.label} already holds {', '.join(present[:10])}: an earlier load attempt left them. "
                    "Loading again would duplicate or fail; drop and recreate the target database, then clear the "
                    "check_versions task to run the migration again"
                )
            files = ([str(roles)] if roles.is_file() else []) + [str(dump)]
            argv = psql_load_argv(plan.client_tools, files)
            try:
                seconds = self.runner.run(argv, target.libpq_env(), progress=read_progress(self.runner, dump))
            except ClientToolFailed as err:
                raise ClientToolFailed(f"loading into {target.label} failed: {err}") from err
        return seconds, files
