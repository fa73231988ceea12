"""Unit tests of db.dbsettings: keys, values as SET takes them, statements, read/apply over fakes."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest

from timescale_migration.db import catalog, dbsettings
from timescale_migration.db.dbsettings import COMMENT_KEY, DatabaseSettings, Setting, setting_key, value_items
from timescale_migration.exceptions import MigrationError

pytestmark = pytest.mark.unit


def text(statement: Any) -> str:
    """The statement without the SQL file's comment lines."""
    return " ".join(line for line in statement.as_string(None).splitlines() if not line.startswith("--")).strip()


def test_setting_key_quotes_role_names() -> None:
    """Database-wide and per-role keys; a role name's double quotes are doubled."""
    assert setting_key(None, "TimeZone") == "database TimeZone"
    assert setting_key('Cfg "User"', "statement_timeout") == 'role "Cfg ""User""" statement_timeout'


@pytest.mark.parametrize(
    ("parameter", "value", "items"),
    [
        ("search_path", "app, public", ["app", "public"]),
        ("search_path", '"$user", public', ["$user", "public"]),
        ("search_path", 'app, """My S""", "x,y"', ["app", '"My S"', "x,y"]),
        ("search_path", '""', [""]),
        ("SEARCH_PATH", "a", ["a"]),
        ("temp_tablespaces", "t1,t2", ["t1", "t2"]),
        ("DateStyle", "ISO, MDY", ["ISO, MDY"]),
        ("TimeZone", "America/New_York", ["America/New_York"]),
    ],
)
def test_value_items_split_only_name_lists(parameter: str, value: str, items: list[str]) -> None:
    """Lists of names are split (quotes removed, "" unescaped) as pg_dump does; any other value stays whole."""
    assert value_items(parameter, value) == items


def test_set_statements_quote_everything() -> None:
    """Database, role and parameter are identifiers (dotted names in parts); values are literals."""
    assert text(dbsettings.set_statement("my db", Setting(None, "search_path", 'app, "o\'k"'))) == (
        "ALTER DATABASE \"my db\" SET \"search_path\" TO 'app', 'o''k'"
    )
    assert text(dbsettings.set_statement("db", Setting("Cfg User", "statement_timeout", "5s"))) == (
        'ALTER ROLE "Cfg User" IN DATABASE "db" SET "statement_timeout" TO \'5s\''
    )
    assert text(dbsettings.set_statement("db", Setting(None, "app.tenant", "7"))) == (
        'ALTER DATABASE "db" SET "app"."tenant" TO \'7\''
    )
    assert text(dbsettings.comment_statement("db", "it's ours")) == "COMMENT ON DATABASE \"db\" IS 'it''s ours'"


def test_inventory_holds_settings_and_comment() -> None:
    """Each setting by its key, and the comment when there is one."""
    found = DatabaseSettings([Setting(None, "TimeZone", "UTC"), Setting("app", "work_mem", "64MB")], "shop")
    assert found.inventory() == {"database TimeZone": "UTC", 'role "app" work_mem': "64MB", COMMENT_KEY: "shop"}
    assert DatabaseSettings().inventory() == {}


def test_read_leaves_out_the_migrations_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """timescaledb.restoring (set by pre_restore) is never read, so never copied or compared."""
    answers = {
        "settings/database_settings": [
            {"role_name": None, "parameter": "timescaledb.restoring", "value": "on"},
            {"role_name": None, "parameter": "TimeZone", "value": "UTC"},
        ],
        "settings/database_comment": [{"comment": None}],
    }
    monkeypatch.setattr(catalog, "rows", lambda conn, name, params=None: answers[name])
    assert dbsettings.read(None) == DatabaseSettings([Setting(None, "TimeZone", "UTC")], None)  # type: ignore[arg-type]


class FakeConn:
    """A session that records statements inside transactions and refuses those naming `refuse`."""

    def __init__(self, refuse: str | None = None) -> None:
        self.statements: list[str] = []
        self.refuse = refuse
        self.broken = False
        self.transactions = 0

    @contextmanager
    def transaction(self, force_rollback: bool = False) -> Any:
        self.transactions += 1
        yield


def test_apply_skips_findings_and_sets_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting and the comment, in one transaction, except the keys the gate listed."""
    conn = FakeConn()
    monkeypatch.setattr(catalog, "run", lambda c, statement, params=None: c.statements.append(text(statement)))
    settings = DatabaseSettings([Setting(None, "TimeZone", "UTC"), Setting("postgres", "work_mem", "1GB")], "c")
    done = dbsettings.apply(conn, "db", settings, {'role "postgres" work_mem'})  # type: ignore[arg-type]
    assert done == ["TimeZone = UTC (database-wide)", "the database's comment"]
    assert conn.statements == ['ALTER DATABASE "db" SET "TimeZone" TO \'UTC\'', "COMMENT ON DATABASE \"db\" IS 'c'"]
    assert conn.transactions == 1


def test_apply_refused_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal the check did not foresee fails naming the setting and the server's reason."""
    import psycopg

    class Refused(psycopg.errors.InsufficientPrivilege):
        @property
        def diag(self) -> Any:  # type: ignore[override]
            return type("D", (), {"message_primary": 'permission denied to set parameter "lc_messages"'})()

    def run(conn: Any, statement: Any, params: Any = None) -> None:
        raise Refused("x")

    monkeypatch.setattr(catalog, "run", run)
    with pytest.raises(MigrationError) as err:
        dbsettings.apply(FakeConn(), "db", DatabaseSettings([Setting(None, "lc_messages", "C")]), set())  # type: ignore[arg-type]
    assert "lc_messages = C (database-wide)" in str(err.value)
    assert 'permission denied to set parameter "lc_messages"' in str(err.value)
