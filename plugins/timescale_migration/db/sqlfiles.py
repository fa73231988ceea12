"""SQL kept in include/sql/<concern>/<name>.sql, loaded by "<concern>/<name>"; identifiers are composed with
psycopg's sql module. A file may include a shared predicate of include/sql/fragments/ as {{<fragment>}}."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from psycopg import sql

from timescale_migration import settings

FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


def sql_dir() -> Path:
    """include/sql beside the plugins folder, or $TSM_SQL_DIR."""
    return settings.sql_dir()


@cache
def text(name: str) -> str:
    """The text of include/sql/<name>.sql, each {{fragment}} replaced by include/sql/fragments/<fragment>.sql."""
    return FRAGMENT.sub(lambda match: _fragment(match.group(1)), _read(name))


def _fragment(name: str) -> str:
    """A fragment's predicate without its comment lines."""
    lines = _read(f"fragments/{name}").splitlines()
    return "\n".join(line for line in lines if not line.startswith("--")).strip()


def _read(name: str) -> str:
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"SQL file {path} is missing: is include/ deployed beside plugins/?")
    return path.read_text(encoding="utf-8")


def query(name: str) -> sql.SQL:
    """A query with no placeholders, ready for cursor.execute()."""
    return sql.SQL(text(name))


def compose(name: str, **values: str | tuple[str, ...] | sql.Composable) -> sql.Composed:
    """The query with each {placeholder} filled: a str is an identifier, a tuple schema.name, else as given. The
    file's comment lines are left out first: a placeholder they name must not be filled there (a name with a line
    break would end the comment and become code)."""
    parts = {key: _part(value) for key, value in values.items()}
    return sql.SQL(_uncommented(name)).format(**parts)


def _uncommented(name: str) -> str:
    """The file's text without its whole-line comments."""
    return "\n".join(line for line in text(name).splitlines() if not line.lstrip().startswith("--"))


def subquery(name: str, **values: str | tuple[str, ...] | sql.Composable) -> sql.Composed:
    """compose() without the file's comment lines and final semicolon: a query to nest in another's FROM."""
    body = _uncommented(name).strip().rstrip(";")
    parts = {key: _part(value) for key, value in values.items()}
    return sql.SQL(body).format(**parts)


def command(name: str, **values: str | tuple[str, ...] | sql.Composable) -> str:
    """compose() rendered as one statement for `psql -c`, without the file's leading comment lines."""
    body = _uncommented(name).strip()
    parts = {key: _part(value) for key, value in values.items()}
    return sql.SQL(body).format(**parts).as_string(None).strip()


def _part(value: str | tuple[str, ...] | sql.Composable) -> sql.Composable:
    if isinstance(value, sql.Composable):
        return value
    return sql.Identifier(*value) if isinstance(value, tuple) else sql.Identifier(value)
