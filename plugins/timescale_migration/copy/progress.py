"""Progress of a load as the target sees it: the COPYs and index builds running there, and the data loaded."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from timescale_migration.db import catalog
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.tools.progress import time_left


def copy_progress(target: Endpoint, expected_bytes: int) -> Callable[[], str | None]:
    """For restores without a file position: the COPYs running in the target, the tables seen, the data loaded."""
    seen: set[str] = set()
    started = time.monotonic()
    first: list[int] = []
    try:  # the empty database's own size, taken before anything loads, is not loaded data
        with target.connect() as conn:
            first.append(catalog.server_info(conn).database_bytes)
    except psycopg.Error:
        pass  # best effort: the first report takes it then

    def report() -> str | None:
        with target.connect() as conn:
            copies = catalog.rows(conn, "copy/copy_progress")
            size = catalog.server_info(conn).database_bytes
        first[:] = first or [size]
        loaded = max(size - first[0], 0)
        seen.update(c["relation"] for c in copies)
        now = catalog.describe_copies(copies) or "no COPY running"
        share = ""
        if expected_bytes:
            left = time_left(loaded, expected_bytes, time.monotonic() - started)
            share = f" of ~{expected_bytes / 1e6:,.0f} MB table data ({100 * loaded / expected_bytes:.0f}%){left}"
        return f"{loaded / 1e6:,.0f} MB loaded{share}; {len(seen)} table(s) copied so far; now: {now}"

    return report


def index_progress(target: Endpoint) -> Callable[[], str]:
    """Progress of the post-data restore: the index builds running in the target and how far each is."""

    def report() -> str:
        with target.connect() as conn:
            builds = catalog.rows(conn, "copy/create_index_progress")
        parts = []
        for b in builds:
            total, done = (
                (b["blocks_total"], b["blocks_done"]) if b["blocks_total"] else (b["tuples_total"], b["tuples_done"])
            )
            share = f" {100 * done / total:.0f}%" if total else ""
            parts.append(f"{b['index_name']} on {b['table_name']} ({b['phase']}{share})")
        return f"{len(builds)} index build(s) running: {', '.join(parts)}" if builds else "no index build running"

    return report
