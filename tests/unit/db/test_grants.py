"""Unit tests of timescale_migration.db.grants: the GRANT, REVOKE, ALTER ... OWNER and ALTER DEFAULT PRIVILEGES
statements."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.db.conftest import obj
from timescale_migration.db import grants
from timescale_migration.db.privileges import DefaultPrivileges

pytestmark = pytest.mark.unit


def text(statement: Any) -> str:
    """The statement without the SQL file's comment lines."""
    return " ".join(line for line in statement.as_string(None).splitlines() if not line.startswith("--")).strip()


def test_grant_statements_turn_have_into_want() -> None:
    """Missing privileges granted (with grant option when the source had it), extra ones revoked, an extra grant
    option alone revoked; nothing when both agree."""
    table = obj("table", "Sales Data", "Customers")
    want = {("App Reader", "SELECT", False), ("PUBLIC", "SELECT", False), ("w", "INSERT", True), ("x", "UPDATE", False)}
    have = {("app", "DELETE", False), ("x", "UPDATE", True), ("PUBLIC", "SELECT", False)}
    assert [text(s) for s in grants.grant_statements(table, want, have)] == [
        'GRANT SELECT ON TABLE "Sales Data"."Customers" TO "App Reader"',
        'GRANT INSERT ON TABLE "Sales Data"."Customers" TO "w" WITH GRANT OPTION',
        'REVOKE DELETE ON TABLE "Sales Data"."Customers" FROM "app"',
        'REVOKE GRANT OPTION FOR UPDATE ON TABLE "Sales Data"."Customers" FROM "x"',
    ]
    assert grants.grant_statements(table, want, set(want)) == []


def test_statements_per_kind() -> None:
    """Columns, functions, large objects and views are named as GRANT and ALTER ... OWNER want them."""
    column = obj("column", "s", "t", "name")
    assert [text(s) for s in grants.grant_statements(column, {("w", "SELECT", False)}, set())] == [
        'GRANT SELECT ("name") ON TABLE "s"."t" TO "w"'
    ]
    function = obj("function", "s", "total", "a integer")
    assert [text(s) for s in grants.grant_statements(function, set(), {("PUBLIC", "EXECUTE", False)})] == [
        'REVOKE EXECUTE ON FUNCTION "s"."total"(a integer) FROM PUBLIC'
    ]
    assert text(grants.owner_statement(function, "App Owner")) == (
        'ALTER FUNCTION "s"."total"(a integer) OWNER TO "App Owner"'
    )
    aggregate = obj("aggregate", "s", "joined", "text")
    assert [text(s) for s in grants.grant_statements(aggregate, {("w", "EXECUTE", False)}, set())] == [
        'GRANT EXECUTE ON FUNCTION "s"."joined"(text) TO "w"'
    ]
    assert text(grants.owner_statement(aggregate, "app")) == 'ALTER AGGREGATE "s"."joined"(text) OWNER TO "app"'
    assert text(grants.owner_statement(obj("large object", None, "16401"), "app")) == (
        'ALTER LARGE OBJECT 16401 OWNER TO "app"'
    )
    assert text(grants.owner_statement(obj("materialized view", "s", "mv"), "app")) == (
        'ALTER MATERIALIZED VIEW "s"."mv" OWNER TO "app"'
    )
    assert [text(s) for s in grants.grant_statements(obj("view", "s", "v"), {("r", "SELECT", False)}, set())] == [
        'GRANT SELECT ON TABLE "s"."v" TO "r"'
    ]


def test_default_statements() -> None:
    """ALTER DEFAULT PRIVILEGES for the role, in its schema or everywhere."""
    entry = DefaultPrivileges("App Owner", "Sales Data", "r", frozenset())
    assert [text(s) for s in grants.default_statements(entry, "App Owner", {("r", "SELECT", False)}, set())] == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "App Owner" IN SCHEMA "Sales Data" GRANT SELECT ON TABLES TO "r"'
    ]
    everywhere = DefaultPrivileges("app", None, "f", frozenset())
    assert [text(s) for s in grants.default_statements(everywhere, "app", set(), {("PUBLIC", "EXECUTE", False)})] == [
        'ALTER DEFAULT PRIVILEGES FOR ROLE "app" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC'
    ]


def test_unknown_privilege_word_is_refused() -> None:
    """Only PostgreSQL's privilege keywords reach a statement."""
    with pytest.raises(ValueError, match="unknown privilege 'DROP TABLE x; SELECT'"):
        grants.grant_statements(obj("table", "s", "t"), {("r", "DROP TABLE x; SELECT", False)}, set())
