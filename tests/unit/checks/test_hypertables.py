"""Unit tests of checks/hypertables.py where the servers here cannot show it: a target on the community build
(compression and policies allowed), and old TimescaleDB versions."""

from __future__ import annotations

from typing import Any

import pytest

from timescale_migration.checks import hypertables
from timescale_migration.checks.findings import Finding
from timescale_migration.db import catalog
from timescale_migration.options import hypertable_specs
from timescale_migration.params import HYPERTABLE_EXAMPLE

pytestmark = pytest.mark.unit


def target(monkeypatch: pytest.MonkeyPatch, version: str | None, license_: str) -> None:
    """The target database's TimescaleDB (None: not installed, but offered) and build."""
    monkeypatch.setattr(
        catalog,
        "installed_extensions",
        lambda conn: {} if version is None else {"timescaledb": {"version": version, "schema": "public"}},
    )
    monkeypatch.setattr(catalog, "available_extensions", lambda conn: {"timescaledb": "2.19.3"})
    monkeypatch.setattr(catalog, "rows", lambda conn, name, params=None: [{"license": license_}])


def check_target(version: str | None) -> tuple[dict[str, Any] | None, list[Finding]]:
    found: list[Finding] = []
    return hypertables._target(hypertable_specs(HYPERTABLE_EXAMPLE), "tgt", found), found  # type: ignore[arg-type]


def test_community_build_takes_compression_and_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    """timescaledb.license = timescale: compression, its policy and a retention policy raise no finding."""
    target(monkeypatch, "2.19.3", "timescale")
    assert check_target("2.19.3") == ({"version": "2.19.3", "license": "timescale"}, [])


def test_apache_build_refuses_them_naming_what(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Apache build: one blocking finding per table naming what it asked."""
    target(monkeypatch, "2.19.3", "apache")
    _, (finding,) = check_target("2.19.3")
    assert finding.severity == "blocking" and finding.subject == "public.conditions"
    assert finding.message.startswith("compression and a retention policy need(s) TimescaleDB's community build")


def test_old_or_missing_timescaledb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before 2.13 (no by_range/by_hash) the target is refused; not installed: the remedy says how."""
    target(monkeypatch, "2.11.2", "timescale")
    _, (finding,) = check_target("2.11.2")
    assert "TimescaleDB 2.11.2" in finding.message and "2.13 or newer" in finding.message
    target(monkeypatch, None, "timescale")
    info, (finding,) = check_target(None)
    assert info is None and "run CREATE EXTENSION timescaledb in it first" in finding.message


@pytest.mark.parametrize(
    ("text", "parts"), [("2.19.3", (2, 19, 3)), ("2.16.0-dev", (2, 16, 0)), ("2.9", (2, 9)), ("x", ())]
)
def test_version_tuple(text: str, parts: tuple[int, ...]) -> None:
    """Versions compare as numbers; a suffix is ignored."""
    assert hypertables.version_tuple(text) == parts
