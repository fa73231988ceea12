"""Progress of a long step as a person reads it: how much is done, of how much, and about how long is left."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from timescale_migration import workdir


def time_left(done: float, total: float, elapsed: float) -> str:
    """ ", about N s left" at the rate so far, once something is done and something is left; else ""."""
    if not 0 < done < total or elapsed <= 0:
        return ""
    return f", about {(total - done) * elapsed / done:,.0f}s left"


def read_position(pid: int, path: Path) -> int | None:
    """How far process `pid` has read into `path` (psutil's open files), None if it has no such file open."""
    try:
        found = psutil.Process(pid).open_files()
    except (psutil.Error, OSError):
        return None
    return next((f.position for f in found if f.path == str(path)), None)


def file_read_progress(runner: Any, path: Path) -> Callable[[], str | None]:
    """How much of `path` the runner's running tool (psql -f) has read, the share and the time left."""
    total = path.stat().st_size
    started = time.monotonic()

    def report() -> str | None:
        pid = runner.pid
        pos = read_position(pid, path) if pid else None
        if pos is None:
            return None
        left = time_left(pos, total, time.monotonic() - started)
        return f"{pos / 1e6:,.1f} of {total / 1e6:,.1f} MB of {path.name} read ({100 * pos / max(total, 1):.0f}%){left}"

    return report


def written_progress(path: Path, expected_bytes: int) -> Callable[[], str]:
    """Bytes written to `path` (a file or a directory) against the expected size, the rate and the time left."""
    started = time.monotonic()

    def report() -> str:
        done = workdir.size_of(path)
        elapsed = max(time.monotonic() - started, 1e-6)
        share = ""
        if expected_bytes:
            left = time_left(done, expected_bytes, elapsed)
            share = f" of ~{expected_bytes / 1e6:,.0f} MB ({100 * done / expected_bytes:.0f}%){left}"
        return f"{done / 1e6:,.1f} MB written{share}, {done / elapsed / 1e6:,.1f} MB/s"

    return report
