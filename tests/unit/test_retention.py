"""Unit tests of timescale_migration.retention over real directories with set modification times."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from timescale_migration import retention, workdir
from timescale_migration.exceptions import MigrationError
from timescale_migration.settings import RETENTION_DAYS

pytestmark = pytest.mark.unit
DAY = 86400.0


def make_run(base: Path, run_id: str, files: dict[str, str], *, age_days: float, indexed: bool = True) -> Path:
    """A migrate_database run directory holding `files`, everything last changed `age_days` ago."""
    if indexed:
        path = workdir.run_dir(str(base), "migrate_database", run_id)
    else:
        path = base / "migrate_database" / workdir.safe_name(run_id)
        path.mkdir(parents=True)
    for name, text in files.items():
        if name.endswith("/"):
            (path / name).mkdir()
            (path / name / "toc.dat").write_text(text)
        else:
            (path / name).write_text(text)
    stamp = time.time() - age_days * DAY
    for p in [path, *path.rglob("*")]:
        os.utime(p, (stamp, stamp))
    return path


def states(**by_run: str):
    """A state_of answering from a dict (run id -> state), "missing" otherwise."""
    return lambda dag_id, run_id: by_run.get(run_id, "missing")


def test_lists_failed_and_missing_runs_idle_long_enough(tmp_path: Path) -> None:
    """A failed run's and a forgotten run's dumps are listed with their sizes; the reports are not."""
    failed = make_run(
        tmp_path, "manual__failed", {"dump.sql": "x" * 100, "roles.sql": "r", "verification.json": "{}"}, age_days=20
    )
    gone = make_run(tmp_path, "manual__gone", {"dump.dir/": "y" * 50}, age_days=30)
    found = retention.removable(tmp_path, 14, states(manual__failed="failed"))
    assert [(e.run_dir, e.run_id, e.state, e.files) for e in found] == [
        (str(failed), "manual__failed", "failed", ["dump.sql", "roles.sql"]),
        (str(gone), "manual__gone", "missing", ["dump.dir"]),
    ]
    assert [e.bytes for e in found] == [101, 50]
    assert found[0].idle_days >= 20


def test_keeps_running_successful_and_recent_runs(tmp_path: Path) -> None:
    """Runs still queued or running, a successful run (keep_dump) and a recently changed one are not listed."""
    make_run(tmp_path, "manual__running", {"dump.sql": "x"}, age_days=40)
    make_run(tmp_path, "manual__queued", {"dump.sql": "x"}, age_days=40)
    make_run(tmp_path, "manual__kept", {"dump.sql": "x"}, age_days=40)
    make_run(tmp_path, "manual__recent", {"dump.sql": "x"}, age_days=3)
    found = retention.removable(
        tmp_path,
        14,
        states(manual__running="running", manual__queued="queued", manual__kept="success", manual__recent="failed"),
    )
    assert found == []


def test_a_recent_file_deep_inside_keeps_the_run(tmp_path: Path) -> None:
    """The newest change anywhere in the directory counts (a directory dump being written)."""
    path = make_run(tmp_path, "manual__busy", {"dump.dir/": "x"}, age_days=40)
    (path / "dump.dir" / "toc.dat").write_text("now")
    assert retention.removable(tmp_path, 14, states()) == []


def test_run_dirs_made_before_the_index_are_judged_by_age(tmp_path: Path) -> None:
    """Without an indexed run id the state cannot be asked: age alone decides, and the listing says so."""
    make_run(tmp_path, "manual__old", {"dump.sql": "x"}, age_days=40, indexed=False)
    asked: list[str] = []
    found = retention.removable(tmp_path, 14, lambda dag_id, run_id: asked.append(run_id) or "running")
    assert asked == []
    assert [(e.run_id, e.state) for e in found] == [(None, "unknown")]
    assert "made before run ids were indexed" in retention.describe(found)


def test_records_and_reports_are_never_listed(tmp_path: Path) -> None:
    """The ledger, rehearsals, fleet summaries, run index and reports-only run directories are left alone."""
    for folder in ("ledger", "rehearsals", "fleet", "blocks"):
        (tmp_path / folder / "x").mkdir(parents=True)
        (tmp_path / folder / "x" / "f.json").write_text("{}")
    make_run(tmp_path, "manual__ok", {"verification.html": "<html>", "verification.json": "{}"}, age_days=90)
    stamp = time.time() - 90 * DAY
    for p in tmp_path.rglob("*"):
        os.utime(p, (stamp, stamp))
    assert retention.removable(tmp_path, 14, states()) == []


def test_remove_takes_exactly_what_was_listed(tmp_path: Path) -> None:
    """Only the listed files go; the reports and a file that appeared after the listing stay."""
    path = make_run(
        tmp_path,
        "manual__failed",
        {"dump.sql": "x", "roles.sql": "r", "skeleton.dump": "s", "verification.html": "<html>"},
        age_days=20,
    )
    listed = [e.to_dict() for e in retention.removable(tmp_path, 14, states(manual__failed="failed"))]
    listed[0]["files"] = ["dump.sql", "roles.sql"]  # as if skeleton.dump had not been listed
    removed = retention.remove(listed, 14)
    assert removed == [str(path / "dump.sql"), str(path / "roles.sql")]
    assert sorted(p.name for p in path.iterdir()) == ["skeleton.dump", "verification.html"]


def test_remove_skips_a_directory_changed_since_listing(tmp_path: Path) -> None:
    """A run that came back to life between listing and removal keeps its files."""
    path = make_run(tmp_path, "manual__revived", {"dump.sql": "x"}, age_days=20)
    listed = [e.to_dict() for e in retention.removable(tmp_path, 14, states())]
    (path / "dump.sql").write_text("written again")
    assert retention.remove(listed, 14) == []
    assert (path / "dump.sql").exists()


def test_retention_days_param_env_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The param wins, then $TSM_RETENTION_DAYS, then 14; bad values are refused naming both."""
    monkeypatch.delenv(RETENTION_DAYS.name, raising=False)
    assert retention.retention_days(None) == 14
    monkeypatch.setenv(RETENTION_DAYS.name, "3.5")
    assert retention.retention_days(None) == 3.5
    assert retention.retention_days(7) == 7
    with pytest.raises(MigrationError, match=r"'soon' days is not a number .*TSM_RETENTION_DAYS"):
        retention.retention_days("soon")
    with pytest.raises(MigrationError, match="negative"):
        retention.retention_days(-1)


def test_run_index_keeps_the_real_run_id(tmp_path: Path) -> None:
    """The run directory's name is lossy; the index gives back the real dag and run id."""
    run_id = "manual__2026-11-26T12:35:16.079090+00:00"
    path = workdir.run_dir(str(tmp_path), "migrate_database", run_id)
    assert workdir.indexed_run(tmp_path, "migrate_database", path.name) == ("migrate_database", run_id)
    assert workdir.indexed_run(tmp_path, "migrate_database", "other") is None
