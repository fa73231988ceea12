"""Unit tests of timescale_migration.db.privileges: keys, role mapping and comparison form."""

from __future__ import annotations

import json

import pytest

from tests.unit.db.conftest import obj
from timescale_migration.db import privileges
from timescale_migration.db.privileges import DefaultPrivileges

pytestmark = pytest.mark.unit


def test_keys_quote_names_per_kind() -> None:
    """Each kind of object has a key of its own; names are double-quoted (quotes doubled)."""
    assert obj("table", "Sales Data", 'Cust"omers').key == 'table "Sales Data"."Cust""omers"'
    assert obj("schema", None, "s").key == 'schema "s"'
    assert obj("column", "s", "t", "name").key == 'column "s"."t"."name"'
    assert obj("function", "s", "f", "integer, text").key == 'function "s"."f"(integer, text)'
    assert obj("large object", None, "16401").key == "large object 16401"
    assert DefaultPrivileges("App Owner", "s", "r", frozenset()).key == (
        'default privileges of role "App Owner" in schema "s" on tables'
    )
    assert DefaultPrivileges("app", None, "f", frozenset()).key == 'default privileges of role "app" on functions'


def test_renamer_and_dropped() -> None:
    """Reserved roles stand for the target's login; MAINTAIN is left out only for sources before PostgreSQL 17."""
    rename = privileges.renamer({"postgres", "tsdbadmin"}, "tsdbadmin")
    assert [rename(r) for r in ("postgres", "tsdbadmin", "app")] == ["tsdbadmin", "tsdbadmin", "app"]
    assert privileges.dropped(15) == {"MAINTAIN"} and privileges.dropped(17) == set()


def test_normalize_maps_roles_and_drops_unknown_privileges() -> None:
    """Owner and grantees renamed (PUBLIC kept), privileges the source lacks removed, entries sorted."""
    detail = json.dumps(
        {
            "owner": "postgres",
            "acl": [["postgres", "SELECT", False], ["PUBLIC", "SELECT", False], ["postgres", "MAINTAIN", False]],
        }
    )
    out = privileges.normalize(
        {"table t": detail, "default d": json.dumps({"acl": []})},
        privileges.renamer({"postgres"}, "tsdbadmin"),
        {"MAINTAIN"},
    )
    assert json.loads(out["table t"]) == {
        "owner": "tsdbadmin",
        "acl": [["PUBLIC", "SELECT", False], ["tsdbadmin", "SELECT", False]],
    }
    assert json.loads(out["default d"]) == {"acl": []}
