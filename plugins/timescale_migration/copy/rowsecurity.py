"""Row-level security switched on after everything else of a parallel restore.

`pg_restore --jobs` runs post-data entries as soon as their dependencies are done, so a table's `ALTER TABLE ...
ENABLE ROW LEVEL SECURITY` (entry "ROW SECURITY") can come before a foreign key that points at the table. The key's
check then reads the table under its policies, which a restore (row_security off) refuses: "query would be affected
by row-level security policy". A superuser never meets it (policies do not apply to it); a login without superuser
owns the restored tables, and a table with FORCE ROW LEVEL SECURITY applies them to its owner too. pg_dump's own
order (a serial restore) puts row security after the foreign keys; here the parallel run leaves those entries out
and one serial pg_restore adds them last.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.tools.clienttools import ClientTools, pg_restore_argv

ROW_SECURITY = re.compile(r"^\s*\d+;\s+\d+\s+\d+\s+ROW SECURITY\s")
"""A `pg_restore --list` line of a table's ENABLE ROW LEVEL SECURITY."""

Run = Callable[..., float]
"""Runs one client tool: run(argv, env, progress=None) -> seconds."""


def split_row_security(listing: str) -> tuple[str, str]:
    """`pg_restore --list` output as (every entry but row security, which is commented out; only row security)."""
    rest, late = [], []
    for line in listing.splitlines():
        if ROW_SECURITY.match(line):
            late.append(line)
            rest.append(";" + line)
        else:
            rest.append(line)
    return "\n".join(rest) + "\n", "\n".join(late) + ("\n" if late else "")


def restore(run: Run, tools: ClientTools, database: str, archive: Path, env: dict[str, str], work: Path, *,
            jobs: int, progress: Callable[[], str | None] | None = None, **filters: Any) -> float:
    """pg_restore of `archive` with `filters` (schema, exclude_schema, section) over `jobs` sessions, row security
    last and alone; the lists live in `work` (a private directory, removed afterwards). Seconds taken."""
    whole = pg_restore_argv(tools, database, str(archive), jobs=jobs, **filters)
    if jobs <= 1:
        return run(whole, env, progress=progress)
    workdir.remove(work)
    work.mkdir(mode=0o700, parents=True)
    listing = workdir.private_file(work / "toc")
    seconds = run([tools.path("pg_restore"), "--list", f"--file={listing}", str(archive)], env)
    rest, late = split_row_security(listing.read_text(encoding="utf-8"))
    if not late:
        workdir.remove(work)
        return seconds + run(whole, env, progress=progress)
    rest_list = workdir.write_atomically(work / "rest.list", rest)
    late_list = workdir.write_atomically(work / "row_security.list", late)
    seconds += run(pg_restore_argv(tools, database, str(archive), jobs=jobs, use_list=str(rest_list), **filters),
                   env, progress=progress)
    seconds += run(pg_restore_argv(tools, database, str(archive), use_list=str(late_list), **filters), env)
    workdir.remove(work)
    return seconds
