"""The run's private work directory (mode 0700) and the files a migration writes there."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from timescale_migration import settings
from timescale_migration.constants import RUN_INDEX_DIR


def safe_name(value: str) -> str:
    """A file-system-safe form of a dag or run id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "run"


def unique_name(value: str) -> str:
    """A file-system-safe name that stays distinct for distinct values ('my db' and 'my_db' differ)."""
    return f"{safe_name(value)}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


def default_base_dir() -> Path:
    """$TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration: durable, never /tmp."""
    return settings.work_dir()


def base_dir(work_dir: str | None) -> Path:
    """The work_dir param, else $TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration."""
    return Path(work_dir) if work_dir else default_base_dir()


def run_dir(work_dir: str | None, dag_id: str, run_id: str, *, create: bool = True) -> Path:
    """<base>/<dag_id>/<run_id>, every level created private to this user; its real run id is indexed."""
    path = base_dir(work_dir) / safe_name(dag_id) / safe_name(run_id)
    if create:
        path.parent.parent.parent.mkdir(parents=True, exist_ok=True)
        for level in (path.parent.parent, path.parent, path):
            level.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)
        _index_run(path.parent.parent, dag_id, run_id)
    return path


def run_index_path(base: Path, dag_dir: str, run_dir_name: str) -> Path:
    """Where the real dag and run ids of <base>/<dag_dir>/<run_dir_name> are kept (a safe name is lossy)."""
    return base / RUN_INDEX_DIR / dag_dir / f"{run_dir_name}.json"


def indexed_run(base: Path, dag_dir: str, run_dir_name: str) -> tuple[str, str] | None:
    """(dag_id, run_id) of a run directory, None for one made before the index existed."""
    try:
        entry = json.loads(run_index_path(base, dag_dir, run_dir_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry["dag_id"], entry["run_id"]


def _index_run(base: Path, dag_id: str, run_id: str) -> None:
    path = run_index_path(base, safe_name(dag_id), safe_name(run_id))
    if path.is_file():
        return
    for level in (path.parent.parent, path.parent):
        level.mkdir(mode=0o700, exist_ok=True)
    write_atomically(path, json.dumps({"dag_id": dag_id, "run_id": run_id}), suffix=f".{os.getpid()}.tmp")


def private_file(path: Path) -> Path:
    """Create (or truncate) a file readable by its owner only; returns the path."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    path.chmod(0o600)
    return path


def write_atomically(path: Path, text: str, *, suffix: str = ".partial") -> Path:
    """Write `text` to `path`, readable by its owner only, all at once: into a private file beside it (`path` with
    `suffix` for its own), then renamed over it, so a reader or a crash sees the old file (or none) or the new one,
    never half of one. Returns `path`."""
    partial = private_file(path.with_suffix(suffix))
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def write_json(path: Path, data: Any, *, suffix: str = ".partial") -> Path:
    """`data` as JSON at `path`, written as write_atomically writes."""
    return write_atomically(path, json.dumps(data), suffix=suffix)


def read_json(path: Path) -> Any | None:
    """The JSON at `path`, None when there is no such file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def remove(path: Path) -> None:
    """Remove a file or directory if present."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a directory (symbolic links not followed); 0 if it is not there."""
    if path.is_dir() and not path.is_symlink():
        return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return path.lstat().st_size if path.exists() or path.is_symlink() else 0
