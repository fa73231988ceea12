"""The database's session defaults: `ALTER DATABASE ... SET`, `ALTER ROLE ... IN DATABASE ... SET` and its comment.

`pg_dump` of one database carries none of them (only with `--create`) and `pg_dumpall --roles-only` does not
carry a role's settings inside one database. They are read from the source, tried on the target before the
downtime (checks/sessiondefaults.py: what the target refuses becomes a finding shown at the gate), applied after
the load and compared by verify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.db import catalog, sqlfiles
from timescale_migration.exceptions import MigrationError

SECTION = "database settings"
"""The inventory and verification section of the settings and the comment."""
COMMENT_KEY = "comment on the database"
MIGRATION_OWN = frozenset({"timescaledb.restoring"})
"""Settings the migration itself sets on the target database (pre_restore): never read, copied or compared."""
GUC_LIST_QUOTE = frozenset(
    {
        "local_preload_libraries",
        "search_path",
        "session_preload_libraries",
        "shared_preload_libraries",
        "temp_tablespaces",
        "unix_socket_directories",
    }
)
"""Parameters whose stored value is a list of quoted names; each element is given on its own, as pg_dump does."""


def setting_key(role: str | None, parameter: str) -> str:
    """The name of a setting in the inventory: `database <parameter>` or `role "<name>" <parameter>`."""
    if role is None:
        return f"database {parameter}"
    return 'role "' + role.replace('"', '""') + f'" {parameter}'


@dataclass(frozen=True)
class Setting:
    """One stored session default: database-wide (role None) or of one role in this database."""

    role: str | None
    parameter: str
    value: str

    @property
    def key(self) -> str:
        """The inventory name."""
        return setting_key(self.role, self.parameter)

    def describe(self) -> str:
        """As a DBA would write it."""
        where = "database-wide" if self.role is None else f'for role "{self.role}"'
        return f"{self.parameter} = {self.value} ({where})"


@dataclass(frozen=True)
class DatabaseSettings:
    """Every stored session default of one database, and its comment."""

    settings: list[Setting] = field(default_factory=list)
    comment: str | None = None

    def inventory(self) -> dict[str, str]:
        """Inventory name -> value; the comment as one more item."""
        items = {s.key: s.value for s in self.settings}
        if self.comment is not None:
            items[COMMENT_KEY] = self.comment
        return items


def read(conn: psycopg.Connection) -> DatabaseSettings:
    """The settings stored for the connected database (the migration's own left out) and its comment."""
    settings = [
        Setting(r["role_name"], r["parameter"], r["value"])
        for r in catalog.rows(conn, "settings/database_settings")
        if r["parameter"].lower() not in MIGRATION_OWN
    ]
    return DatabaseSettings(settings, catalog.rows(conn, "settings/database_comment")[0]["comment"])


def value_items(parameter: str, value: str) -> list[str]:
    """The value as `SET parameter TO item, ...` takes it: list-of-names parameters split, as pg_dump does."""
    if parameter.lower() not in GUC_LIST_QUOTE:
        return [value]
    items, i = [], 0
    while True:
        while i < len(value) and value[i].isspace():
            i += 1
        if i < len(value) and value[i] == '"':
            item, i = "", i + 1
            while i < len(value):
                if value[i] == '"':
                    if value[i + 1 : i + 2] != '"':
                        break
                    i += 1
                item += value[i]
                i += 1
            i += 1
        else:
            start = i
            while i < len(value) and value[i] != "," and not value[i].isspace():
                i += 1
            item = value[start:i]
        items.append(item)
        while i < len(value) and value[i].isspace():
            i += 1
        if i >= len(value) or value[i] != ",":
            return items
        i += 1


def set_statement(database: str, setting: Setting, role: pgsql.Composable | None = None) -> pgsql.Composed:
    """ALTER DATABASE ... SET, or ALTER ROLE ... IN DATABASE ... SET for the setting's role (or `role`)."""
    parameter = pgsql.Identifier(*setting.parameter.split("."))
    value = pgsql.SQL(", ").join(pgsql.Literal(item) for item in value_items(setting.parameter, setting.value))
    if setting.role is None and role is None:
        return sqlfiles.compose("settings/alter_database_set", database=database, parameter=parameter, value=value)
    return sqlfiles.compose(
        "settings/alter_role_in_database_set",
        role=role or pgsql.Identifier(setting.role or ""),
        database=database,
        parameter=parameter,
        value=value,
    )


def comment_statement(database: str, comment: str) -> pgsql.Composed:
    """COMMENT ON DATABASE ... IS '...'."""
    return sqlfiles.compose("settings/comment_on_database", database=database, comment=pgsql.Literal(comment))


def apply(conn: psycopg.Connection, database: str, settings: DatabaseSettings, skip: set[str]) -> list[str]:
    """Set the source's settings and comment on the target database in one transaction, except the `skip`ped
    keys (findings shown at the gate); returns what was set. Idempotent: a retry sets the same values."""
    done: list[str] = []
    todo = [(s.describe(), set_statement(database, s)) for s in settings.settings if s.key not in skip]
    if settings.comment is not None and COMMENT_KEY not in skip:
        todo.append(("the database's comment", comment_statement(database, settings.comment)))
    with conn.transaction():
        for what, statement in todo:
            try:
                catalog.run(conn, statement)
            except psycopg.Error as err:
                if conn.broken:
                    raise
                raise MigrationError(
                    f"the target refused {what} ({err.diag.message_primary or err}), which the check before the "
                    "downtime had accepted; none of the settings were applied. Set it on the target yourself, then "
                    "mark this task success, or fix the cause and clear it"
                ) from err
            done.append(what)
    return done


def summary(settings: DatabaseSettings) -> dict[str, Any]:
    """JSON-friendly form for XCom and logs."""
    return {"settings": [s.describe() for s in settings.settings], "comment": settings.comment is not None}
