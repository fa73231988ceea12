"""TimescaleDB's community features around a migration: which build each side runs, which features the source
uses, batches a 2.19 target cannot load, and the user jobs the run pauses on the source (the dump carries the
pause) and schedules again on a verified target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import workdir
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.exceptions import VersionCheckError

APACHE = "apache"
"""timescaledb.license of a build without the community features (Debian's): no policies, custom jobs,
compression or continuous aggregates."""

ALL_NULL_BATCH_ISSUE = "timescaledb#8893"
ALL_NULL_BATCH_FIXED = "2.20.1"
PAUSE_RECORD = "paused_jobs.json"
JOBS_SECTION = "timescaledb jobs"
JOBS_BEFORE_PAUSE = "timescaledb jobs as before the pause"
"""The verify sections where jobs are compared: as the dump carried them, and as the source had them before the
run paused them (after verify scheduled them again on the target)."""


@dataclass(frozen=True)
class Features:
    """The build of one side (its license) and what its database uses of the community features."""

    license: str | None
    user_jobs: int = 0
    compressed_chunks: int = 0
    continuous_aggregates: int = 0

    @property
    def community(self) -> bool:
        """The community (TSL) build: policies, jobs, compression and continuous aggregates work."""
        return self.license not in (None, APACHE)

    def used(self) -> list[str]:
        """The community features the database uses, as words."""
        counts = (
            ("user job(s)", self.user_jobs),
            ("compressed chunk(s)", self.compressed_chunks),
            ("continuous aggregate(s)", self.continuous_aggregates),
        )
        return [f"{count} {what}" for what, count in counts if count]


def features(conn: psycopg.Connection) -> Features:
    """License and use of the community features in the connected database (TimescaleDB installed)."""
    row = catalog.rows(conn, "timescaledb/features")[0]
    return Features(
        row["license"], int(row["user_jobs"]), int(row["compressed_chunks"]), int(row["continuous_aggregates"])
    )


def check_builds(source: Features, target_license: str | None) -> None:
    """Refuse a target whose build cannot run what the source's community build uses."""
    if source.community and target_license == APACHE and source.used():
        raise VersionCheckError(
            f"the source uses TimescaleDB's community features ({', '.join(source.used())}) but the target runs "
            "the Apache-licensed build of TimescaleDB (timescaledb.license = apache), which cannot read compressed "
            "chunks, refresh continuous aggregates or run jobs and policies. Use a target with the community build "
            "(Timescale's services have it)"
        )


def loads_all_null_batches(version: str) -> bool:
    """Whether this TimescaleDB version fails to load batches compressed with the NULL algorithm (2.19.x)."""
    return version.startswith("2.19.")


def all_null_batches(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Compressed columns holding batches that are NULL in every row: {hypertable, chunk, column, batches}."""
    found = []
    for col in catalog.rows(conn, "timescaledb/compressed_columns"):
        statement = sqlfiles.compose(
            "timescaledb/all_null_batches", twin=(col["twin_schema"], col["twin_name"]), column=col["column_name"]
        )
        batches = int(catalog.run(conn, statement)[0][0])
        if batches:
            found.append(
                {
                    "hypertable": col["hypertable"],
                    "chunk": col["chunk"],
                    "column": col["column_name"],
                    "batches": batches,
                }
            )
    return found


def refuse_all_null_batches(found: list[dict[str, Any]], source_version: str, target_version: str) -> None:
    """Raise naming every hypertable, chunk and column whose batches the target could not load."""
    if not found:
        return
    places = "; ".join(
        f"{f['hypertable']} chunk {f['chunk']} column {f['column']} ({f['batches']} batch(es))" for f in found[:20]
    )
    more = f" and {len(found) - 20} more" if len(found) > 20 else ""
    raise VersionCheckError(
        f"the source holds compressed batches whose column is NULL in every row, which TimescaleDB "
        f"{target_version} cannot load back ('function ... returned NULL' during the load; {ALL_NULL_BATCH_ISSUE}, "
        f"fixed in {ALL_NULL_BATCH_FIXED}): {places}{more}. Update TimescaleDB on both sides to "
        f"{ALL_NULL_BATCH_FIXED} or newer first (source {source_version}); nothing was changed"
    )


def jobs_section(conn: psycopg.Connection) -> dict[str, str]:
    """The user jobs as the inventory shows them (every setting), in verification's pinned session settings."""
    catalog.run(conn, sqlfiles.query("verify/verify_session"))
    return catalog.section(conn, "timescaledb/jobs")


def alter_jobs(conn: psycopg.Connection, schema: str, ids: list[int], *, scheduled: bool) -> None:
    """alter_job(id, scheduled => ...) for each job, with the schema TimescaleDB is installed in."""
    statement = sqlfiles.compose("timescaledb/alter_job", schema=schema)
    for job_id in ids:
        catalog.run(conn, statement, {"id": job_id, "scheduled": scheduled})


def schedule_jobs(conn: psycopg.Connection, schema: str, ids: list[int]) -> dict[int, str]:
    """alter_job(id, scheduled => true) for each job the login may alter (each on its own); job id -> why
    TimescaleDB refused the others (the login may not act as the job's owner)."""
    statement = sqlfiles.compose("timescaledb/alter_job", schema=schema)
    refused = {}
    for job_id in ids:
        try:
            with conn.transaction():
                catalog.run(conn, statement, {"id": job_id, "scheduled": True})
        except psycopg.errors.InsufficientPrivilege as err:
            refused[job_id] = err.diag.message_primary or str(err)
    return refused


def set_job_owners(
    conn: psycopg.Connection, source_jobs: list[dict[str, Any]], rename: Callable[[str], str], skip: set[str]
) -> list[str]:
    """Give each job the owner it has on the source as the target names it (a reserved role is the login), but
    those named in `skip` (the gate said the login may not); the jobs changed, as "<name> -> <owner>"."""
    changed = []
    for job in source_jobs:
        owner = rename(job["owner"])
        if job["name"] in skip or owner == job["owner"]:
            continue
        if catalog.run(conn, sqlfiles.query("timescaledb/set_job_owner"), {"id": job["id"], "owner": owner}):
            changed.append(f"{job['name']} -> {owner}")
    return changed


_OWNER = re.compile(r'(?<= owner )("(?:[^"]|"")*"|\S+)')


def jobs_renamed(section: dict[str, str], rename: Callable[[str], str]) -> dict[str, str]:
    """A jobs section (jobs.sql) with each job's owner as the target names it."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(1)
        name = token[1:-1].replace('""', '"') if token.startswith('"') else token
        renamed = rename(name)
        if renamed == name:
            return token
        return renamed if re.fullmatch(r"[a-z_][a-z0-9_$]*", renamed) else '"' + renamed.replace('"', '""') + '"'

    return {key: _OWNER.sub(swap, detail, count=1) for key, detail in section.items()}


@dataclass
class PauseRecord:
    """The source's user jobs as they were before the run paused them, and which ones it paused."""

    paused: list[int] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    def write(self, path: Path) -> None:
        """Write it privately, all at once (a crash leaves the old record or none)."""
        workdir.write_json(path, asdict(self))

    @classmethod
    def read(cls, path: Path) -> PauseRecord | None:
        """The record at `path`, None when there is none (a list is a record of an earlier release)."""
        data = workdir.read_json(path)
        if data is None:
            return None
        if isinstance(data, list):
            return cls(paused=[int(i) for i in data])
        return cls(
            paused=[int(i) for i in data["paused"]], before=data.get("before", {}), reason=data.get("reason", "")
        )
