"""settings.py is where every TSM_* variable is read: the README's table lists each with its default, and no other
module of the package or the DAGs reads one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timescale_migration import settings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def test_readme_lists_every_setting_with_its_default() -> None:
    """Each row of README's Settings table is a setting of settings.SETTINGS, with its default, and each is there."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n### Settings\n", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(TSM_\w+)` \| `?([^|`]+?)`? \|", table, flags=re.MULTILINE)
    assert rows == [(s.name, s.default) for s in settings.SETTINGS]


def test_no_other_module_reads_a_tsm_variable() -> None:
    """The plugin's modules and the DAG files name a TSM_* variable only through settings.py."""
    readers = [
        path.relative_to(REPO)
        for folder in ("plugins", "dags")
        for path in (REPO / folder).rglob("*.py")
        if path.name != "settings.py" and re.search(r"[\"']TSM_\w+[\"']", path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Unset or empty: the default; set: the value, read when asked."""
    for setting in settings.SETTINGS:
        monkeypatch.setenv(setting.name, "")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    assert settings.work_dir() == tmp_path / "timescale-migration"
    assert settings.sql_dir() == settings.INCLUDE_DIR / "sql" == REPO / "include" / "sql"
    assert settings.fleet_config() == REPO / "include" / "fleet.json"
    assert settings.block_record_database() == "postgres"
    assert settings.pg_bin_dirs() == []
    monkeypatch.setenv(settings.PG_BIN_DIR.name, "/a:/b")
    monkeypatch.setenv(settings.GATES_CONFIG.name, str(tmp_path / "gates.json"))
    assert settings.pg_bin_dirs() == ["/a", "/b"]
    assert settings.gates_config() == tmp_path / "gates.json"
