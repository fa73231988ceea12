"""Unit tests of operators/remove_secrets.py: roles.sql goes when the run ends, unless keep_dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from timescale_migration.operators.remove_secrets import RemoveSecretsOperator

pytestmark = pytest.mark.unit


def run_dir_with(context: dict[str, Any], *names: str) -> Path:
    """The run's directory holding these files."""
    path = RemoveSecretsOperator(task_id="remove_secrets").run_dir(context)
    for name in names:
        (path / name).write_text("CREATE ROLE x PASSWORD 'SCRAM-SHA-256$...';")
    return path


def test_removes_every_file_with_password_hashes(make_context) -> None:
    """roles.sql and its raw and partial forms go; the dump of a failed run stays for investigation."""
    context = make_context()
    path = run_dir_with(context, "roles.sql", "roles.raw", "roles.partial", "dump.sql", "verification.json")
    result = RemoveSecretsOperator(task_id="remove_secrets").execute(context)
    assert sorted(Path(p).name for p in result["removed"]) == ["roles.partial", "roles.raw", "roles.sql"]
    assert sorted(p.name for p in path.iterdir()) == ["dump.sql", "verification.json"]


def test_keep_dump_keeps_them(make_context) -> None:
    """keep_dump=true: the DBA asked to keep roles.sql."""
    context = make_context(keep_dump=True)
    path = run_dir_with(context, "roles.sql")
    result = RemoveSecretsOperator(task_id="remove_secrets").execute(context)
    assert result == {"removed": [], "kept": [str(path / "roles.sql")]}
    assert (path / "roles.sql").exists()


def test_nothing_written_nothing_created(make_context, work_dir: Path) -> None:
    """A run that never wrote roles.sql: nothing to do, and no run directory is made for it."""
    result = RemoveSecretsOperator(task_id="remove_secrets").execute(make_context())
    assert result == {"removed": [], "kept": []}
    assert not (work_dir / "migrate_database").exists()
