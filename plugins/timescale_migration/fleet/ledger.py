"""The ledger: one private JSON record per target database that a migration loaded and verified.

migrate_fleet skips a database whose target has a record; release_source removes the record (rolled back).
Records live under <base work dir>/ledger/<target_conn_id>-<hash>/<database>-<hash>.json, on storage every
worker sees (the hash keeps names that differ only in odd characters apart).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.constants import LEDGER_DIR


def record_path(work_dir: str | None, target_conn_id: str, database: str) -> Path:
    """Where the record of one target database is kept."""
    folder = workdir.base_dir(work_dir) / LEDGER_DIR / workdir.unique_name(target_conn_id)
    return folder / f"{workdir.unique_name(database)}.json"


def read(work_dir: str | None, target_conn_id: str, database: str) -> dict[str, Any] | None:
    """The record of a verified migration into this target database, or None."""
    path = record_path(work_dir, target_conn_id, database)
    return workdir.read_json(path)


def records(work_dir: str | None) -> list[dict[str, Any]]:
    """Every record under this work directory, newest first (a damaged one is skipped)."""
    found = []
    for path in (workdir.base_dir(work_dir) / LEDGER_DIR).glob("*/*.json"):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict):
            found.append(entry)
    return sorted(found, key=lambda entry: str(entry.get("verified_at") or ""), reverse=True)


def write(work_dir: str | None, target_conn_id: str, database: str, entry: dict[str, Any]) -> Path:
    """Record a verified migration (atomically: a reader never sees half a record)."""
    path = record_path(work_dir, target_conn_id, database)
    for level in (path.parent.parent, path.parent):
        level.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry = {**entry, "verified_at": datetime.now(UTC).isoformat(timespec="seconds")}
    return workdir.write_atomically(path, json.dumps(entry, indent=2, default=str), suffix=".tmp")


def remove(work_dir: str | None, target_conn_id: str, database: str) -> bool:
    """Forget a target database (its migration was rolled back); True if there was a record."""
    path = record_path(work_dir, target_conn_id, database)
    existed = path.is_file()
    path.unlink(missing_ok=True)
    return existed
