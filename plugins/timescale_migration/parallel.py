"""The `parallel` format: the rows of the large tables through several pg_dump | psql pipelines at once.

1. A source session opens a REPEATABLE READ transaction and exports its snapshot; every pg_dump reads from it.
2. skeleton: `pg_dump -Fc` of everything but the large tables' rows (schema, TimescaleDB catalog, small tables,
   sequences, large objects) into the run directory; `pg_restore --section=pre-data`.
3. The skeleton's rows: TimescaleDB's catalog alone and first, then the rest.
4. The large tables, split into `jobs` groups of about equal bytes: one `pg_dump --data-only -t ... | psql`
   pipeline per group, all at once (no dump file; no data passes through Python).
5. `pg_restore --section=post-data -j jobs`: indexes, constraints, triggers, in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timescale_migration import catalog, sql, workdir
from timescale_migration.clienttools import (
    ClientTools,
    dump_pattern,
    pg_dump_rows_argv,
    pg_dump_skeleton_argv,
    pg_restore_argv,
    psql_load_argv,
)
from timescale_migration.constants import BULK_MAX_TABLES, BULK_MIN_BYTES, SKELETON_FILE, TIMESCALEDB_CATALOG
from timescale_migration.endpoints import Endpoint
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.runner import ToolRunner


@dataclass
class Group:
    """Tables one pipeline copies, and their bytes."""

    tables: list[str] = field(default_factory=list)
    bytes: int = 0


def split(tables: list[tuple[str, int]], jobs: int) -> list[Group]:
    """Largest first into the group with the fewest bytes so far; empty groups dropped."""
    groups = [Group() for _ in range(max(1, jobs))]
    for pattern, size in sorted(tables, key=lambda item: -item[1]):
        smallest = min(groups, key=lambda group: group.bytes)
        smallest.tables.append(pattern)
        smallest.bytes += size
    return [group for group in groups if group.tables]


@contextmanager
def exported_snapshot(source: Endpoint) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """(snapshot id, [(pattern, bytes)] of the large tables), held open until the block ends."""
    with source.connect() as conn:
        conn.execute(sql.query("begin_repeatable_read"))
        snapshot = catalog.rows(conn, "export_snapshot")[0]["snapshot"]
        rows = catalog.rows(conn, "bulk_data_tables", {"min_bytes": BULK_MIN_BYTES, "max_tables": BULK_MAX_TABLES})
        try:
            yield snapshot, [(dump_pattern(r["schema_name"], r["table_name"]), int(r["bytes"])) for r in rows]
        finally:
            conn.execute("ROLLBACK")


class ParallelCopy:
    """Runs the five steps; every tool it starts is killed by kill()."""

    def __init__(self, tools: ClientTools, source: Endpoint, target: Endpoint, run_dir: Path, jobs: int,
                 timescaledb: bool, log: Any) -> None:
        self.tools, self.source, self.target, self.jobs = tools, source, target, jobs
        self.skeleton = run_dir / SKELETON_FILE
        self.timescaledb, self.log = timescaledb, log
        self.runners: list[ToolRunner] = []
        self._lock = threading.Lock()
        self.stats: dict[str, int] = {}

    def _runner(self) -> ToolRunner:
        runner = ToolRunner(self.log)
        with self._lock:
            self.runners.append(runner)
        return runner

    def kill(self) -> None:
        """Kill every running tool of this copy."""
        with self._lock:
            runners = list(self.runners)
        for runner in runners:
            runner.kill()

    def run(self, progress: Callable[[], str | None] | None) -> float:
        """The whole copy; seconds taken."""
        env = self.target.libpq_env()
        seconds = 0.0
        with exported_snapshot(self.source) as (snapshot, bulk):
            groups = split(bulk, self.jobs)
            self.stats = {"bulk_tables": len(bulk), "pipelines": len(groups), "bulk_bytes": sum(b for _, b in bulk)}
            self.log.info("parallel copy from snapshot %s: %d large table(s) in %d pipeline(s) (%s)", snapshot,
                          len(bulk), len(groups), ", ".join(f"{len(g.tables)} tables {g.bytes / 1e6:,.0f} MB"
                                                            for g in groups) or "none")
            workdir.private_file(self.skeleton)  # pg_dump writes into it: private like every dump
            seconds += self._runner().run(
                pg_dump_skeleton_argv(self.tools, str(self.skeleton), snapshot, [p for p, _ in bulk]),
                self.source.libpq_env())
            restore = self._restore_argv
            seconds += self._runner().run(restore(section="pre-data"), env)
            if self.timescaledb:
                seconds += self._runner().run(restore(section="data", schema=TIMESCALEDB_CATALOG), env)
            seconds += self._runner().run(
                restore(section="data", exclude_schema=TIMESCALEDB_CATALOG if self.timescaledb else None,
                        jobs=self.jobs), env)
            seconds += self._pipelines(snapshot, groups, env, progress)
        seconds += self._runner().run(restore(section="post-data", jobs=self.jobs), env)
        return seconds

    def _restore_argv(self, *, section: str, jobs: int = 1, schema: str | None = None,
                      exclude_schema: str | None = None) -> list[str]:
        return pg_restore_argv(self.tools, self.target.database, str(self.skeleton), jobs=jobs, schema=schema,
                               exclude_schema=exclude_schema, section=section)

    def _pipelines(self, snapshot: str, groups: list[Group], env: dict[str, str],
                   progress: Callable[[], str | None] | None) -> float:
        """All groups at once, each pg_dump | psql; the first failure fails the copy after the others are killed."""
        errors: list[BaseException] = []
        elapsed: list[float] = []

        def copy(index: int, group: Group) -> None:
            try:
                elapsed.append(self._runner().run_pipeline(
                    pg_dump_rows_argv(self.tools, snapshot, group.tables), self.source.libpq_env(),
                    psql_load_argv(self.tools, []), env, progress=progress if index == 0 else None))
            except BaseException as err:
                errors.append(err)
                self.kill()

        threads = [threading.Thread(target=copy, args=(i, g), name=f"copy-{i}") for i, g in enumerate(groups)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            first = errors[0]
            raise first if isinstance(first, ClientToolFailed) else ClientToolFailed(str(first))
        return max(elapsed, default=0.0)
