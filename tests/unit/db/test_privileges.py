"""Unit tests of timescale_migration.db.privileges: keys, role mapping, comparison form and the statements."""

from __future__ import annotations

import json
from typing import Any

import pytest

from timescale_migration.db import privileges
from timescale_migration.db.privileges import DefaultPrivileges, ObjectPrivileges

pytestmark = pytest.mark.unit


def text(statement: Any) -> str:
    """The statement without the SQL file's comment lines."""
    return " ".join(line for line in statement.as_string(None).splitlines() if not line.startswith("--")).strip()


def obj(
    kind: str, schema: str | None, name: str, sub: str | None = None, owner: str = "app", acl: frozenset = frozenset()
) -> ObjectPrivileges:
    """An object as read from a server."""
    return ObjectPrivileges(kind, schema, name, sub, owner, False, acl)


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


def test_grant_statements_turn_have_into_want() -> None:
    """Missing privileges granted (with grant option when the source had it), extra ones revoked, an extra grant
    option alone revoked; nothing when both agree."""
    table = obj("table", "Sales Data", "Customers")
    want = {("App Reader", "SELECT", False), ("PUBLIC", "SELECT", False), ("w", "INSERT", True), ("x", "UPDATE", False)}
    have = {("app", "DELETE", False), ("x", "UPDATE", True), ("PUBLIC", "SELECT", False)}
    assert [text(s) for s in privileges.grant_statements(table, want, have)] == [
        'GRANT SELECT ON TABLE "Sales Data"."Customers" TO "App Reader"',
        'GRANT INSERT ON TABLE "Sales Data"."Customers" TO "w" WITH GRANT OPTION',
        'REVOKE DELETE ON TABLE "Sales Data"."Customers" FROM "app"',
        'REVOKE GRANT OPTION FOR UPDATE ON TABLE "Sales Data"."Customers" FROM "x"',
    ]
    assert privileges.grant_statements(table, want, set(want)) == []


def test_statements_per_kind() -> None:
    """Columns, functions, large objects and views are named as GRANT and ALTER ... OWNER want them."""
    column = obj("column", "s", "t", "name")
    assert [text(s) for s in privileges.grant_statements(column, {("w", "SELECT", False)}, set())] == [
        'GRANT SELECT ("name") ON TABLE "s"."t" TO "w"'
    ]
    function = obj("function", "s", "total", "a integer")
    assert [text(s) for s in privileges.grant_statements(function, set(), {("PUBLIC", "EXECUTE", False)})] == [
        'REVOKE EXECUTE ON FUNCTION "s"."total"(a integer) FROM PUBLIC'
    ]
    assert text(privileges.owner_statement(function, "App Owner")) == (
        'ALTER FUNCTION "s"."total"(a integer) OWNER TO "App Owner"'
    )
    aggregate = obj("aggregate", "s", "joined", "text")
    assert [text(s) for s in privileges.grant_statements(aggregate, {("w", "EXECUTE", False)}, set())] == [
        'GRANT EXECUTE ON FUNCTION "s"."joined"(text) TO "w"'
    ]
    assert text(privileges.owner_statement(aggregate, "app")) == 'ALTER AGGREGATE "s"."joined"(text) OWNER TO "app"'
    assert text(privileges.owner_statement(obj("large object", None, "16401"), "app")) == (
        'ALTER LARGE OBJECT 16401 OWNER TO "app"'
    )
    assert text(privileges.owner_statement(obj("materialized view", "s", "mv"), "app")) == (
        'ALTER MATERIALIZED VIEW "s"."mv" OWNER TO "app"'
    )
    assert [text(s) for s in privileges.grant_statements(obj("view", "s", "v"), {("r", "SELECT", False)}, set())] == [
        'GRANT SELECT ON TABLE "s"."v" TO "r"'
    ]


def test_default_statements() -> None:
    """ALTER DEFAULT PRIVILEGES for the role, in its schema or everywhere."""
    entry = DefaultPrivileges("App Owner", "Sales Data", "r", frozenset())
    assert [text(s) for s in privileges.default_statements(entry, "App Owner", {("r", "SELECT", False)}, set())] == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "App Owner" IN SCHEMA "Sales Data" GRANT SELECT ON TABLES TO "r"'
    ]
    everywhere = DefaultPrivileges("app", None, "f", frozenset())
    assert [
        text(s) for s in privileges.default_statements(everywhere, "app", set(), {("PUBLIC", "EXECUTE", False)})
    ] == ['ALTER DEFAULT PRIVILEGES FOR ROLE "app" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC']


def test_unknown_privilege_word_is_refused() -> None:
    """Only PostgreSQL's privilege keywords reach a statement."""
    with pytest.raises(ValueError, match="unknown privilege 'DROP TABLE x; SELECT'"):
        privileges.grant_statements(obj("table", "s", "t"), {("r", "DROP TABLE x; SELECT", False)}, set())
