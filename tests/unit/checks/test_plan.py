"""Unit tests of timescale_migration.checks.plan: the plan's XCom round trip."""

from __future__ import annotations

import json

import pytest

from timescale_migration.checks.plan import MigrationPlan, TimescaleInfo
from timescale_migration.tools.clienttools import ClientTools

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/usr/lib/postgresql/17/bin", major=17, version="17.12")


def plan(**changes) -> MigrationPlan:
    """A plan like check_versions returns for a TimescaleDB source."""
    values = {
        "source": {"version": "17.2", "major": 17, "database_bytes": 10_000_000, "user_name": "postgres"},
        "target": {"version": "17.4", "major": 17, "database_bytes": 9_000_000, "user_name": "tsdbadmin"},
        "client_tools": TOOLS,
        "timescaledb": TimescaleInfo("2.19.3", "public", "extensions"),
        "source_extensions": {"timescaledb": {"version": "2.19.3", "schema": "public"}},
        "role_passwords": False,
        "aligned": "2.20.0 -> 2.19.3",
    }
    values.update(changes)
    return MigrationPlan(**values)


def test_to_xcom_is_json() -> None:
    """to_xcom() survives JSON serialization (what XCom does)."""
    data = json.loads(json.dumps(plan().to_xcom()))
    assert data["client_tools"] == {"bin_dir": "/usr/lib/postgresql/17/bin", "major": 17, "version": "17.12"}
    assert data["timescaledb"] == {"version": "2.19.3", "source_schema": "public", "target_schema": "extensions"}


def test_round_trip() -> None:
    """from_xcom(to_xcom()) rebuilds an equal plan, nested dataclasses included."""
    original = plan()
    rebuilt = MigrationPlan.from_xcom(json.loads(json.dumps(original.to_xcom())))
    assert rebuilt == original
    assert isinstance(rebuilt.client_tools, ClientTools)
    assert isinstance(rebuilt.timescaledb, TimescaleInfo)


def test_round_trip_plain_postgresql() -> None:
    """A plan without TimescaleDB keeps timescaledb None."""
    original = plan(timescaledb=None, aligned=None, source_extensions={})
    assert MigrationPlan.from_xcom(original.to_xcom()) == original


def test_from_xcom_defaults_for_older_data() -> None:
    """Optional keys missing from the XCom take their defaults."""
    data = plan().to_xcom()
    for key in ("source_extensions", "role_passwords", "aligned", "timescaledb"):
        del data[key]
    rebuilt = MigrationPlan.from_xcom(data)
    assert rebuilt.source_extensions == {}
    assert rebuilt.role_passwords is True
    assert rebuilt.aligned is None
    assert rebuilt.timescaledb is None
