"""Retention of run directories: what a failed or abandoned run left (dumps, skeletons, FIFOs, fingerprints) is
removed after a configurable number of days; the verification reports stay. A run still queued or running, and a
successful run (its dump is there only because the DBA set keep_dump), is never touched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from timescale_migration import settings, workdir
from timescale_migration.constants import (
    FLEET_DIR,
    LEDGER_DIR,
    REHEARSALS_DIR,
    REPORT_FILES,
    RUN_INDEX_DIR,
)
from timescale_migration.exceptions import MigrationError

NOT_RUN_DIRS = {LEDGER_DIR, REHEARSALS_DIR, FLEET_DIR, RUN_INDEX_DIR, "blocks"}
"""Folders of the base work directory that hold records, not run directories."""

KEPT_STATES = {"queued", "running", "success"}
"""Runs in these states keep their files: still working, or verified with keep_dump."""

StateOf = Callable[[str, str], str]
"""(dag_id, run_id) -> "queued", "running", "success", "failed" or "missing" (no such run in Airflow)."""


@dataclass(frozen=True)
class Removal:
    """One run directory's files that retention removes (or would)."""

    run_dir: str
    dag_id: str
    run_id: str | None
    state: str
    idle_days: float
    files: list[str]
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (XCom)."""
        return asdict(self)


def retention_days(value: Any = None) -> float:
    """The param's value, else $TSM_RETENTION_DAYS, else the default; a clear error for a bad one."""
    raw = value if value not in (None, "") else settings.retention_days()
    try:
        days = float(raw)
    except (TypeError, ValueError):
        raise MigrationError(
            f"retention of {raw!r} days is not a number (param older_than_days or ${settings.RETENTION_DAYS.name})"
        ) from None
    if days < 0:
        raise MigrationError(
            f"retention of {days} days is negative (param older_than_days or ${settings.RETENTION_DAYS.name})"
        )
    return days


def last_change(path: Path) -> float:
    """The newest modification time of a directory and everything in it."""
    newest = path.lstat().st_mtime
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            try:
                newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:
                continue
    return newest


def removable(
    base: Path, older_than_days: float, state_of: StateOf, *, now: float | None = None, log: Any = None
) -> list[Removal]:
    """Run directories idle for longer than the retention whose run is failed or gone, with what would go."""
    now = time.time() if now is None else now
    found: list[Removal] = []
    if not base.is_dir():
        return found
    for dag_dir in sorted(p for p in base.iterdir() if p.is_dir() and p.name not in NOT_RUN_DIRS):
        for run_dir in sorted(p for p in dag_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            files = sorted(p.name for p in run_dir.iterdir() if p.name not in REPORT_FILES)
            if not files:
                continue
            idle_days = (now - last_change(run_dir)) / 86400
            if idle_days < older_than_days:
                continue
            ids = workdir.indexed_run(base, dag_dir.name, run_dir.name)
            dag_id, run_id = ids if ids else (dag_dir.name, None)
            state = state_of(dag_id, run_id) if run_id else "unknown"
            if state in KEPT_STATES:
                if log is not None:
                    log.info("keeping %s: its run %s is %s", run_dir, run_id, state)
                continue
            found.append(
                Removal(
                    run_dir=str(run_dir),
                    dag_id=dag_id,
                    run_id=run_id,
                    state=state,
                    idle_days=round(idle_days, 2),
                    files=files,
                    bytes=sum(workdir.size_of(run_dir / name) for name in files),
                )
            )
    return found


def remove(
    listed: list[dict[str, Any]], older_than_days: float, *, now: float | None = None, log: Any = None
) -> list[str]:
    """Remove exactly the listed files of the listed run directories, skipping a directory changed since it
    was listed (its run came back to life). Returns the paths removed."""
    now = time.time() if now is None else now
    removed: list[str] = []
    for entry in listed:
        run_dir = Path(entry["run_dir"])
        if not run_dir.is_dir():
            continue
        if (now - last_change(run_dir)) / 86400 < older_than_days:
            if log is not None:
                log.warning("not removing %s: it changed since it was listed", run_dir)
            continue
        for name in entry["files"]:
            path = run_dir / name
            if path.exists() or path.is_symlink():
                workdir.remove(path)
                removed.append(str(path))
    return removed


def describe(entries: list[Removal]) -> str:
    """One line per run directory: path, run, state, idle days, files and size."""
    return (
        "\n".join(
            f"{e.run_dir} (run {e.run_id or 'unknown: made before run ids were indexed'}, {e.state}, idle "
            f"{e.idle_days} days): {', '.join(e.files)} — {e.bytes / 1_048_576:.1f} MB"
            for e in entries
        )
        or "nothing"
    )
