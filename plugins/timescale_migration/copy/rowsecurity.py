"""Row-level security enabled after everything else of an archive's post-data section.

pg_dump writes FORCE ROW LEVEL SECURITY with the table (pre-data) and ENABLE ROW LEVEL SECURITY as an entry of its
own (ROW SECURITY, post-data), and its sessions set row_security = off. A table's owner that is no superuser (the
target's login on Timescale) is subject to a forced table's policies, and with row_security = off a query the
policies would filter is an error: the check of a foreign key from such a table ("query would be affected by
row-level security policy for table"). A plain dump runs the ROW SECURITY entries after the foreign keys (pg_dump's
order); a parallel pg_restore runs entries as soon as what they depend on exists, so a table's ENABLE may come
first, and the load fails after the downtime began. Here the ROW SECURITY entries are taken out of the parallel
restore and run after it, in the listing's order.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from timescale_migration import workdir
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.tools.clienttools import ClientTools

ENTRY_TYPE = " ROW SECURITY "
"""How a ROW SECURITY entry shows in `pg_restore --list`: `id; 0 oid ROW SECURITY schema table owner`."""

Run = Callable[..., float]
"""Runs one client tool: run(argv, env, progress=None) -> seconds."""


def listing(tools: ClientTools, archive: str) -> str:
    """`pg_restore --list` of an archive (it reads the archive only)."""
    out = subprocess.run([tools.path("pg_restore"), "--list", archive], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ClientToolFailed(f"pg_restore --list {archive} failed: {out.stderr.strip()[:500]}")
    return out.stdout


def use_list(toc: str, ids: Iterable[int], *, keep: bool) -> str:
    """A `pg_restore --list` with only the entries `ids` (keep) or all but them (not keep) left active."""
    chosen = {str(i) for i in ids}
    out = []
    for line in toc.splitlines():
        head = line.split(";", 1)[0].strip()
        if not line.startswith(";") and head.isdigit() and (head in chosen) != keep:
            line = ";" + line
        out.append(line)
    return "\n".join(out) + "\n"


def split(toc: str) -> tuple[str, str]:
    """(the listing with its ROW SECURITY entries commented out, the listing of those entries alone)."""
    rest, last = [], []
    for line in toc.splitlines():
        if ENTRY_TYPE in line and not line.startswith(";"):
            rest.append(";" + line)
            last.append(line)
        else:
            rest.append(line)
    return "\n".join(rest) + "\n", "\n".join(last) + ("\n" if last else "")


def restore_last(
    run: Run,
    tools: ClientTools,
    argv: list[str],
    env: dict[str, str],
    work: Path,
    *,
    progress: Callable[[], str | None] | None = None,
    skip: Iterable[int] = (),
) -> float:
    """The pg_restore `argv` (its last argument the archive) without the archive's ROW SECURITY entries, then the
    same pg_restore for those entries alone; `argv` as it is where the archive has none and nothing is to be
    skipped. `skip`: dump ids left out (entries already in the target). The lists are written into `work`
    (private) and removed afterwards. Seconds taken."""
    archive = argv[-1]
    skipped = {str(i) for i in skip}
    toc = listing(tools, archive)
    if skipped:
        toc = use_list(toc, skip, keep=False)
    rest, last = split(toc)
    if not last and not skipped:
        return run(argv, env, progress=progress)
    rest_list = workdir.write_atomically(work / "restore-before-row-security.list", rest)
    last_list = workdir.write_atomically(work / "restore-row-security.list", last)
    try:
        seconds = run([*argv[:-1], f"--use-list={rest_list}", archive], env, progress=progress)
        if last:
            seconds += run([*argv[:-1], f"--use-list={last_list}", archive], env)
    finally:
        workdir.remove(rest_list)
        workdir.remove(last_list)
    return seconds
