"""Unit tests of operators/apply_settings.py and operators/apply_privileges.py over stubbed sides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.operators.conftest import make_plan, write_tools
from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.db import dbsettings, grants, privileges
from timescale_migration.db.dbsettings import DatabaseSettings, Setting
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators import ApplyPrivilegesOperator, ApplySettingsOperator

pytestmark = pytest.mark.unit


def test_apply_settings_skips_what_the_gate_listed(
    monkeypatch: pytest.MonkeyPatch, opened, make_context, tmp_path
) -> None:
    """Read on the source, applied on the target without the keys the gate's findings named."""
    read = DatabaseSettings([Setting(None, "TimeZone", "UTC"), Setting(None, "lc_messages", "C")])
    calls: list[tuple[Any, str, set[str]]] = []
    monkeypatch.setattr(dbsettings, "read", lambda conn: read)
    monkeypatch.setattr(dbsettings, "apply", lambda conn, db, s, skip: calls.append((conn, db, skip)) or ["x"])
    finding = Finding(
        "database settings", WARNING, "lc_messages", "superuser only", ("database settings", "database lc_messages")
    )
    other = Finding("privileges", WARNING, "t", "no", ("privileges", "database lc_messages"))
    plan = make_plan(write_tools(tmp_path / "bin"), findings=[finding.to_dict(), other.to_dict()])
    result = ApplySettingsOperator(task_id="apply_settings").execute(make_context(plan))
    assert calls == [("target", "tsdb", {"database lc_messages"})]
    assert result == {"applied": ["x"], "skipped": ["database lc_messages"]}
    assert opened == [("source", None), ("target", None)]


def test_apply_privileges_none_touches_nothing(opened, make_context, tmp_path) -> None:
    """privileges=none, plain PostgreSQL: no session on either side."""
    plan = make_plan(write_tools(tmp_path / "bin"), timescaledb=False)
    result = ApplyPrivilegesOperator(task_id="apply_privileges").execute(make_context(plan, privileges="none"))
    assert result == {"privileges": "none"} and opened == []


def test_apply_privileges_fails_naming_refused_statements(
    monkeypatch: pytest.MonkeyPatch, opened, make_context, tmp_path
) -> None:
    """Refusals the gate did not list fail the task, naming them; reserved roles map to the target's login."""
    monkeypatch.setattr(privileges, "read_objects", lambda conn: [])
    monkeypatch.setattr(privileges, "read_defaults", lambda conn: [])
    seen: dict[str, Any] = {}

    def apply(
        conn: Any,
        objects: Any,
        defaults: Any,
        rename: Any,
        drop: set[str],
        skip: set[str],
        log: Any,
        keep_owner: set[str] | None = None,
        current: Any = None,
    ) -> dict:
        seen.update(rename=rename("postgres"), drop=drop, current=current)
        return {
            "owners": 1,
            "grants": 2,
            "defaults": 0,
            "memberships": 0,
            "failed": ['owner of table "s"."t": permission denied'],
        }

    monkeypatch.setattr(grants, "apply", apply)
    plan = make_plan(write_tools(tmp_path / "bin"), timescaledb=False)
    with pytest.raises(MigrationError, match=r'1 owner/privilege statement\(s\) were refused .*owner of table "s"'):
        ApplyPrivilegesOperator(task_id="apply_privileges").execute(make_context(plan))
    assert seen == {"rename": "tsdbadmin", "drop": set(), "current": []}
