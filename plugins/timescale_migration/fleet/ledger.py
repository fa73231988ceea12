"""The ledger: one private JSON record per target database that a migration loaded and verified.

migrate_fleet skips a database whose target has a record; release_source removes the record (rolled back).
Records live under <base work dir>/ledger/<target_conn_id>-<hash>/<database>-<hash>.json, on storage every
worker sees (the hash keeps names that differ only in odd characters apart).

A record names the server incarnation and the database it describes (`target_identity`: the cluster's system
identifier and the database's oid, as verify found them). A record that no longer describes its target (the
database is gone, was created again, or the server was re-created) is set aside as <...>.json.stale: migrate_fleet
checks before it skips, `make airflow` before it starts (make test wipes the servers).
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


IDENTITY_KEY = "target_identity"
"""A record's {system_identifier, database_oid} of its target database when it was verified."""
STALE_SUFFIX = ".stale"


def stale_because(record: dict[str, Any], now: dict[str, Any]) -> str | None:
    """Why `record` no longer describes its target database, given `now` (catalog.database_identity() read from
    the target), or None when nothing says so."""
    was = record.get(IDENTITY_KEY) or {}
    database = record.get("target_database")
    if now.get("database_oid") is None:
        return f"database {database!r} no longer exists on that server"
    if (
        was.get("system_identifier")
        and now.get("system_identifier")
        and str(was["system_identifier"]) != str(now["system_identifier"])
    ):
        return f"the server of {database!r} is another one now (system identifier {now['system_identifier']})"
    if was.get("database_oid") is not None and was["database_oid"] != now["database_oid"]:
        return f"database {database!r} was dropped and created again since it was verified"
    return None


def set_aside(work_dir: str | None, target_conn_id: str, database: str, why: str) -> Path | None:
    """Take a record out of the ledger (kept beside it as <record>.json.stale, with why); its path, None if none."""
    path = record_path(work_dir, target_conn_id, database)
    entry = workdir.read_json(path)
    if not isinstance(entry, dict):
        return None
    aside = path.with_name(path.name + STALE_SUFFIX)
    workdir.write_atomically(aside, json.dumps({**entry, "set_aside": why}, indent=2, default=str), suffix=".tmp")
    path.unlink(missing_ok=True)
    return aside


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
