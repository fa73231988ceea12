"""Unit tests of timescale_migration.db.sqlfiles: loading include/sql/*.sql and composing identifiers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from psycopg import sql as pgsql

from timescale_migration import settings
from timescale_migration.db import sqlfiles

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "plugins" / "timescale_migration"
SQL_DIR = REPO / "include" / "sql"
FOLDERS = sorted(p.name for p in SQL_DIR.iterdir() if p.is_dir() and p.name != "fragments")
REFERENCE = re.compile(r"""["']((?:""" + "|".join(FOLDERS) + r""")/\w+)["']""")


def referenced_names() -> set[str]:
    """Every "<folder>/<name>" string literal of the package's code."""
    return {
        match.group(1)
        for path in PACKAGE.rglob("*.py")
        for match in REFERENCE.finditer(path.read_text(encoding="utf-8"))
    }


def sql_files() -> set[str]:
    """Every query file as "<folder>/<name>" (fragments are included by other files, never run alone)."""
    return {
        str(p.relative_to(SQL_DIR).with_suffix("")) for p in SQL_DIR.glob("*/*.sql") if p.parent.name != "fragments"
    }


def test_sql_dir_is_include_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    """By default the SQL lives in include/sql beside plugins/."""
    monkeypatch.delenv(settings.SQL_DIR.name, raising=False)
    assert sqlfiles.sql_dir() == REPO / "include" / "sql"


def test_sql_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$TSM_SQL_DIR points the loader elsewhere."""
    name = f"unit_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.sql").write_text("SELECT 1;\n", encoding="utf-8")
    monkeypatch.setenv(settings.SQL_DIR.name, str(tmp_path))
    assert sqlfiles.sql_dir() == tmp_path
    assert sqlfiles.text(name) == "SELECT 1;\n"


def test_text_reads_file() -> None:
    """text() returns a file's content."""
    assert "server_version_num" in sqlfiles.text("server/server_info")


def test_text_missing_file_names_path() -> None:
    """A missing file raises FileNotFoundError naming the path and what to deploy."""
    with pytest.raises(FileNotFoundError, match=r"no_such_query\.sql is missing.*include/"):
        sqlfiles.text("no_such_query")


def test_every_referenced_sql_file_exists() -> None:
    """Each "<folder>/<name>" the package names has its file, and the references include the ones every run needs."""
    names = referenced_names()
    assert {"server/server_info", "verify/verify_session", "timescaledb/pre_restore"} <= names
    assert sorted(names - sql_files()) == []


def test_every_sql_file_is_named_literally_somewhere() -> None:
    """No dead file and no name built at run time: each file's "<folder>/<name>" is written in the package."""
    assert sorted(sql_files() - referenced_names()) == []


def test_no_file_at_the_top_of_include_sql() -> None:
    """Every query lives in the folder of its concern."""
    assert sorted(p.name for p in SQL_DIR.glob("*.sql")) == []


def test_fragment_is_expanded() -> None:
    """{{user_schema}} becomes the shared predicate; no marker is left in any file's text."""
    text = sqlfiles.text("verify/user_tables")
    assert "{{" not in text and "d.deptype = 'e'" in text and "starts_with(n.nspname, 'pg_temp')" in text
    assert all("{{" not in sqlfiles.text(name) for name in sql_files())


def test_query_is_plain_sql() -> None:
    """query() wraps the text without placeholders."""
    query = sqlfiles.query("server/server_info")
    assert isinstance(query, pgsql.SQL)
    assert query.as_string() == sqlfiles.text("server/server_info")


def test_compose_string_is_identifier() -> None:
    """A str value becomes a quoted identifier."""
    composed = sqlfiles.compose("extensions/drop_extension", extension='time"scale')
    assert 'DROP EXTENSION "time""scale";' in composed.as_string()


def test_compose_tuple_is_qualified_name() -> None:
    """A tuple becomes schema.name, each part quoted."""
    assert (
        'FROM ONLY "my schema"."T" AS t'
        in sqlfiles.compose("verify/table_checksum", only=pgsql.SQL("ONLY"), table=("my schema", "T")).as_string()
    )


def test_compose_passes_composables_through() -> None:
    """A Composable (a literal version) is used as given."""
    composed = sqlfiles.compose(
        "extensions/create_extension_version", extension="timescaledb", version=pgsql.Literal("2.19.3")
    )
    assert "CREATE EXTENSION \"timescaledb\" VERSION '2.19.3';" in composed.as_string()


@pytest.mark.parametrize("name", ["timescaledb/pre_restore", "timescaledb/post_restore"])
def test_restore_functions_are_schema_qualified(name: str) -> None:
    """pre/post restore calls name the extension's schema, so the dump's search_path cannot hide them."""
    function = "timescaledb_" + name.split("/")[1]
    assert f'SELECT "public".{function}();' in sqlfiles.compose(name, schema="public").as_string()
