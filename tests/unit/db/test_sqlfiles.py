"""Unit tests of timescale_migration.db.sqlfiles: loading include/sql/*.sql and composing identifiers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from psycopg import sql as pgsql

from timescale_migration.db import sqlfiles

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "plugins" / "timescale_migration"
REFERENCES = re.compile(
    r"""rows\(\s*conn,\s*"(\w+)"|compose\(\s*"(\w+)"|query\(\s*"(\w+)"|sql_name\s*=\s*"(\w+)\"""", re.MULTILINE
)


def referenced_names() -> list[str]:
    """Every include/sql name the package's code refers to."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for match in REFERENCES.finditer(path.read_text(encoding="utf-8")):
            names.update(group for group in match.groups() if group)
    return sorted(names)


def test_sql_dir_is_include_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    """By default the SQL lives in include/sql beside plugins/."""
    monkeypatch.delenv(sqlfiles.SQL_DIR_ENV, raising=False)
    assert sqlfiles.sql_dir() == REPO / "include" / "sql"


def test_sql_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$TSM_SQL_DIR points the loader elsewhere."""
    name = f"unit_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.sql").write_text("SELECT 1;\n", encoding="utf-8")
    monkeypatch.setenv(sqlfiles.SQL_DIR_ENV, str(tmp_path))
    assert sqlfiles.sql_dir() == tmp_path
    assert sqlfiles.text(name) == "SELECT 1;\n"


def test_text_reads_file() -> None:
    """text() returns a file's content."""
    assert "server_version_num" in sqlfiles.text("server_info")


def test_text_missing_file_names_path() -> None:
    """A missing file raises FileNotFoundError naming the path and what to deploy."""
    with pytest.raises(FileNotFoundError, match=r"no_such_query\.sql is missing.*include/"):
        sqlfiles.text("no_such_query")


def test_every_referenced_sql_file_exists() -> None:
    """Each include/sql name used by the package has its file."""
    names = referenced_names()
    assert {"server_info", "verify_session", "timescaledb_pre_restore", "timescaledb_post_restore"} <= set(names)
    missing = [name for name in names if not (REPO / "include" / "sql" / f"{name}.sql").is_file()]
    assert not missing


def test_query_is_plain_sql() -> None:
    """query() wraps the text without placeholders."""
    query = sqlfiles.query("server_info")
    assert isinstance(query, pgsql.SQL)
    assert query.as_string() == sqlfiles.text("server_info")


def test_compose_string_is_identifier() -> None:
    """A str value becomes a quoted identifier."""
    composed = sqlfiles.compose("drop_extension", extension='time"scale')
    assert 'DROP EXTENSION "time""scale";' in composed.as_string()


def test_compose_tuple_is_qualified_name() -> None:
    """A tuple becomes schema.name, each part quoted."""
    assert 'FROM ONLY "my schema"."T" AS t' in sqlfiles.compose(
        "table_checksum", only=pgsql.SQL("ONLY"), table=("my schema", "T")).as_string()


def test_compose_passes_composables_through() -> None:
    """A Composable (a literal version) is used as given."""
    composed = sqlfiles.compose("create_extension_version", extension="timescaledb", version=pgsql.Literal("2.19.3"))
    assert 'CREATE EXTENSION "timescaledb" VERSION \'2.19.3\';' in composed.as_string()


@pytest.mark.parametrize("name", ["timescaledb_pre_restore", "timescaledb_post_restore"])
def test_restore_functions_are_schema_qualified(name: str) -> None:
    """pre/post restore calls name the extension's schema, so the dump's search_path cannot hide them."""
    assert f'SELECT "public".{name}();' in sqlfiles.compose(name, schema="public").as_string()
