"""The run's private work directory (mode 0700) and the files a migration writes there."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from timescale_migration.constants import DEFAULT_WORK_DIR, WORK_DIR_ENV


def safe_name(value: str) -> str:
    """A file-system-safe form of a dag or run id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "run"


def unique_name(value: str) -> str:
    """A file-system-safe name that stays distinct for distinct values ('my db' and 'my_db' differ)."""
    return f"{safe_name(value)}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


def base_dir(work_dir: str | None) -> Path:
    """The work_dir param, else $TSM_WORK_DIR, else /tmp/timescale-migration."""
    return Path(work_dir or os.environ.get(WORK_DIR_ENV) or DEFAULT_WORK_DIR)


def run_dir(work_dir: str | None, dag_id: str, run_id: str, *, create: bool = True) -> Path:
    """<base>/<dag_id>/<run_id>, every level created private to this user."""
    path = base_dir(work_dir) / safe_name(dag_id) / safe_name(run_id)
    if create:
        path.parent.parent.parent.mkdir(parents=True, exist_ok=True)
        for level in (path.parent.parent, path.parent, path):
            level.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create (or truncate) a file readable by its owner only; returns the path."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    path.chmod(0o600)
    return path


def remove(path: Path) -> None:
    """Remove a file or directory if present."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
