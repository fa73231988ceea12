"""What every dump_format implements: what dump_data writes, how load loads it, what it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from timescale_migration import workdir
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.constants import DumpFormat
from timescale_migration.copy.hypertables import Conversion
from timescale_migration.copy.schemadiff import Manifest
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.options import HypertableSpec
from timescale_migration.tools.clienttools import psql_load_argv
from timescale_migration.tools.progress import written_progress
from timescale_migration.tools.runner import ToolRunner


@dataclass
class CopyJob:
    """One run's copy: what the checks found, both sides, the run's work directory, the parallelism."""

    plan: MigrationPlan
    source: Endpoint
    target: Endpoint
    run_dir: Path
    jobs: int
    runner: ToolRunner
    log: Any
    hypertables: tuple[HypertableSpec, ...] = ()
    staged: Manifest | None = None
    """What stage_schema put in the target before the gate (`parallel` only; copy/staging.py)."""

    def conversion(self) -> Conversion | None:
        """The tables to load as hypertables (copy/hypertables.py), None when there is none."""
        if not self.hypertables:
            return None
        return Conversion(self.hypertables, self.plan.client_tools, self.source, self.target, self.run_dir, self.log)


class CopyFormat:
    """One dump_format. dump() is dump_data's work, load() the load's (inside the target's claim), `stats` what
    the load reports beside its seconds; kill() stops what runner.kill() does not reach."""

    format: ClassVar[DumpFormat]

    def __init__(self, job: CopyJob) -> None:
        self.job = job
        self.stats: dict[str, int] = {}

    @property
    def dump_path(self) -> Path:
        """Where dump_data writes (and load reads) this format's dump."""
        return self.job.run_dir / self.format.dump_name

    def files_to_load(self) -> list[Path]:
        """The files load needs from dump_data on this worker."""
        return [self.dump_path]

    def dump(self) -> dict[str, Any]:
        """dump_data's work and result (plain strings only: it is the task's XCom)."""
        raise NotImplementedError

    def load(self, roles: Path) -> float:
        """Load roles.sql (when there) and the data into the claimed target; seconds the tools took."""
        raise NotImplementedError

    def kill(self) -> None:
        """Stop the tools this format started beside the job's runner (nothing by default)."""

    def load_roles(self, roles: Path) -> float:
        """`psql -f roles.sql` when dump_roles wrote one; seconds taken."""
        if not roles.is_file():
            return 0.0
        job = self.job
        return job.runner.run(psql_load_argv(job.plan.client_tools, [str(roles)]), job.target.libpq_env())

    def dump_into_file(self, argv_for: Callable[[str], list[str]], *, private_file: bool) -> dict[str, Any]:
        """Run pg_dump (argv_for(path)) into `<dump>.partial`, then rename it: a retry replaces what a failed
        attempt left, and load never sees half a dump."""
        out, job = self.dump_path, self.job
        partial = out.with_name(out.name + ".partial")
        workdir.remove(out)
        workdir.remove(partial)
        if private_file:
            workdir.private_file(partial)
        try:
            seconds = job.runner.run(
                argv_for(str(partial)),
                job.source.libpq_env(),
                progress=written_progress(partial, job.plan.source.get("table_bytes", 0)),
            )
        except ClientToolFailed as err:
            workdir.remove(partial)
            raise ClientToolFailed(f"dumping {job.source.label} failed: {err}") from err
        partial.replace(out)
        size = workdir.size_of(out)
        job.log.info("dump written: %s (%.1f MB in %.1fs)", out, size / 1e6, seconds)
        return {"format": self.format.value, "dump_file": str(out), "bytes": size, "seconds": round(seconds, 1)}


class StreamedFormat(CopyFormat):
    """A format whose load reads the source itself: dump_data writes nothing."""

    def files_to_load(self) -> list[Path]:
        return []

    def dump(self) -> dict[str, Any]:
        self.job.log.info("dump_format=%s: no dump file; load reads the source itself", self.format)
        return {"format": self.format.value, "dump_file": None, "bytes": 0, "seconds": 0.0}
