"""How long each downtime task may run before Airflow stops it (its execution_timeout), from what is known of the
database before the downtime: the last verified rehearsal of the same source database (each phase's seconds, scaled
to the size the checks measured now), else the size alone at a pessimistic rate. The margins are generous: a timeout
is there to end a task that hangs (a lock that never comes, a server that stopped answering), not to race a slow one.
"""

from __future__ import annotations

import math
from datetime import timedelta

from timescale_migration import phases

FLOOR = timedelta(minutes=30)
"""No downtime task is stopped sooner: startup, catalog queries and small databases fit many times over."""

PESSIMISTIC_BYTES_PER_S = 2 * 1024 * 1024
"""Without a rehearsal, a phase that reads or writes the data is given the time to move it at 2 MB/s: tens of times
slower than this repo's benchmark (docs/benchmarks.md), so only a hung task reaches it."""

REHEARSAL_MARGIN = 4.0
"""With a rehearsal, a phase may take four times as long as it did there (after scaling to today's size)."""

DATA_PHASES = phases.DATA_PHASES
"""Downtime phases whose time grows with the database's size (the phase table's scales_with_data)."""


def phase_timeout(
    task_id: str,
    size_bytes: int,
    *,
    rehearsed_s: float | None = None,
    rehearsed_bytes: int | None = None,
    drain_timeout_s: int = 0,
) -> timedelta:
    """The execution_timeout of one downtime task."""
    if task_id == phases.DRAIN_SOURCE:  # waits up to drain_timeout for sessions by design, then a floor
        return FLOOR + timedelta(seconds=drain_timeout_s)
    if rehearsed_s is not None:
        scale = max(1.0, size_bytes / rehearsed_bytes) if rehearsed_bytes else 1.0
        seconds = rehearsed_s * scale * REHEARSAL_MARGIN
    elif task_id in DATA_PHASES:
        seconds = size_bytes / PESSIMISTIC_BYTES_PER_S
    else:
        seconds = 0.0
    return max(FLOOR, timedelta(seconds=math.ceil(seconds)))


def describe(task_id: str, timeout: timedelta, size_bytes: int, rehearsed_s: float | None) -> str:
    """Why this timeout, for the task log."""
    basis = (
        f"the last rehearsal's {rehearsed_s:.1f} s x {REHEARSAL_MARGIN:g}, scaled to {size_bytes / 1e6:,.1f} MB"
        if rehearsed_s is not None
        else f"{size_bytes / 1e6:,.1f} MB at {PESSIMISTIC_BYTES_PER_S / 1e6:.1f} MB/s"
    )
    return f"{task_id} may run for {timeout} (execution_timeout: {basis}, at least {FLOOR})"
