"""Unit tests of operators/check_extensions.py: missing_extensions and the operator over stubbed catalogs."""

from __future__ import annotations

import pytest

from timescale_migration.db import catalog
from timescale_migration.exceptions import ExtensionCheckError
from timescale_migration.operators.check_extensions import CheckExtensionsOperator, missing_extensions

pytestmark = pytest.mark.unit

INSTALLED = {
    "timescaledb": {"version": "2.19.3", "schema": "public"},
    "postgis": {"version": "3.5.2", "schema": "public"},
    "pg_trgm": {"version": "1.6", "schema": "public"},
    "plpgsql": {"version": "1.0", "schema": "pg_catalog"},
}


def test_missing_extensions_none_missing() -> None:
    """Nothing is missing when the target offers every installed extension."""
    available = {"timescaledb": "2.20.0", "postgis": "3.5.2", "pg_trgm": "1.6", "plpgsql": "1.0", "extra": "1"}
    assert missing_extensions(INSTALLED, available) == []


def test_missing_extensions_sorted_with_versions() -> None:
    """Missing extensions are named with the source's version, sorted by name."""
    available = {"timescaledb": "2.19.3", "plpgsql": "1.0"}
    assert missing_extensions(INSTALLED, available) == ["pg_trgm 1.6", "postgis 3.5.2"]


def test_missing_extensions_ignores_default_version() -> None:
    """An available extension counts even without a default version (versions are checked elsewhere)."""
    assert missing_extensions({"x": {"version": "1.0", "schema": "public"}}, {"x": None}) == []


def test_missing_extensions_empty_source() -> None:
    """A source without extensions misses nothing."""
    assert missing_extensions({}, {}) == []


def test_operator_fails_naming_missing(monkeypatch: pytest.MonkeyPatch, opened, make_context) -> None:
    """The task fails naming each missing extension and both sides, and changes nothing."""
    monkeypatch.setattr(catalog, "installed_extensions", lambda conn: INSTALLED)
    monkeypatch.setattr(catalog, "available_extensions", lambda conn: {"timescaledb": "2.19.3", "plpgsql": "1.0"})
    with pytest.raises(ExtensionCheckError) as err:
        CheckExtensionsOperator(task_id="check_extensions").execute(make_context())
    message = str(err.value)
    assert message.startswith("2 extension(s) installed in source ")
    assert "pg_trgm 1.6, postgis 3.5.2" in message
    assert "source.example" in message
    assert "target.example" in message
    assert "nothing was changed" in message


def test_operator_returns_source_extensions(monkeypatch: pytest.MonkeyPatch, opened, make_context) -> None:
    """When all are available the task returns the source's extensions, asking each side once."""
    monkeypatch.setattr(catalog, "installed_extensions", lambda conn: INSTALLED if conn == "source" else {})
    monkeypatch.setattr(catalog, "available_extensions", lambda conn: dict.fromkeys(INSTALLED, "1"))
    result = CheckExtensionsOperator(task_id="check_extensions").execute(make_context())
    assert result == {"source_extensions": INSTALLED}
    assert [side for side, _ in opened] == ["source", "target"]
