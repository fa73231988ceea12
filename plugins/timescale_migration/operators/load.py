"""load: roles and data into the target, stopping at the first error, the way the run's dump_format loads
(copy/: plain, directory, stream, parallel).

While the tools load the target, a thread takes the source's side of verification (checksums and inventory)
and keeps it in the run's work directory: applications are offline, the source does not change, and verify is
left with the target's side only, whatever executor runs the tasks.
"""

from __future__ import annotations

import socket
from typing import Any

import psycopg
from airflow.sdk import Context

from timescale_migration.constants import ROLES_FILE, SOURCE_FINGERPRINT_FILE
from timescale_migration.copy import loadclaim, schemadiff
from timescale_migration.copy.base import CopyJob
from timescale_migration.copy.formats import copy_format
from timescale_migration.db.roles import mask_password_hashes
from timescale_migration.exceptions import ClientToolFailed, MigrationError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.verify.source_side import SourceSide


class LoadOperator(MigrationOperator):
    """Load roles and data into a target this run claimed; a retry after a lost connection (or a killed worker)
    empties what the failed attempt left and loads again; a target holding anything else is refused."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        plan = self.plan(context)
        source, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        roles = run_dir / ROLES_FILE
        job = CopyJob(plan, source, target, run_dir, opts.jobs, self.runner, self.log, opts.hypertables)
        job.staged = schemadiff.take(run_dir, self.run_key(context))
        fmt = copy_format(opts.dump_format, job)
        needed = fmt.files_to_load() + ([roles] if opts.roles else [])
        if missing := [str(path) for path in needed if not path.exists()]:
            raise MigrationError(
                f"{' and '.join(missing)} not found on worker {socket.gethostname()}: dump_roles, dump_data and "
                "load must see the same work_dir (shared storage, or one worker queue for the run's file tasks); "
                "clear dump_roles and dump_data to dump again"
            )
        if roles.is_file():  # psql echoes a failing statement, the server quotes it: mask the hashes first
            mask_password_hashes(roles.read_text(encoding="utf-8"))
        self.stop_on_kill(fmt.kill)
        beside = SourceSide(source, plan, opts.jobs, run_dir / SOURCE_FINGERPRINT_FILE, self.log)
        beside.start()
        try:
            with loadclaim.claimed(target, self.run_key(context), self.log, staged=job.staged is not None) as kept:
                if job.staged is not None and not kept:
                    self.log.warning("the schema staged before the gate is not in %s: restoring it all", target.label)
                    job.staged = None
                try:
                    seconds = fmt.load(roles)
                except ClientToolFailed as err:
                    raise ClientToolFailed(f"loading into {target.label} failed: {err}") from err
        except psycopg.OperationalError as err:
            raise ClientToolFailed(f"loading into {target.label} failed: the target went away: {err}") from err
        finally:
            beside.finish()
        return {
            "format": opts.dump_format.value,
            "staged_schema": job.staged is not None,
            "seconds": round(seconds, 1),
            "source_side_seconds": beside.seconds,
            **fmt.stats,
        }
