"""Unit tests of timescale_migration.workdir: the private per-run directory and its files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.files import mode
from timescale_migration import workdir
from timescale_migration.settings import WORK_DIR
from timescale_migration.workdir import base_dir, private_file, remove, run_dir, safe_name, write_atomically

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("usual_umask")]

RUN_ID = "manual__2026-11-26T12:35:16.079090+00:00"


# --- safe_name --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (RUN_ID, "manual__2026-11-26T12_35_16.079090_00_00"),
        ("scheduled__2026-01-01T00:00:00+00:00", "scheduled__2026-01-01T00_00_00_00_00"),
        ("migrate_database", "migrate_database"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "run"),
        ("", "run"),
        ("a b/c\\d", "a_b_c_d"),
        ("Ünïcødé run", "n_c_d_run"),
    ],
)
def test_safe_name(value: str, expected: str) -> None:
    """Anything outside [A-Za-z0-9._-] becomes '_', leading/trailing dots and underscores go."""
    assert safe_name(value) == expected


@pytest.mark.parametrize("value", [RUN_ID, "../x", "/abs/path", "..", ".hidden", "a/../../b"])
def test_safe_name_is_one_plain_component(value: str) -> None:
    """The result is never empty, never a path, never hidden and never . or .."""
    name = safe_name(value)
    assert name
    assert "/" not in name
    assert not name.startswith(".")
    assert name not in (".", "..")


# --- base_dir ---------------------------------------------------------------------------------------------------------


def test_base_dir_param_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The work_dir param beats $TSM_WORK_DIR."""
    monkeypatch.setenv(WORK_DIR.name, "/from/env")
    assert base_dir("/from/param") == Path("/from/param")


def test_base_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """$TSM_WORK_DIR is used when the param is empty."""
    monkeypatch.setenv(WORK_DIR.name, "/from/env")
    assert base_dir(None) == Path("/from/env")
    assert base_dir("") == Path("/from/env")


def test_base_dir_default_is_under_airflow_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without param or env the default is $AIRFLOW_HOME/timescale-migration, never under /tmp."""
    monkeypatch.delenv(WORK_DIR.name, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", "/srv/airflow")
    assert base_dir(None) == Path("/srv/airflow/timescale-migration")


def test_base_dir_default_without_airflow_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without $AIRFLOW_HOME it is Airflow's own default home, ~/airflow."""
    monkeypatch.delenv(WORK_DIR.name, raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert base_dir(None) == tmp_path / "airflow" / "timescale-migration"


# --- run_dir ----------------------------------------------------------------------------------------------------------


def test_run_dir_layout(tmp_path: Path) -> None:
    """The run directory is <base>/<dag_id>/<run_id>, both made file-system safe."""
    path = run_dir(str(tmp_path / "base"), "migrate_database", RUN_ID)
    assert path == tmp_path / "base" / "migrate_database" / "manual__2026-11-26T12_35_16.079090_00_00"
    assert path.is_dir()


def test_run_dir_every_level_private(tmp_path: Path) -> None:
    """Base, dag and run levels are all created with mode 0700."""
    base = tmp_path / "base"
    path = run_dir(str(base), "migrate_database", RUN_ID)
    for level in (base, base / "migrate_database", path):
        assert mode(level) == 0o700, level


def test_run_dir_tightens_existing_run_dir(tmp_path: Path) -> None:
    """A run directory left with wider permissions is made private again."""
    existing = tmp_path / "base" / "dag" / "run"
    existing.mkdir(parents=True, mode=0o755)
    existing.chmod(0o755)
    assert mode(run_dir(str(tmp_path / "base"), "dag", "run")) == 0o700


def test_run_dir_is_idempotent(tmp_path: Path) -> None:
    """Calling it again (a retry) keeps the directory and its files."""
    path = run_dir(str(tmp_path), "dag", RUN_ID)
    (path / "dump.sql").write_text("x")
    assert run_dir(str(tmp_path), "dag", RUN_ID) == path
    assert (path / "dump.sql").read_text() == "x"


def test_run_dir_without_create(tmp_path: Path) -> None:
    """create=False only computes the path."""
    path = run_dir(str(tmp_path / "base"), "dag", RUN_ID, create=False)
    assert path == tmp_path / "base" / "dag" / safe_name(RUN_ID)
    assert not (tmp_path / "base").exists()


def test_run_dir_uses_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a work_dir param the run directory is under $TSM_WORK_DIR."""
    monkeypatch.setenv(WORK_DIR.name, str(tmp_path / "envbase"))
    assert run_dir(None, "dag", "r1").parent.parent == tmp_path / "envbase"


# --- private_file, remove ---------------------------------------------------------------------------------------------


def test_private_file_mode(tmp_path: Path) -> None:
    """A new private file is empty and has mode 0600."""
    path = private_file(tmp_path / "roles.sql")
    assert path == tmp_path / "roles.sql"
    assert path.read_bytes() == b""
    assert mode(path) == 0o600


def test_private_file_truncates_and_tightens(tmp_path: Path) -> None:
    """An existing file (a failed attempt's) is emptied and made private."""
    path = tmp_path / "dump.sql.partial"
    path.write_text("left over")
    path.chmod(0o644)
    private_file(path)
    assert path.read_bytes() == b""
    assert mode(path) == 0o600


def test_remove_file_dir_and_missing(tmp_path: Path) -> None:
    """remove() deletes a file or a whole directory and ignores what is absent."""
    file = tmp_path / "f"
    file.write_text("x")
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "g").write_text("y")
    remove(file)
    remove(folder)
    remove(tmp_path / "never-existed")
    assert not file.exists()
    assert not folder.exists()


# --- write_atomically -------------------------------------------------------------------------------------------------


def test_write_atomically_replaces_privately(tmp_path: Path) -> None:
    """The text lands whole in a 0600 file that replaces the old one; nothing is left beside it."""
    path = tmp_path / "record.json"
    path.write_text("old")
    path.chmod(0o644)
    assert write_atomically(path, "new ü") == path
    assert path.read_text(encoding="utf-8") == "new ü"
    assert mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


@pytest.mark.parametrize(
    ("suffix", "partial"), [(None, "roles.partial"), (".tmp", "roles.tmp"), (".123.tmp", "roles.123.tmp")]
)
def test_write_atomically_crash_leaves_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str | None, partial: str
) -> None:
    """A crash before the rename leaves the old file whole, and the new text in the private partial file named
    by the suffix (remove_secrets knows roles.partial)."""
    path = tmp_path / "roles.sql"
    path.write_text("old")

    def crash(src: object, dst: object) -> None:
        raise OSError("crash")

    monkeypatch.setattr(workdir.os, "replace", crash)
    with pytest.raises(OSError, match="crash"):
        write_atomically(path, "new", **({"suffix": suffix} if suffix else {}))
    assert path.read_text() == "old"
    assert (tmp_path / partial).read_text() == "new"
    assert mode(tmp_path / partial) == 0o600


def test_json_written_privately_and_read_back(tmp_path: Path) -> None:
    """write_json leaves a 0600 file that read_json returns; a missing file reads as None."""
    path = workdir.write_json(tmp_path / "record.json", {"paused": [1, 2], "reason": ""})
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert workdir.read_json(path) == {"paused": [1, 2], "reason": ""}
    assert workdir.read_json(tmp_path / "none.json") is None
    assert not list(tmp_path.glob("*.partial"))
