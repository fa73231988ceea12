"""Unit tests of timescale_migration.tools.clienttools: argv builders, conninfo quoting and finding client tools."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.support.fakes import fake_tools
from timescale_migration.constants import CLIENT_TOOLS
from timescale_migration.exceptions import ClientToolsError
from timescale_migration.tools import clienttools
from timescale_migration.tools.clienttools import (
    ClientTools,
    conninfo_dbname,
    find_client_tools,
    inspect_dir,
    missing_tools,
    pg_dump_plain_argv,
    pg_dumpall_roles_argv,
    psql_command_argv,
    psql_load_argv,
    tool_version,
)

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/opt/pg/17/bin", major=17, version="17.12")
AWKWARD_NAMES = [
    "plain",
    "it's",
    'double"quote',
    "back\\slash",
    "trailing\\",
    "with space",
    "key=value",
    "dbname=other host=evil",
    "Ünïcødé ☃ データ",
    "'; DROP DATABASE x; --",
    "",
]


@pytest.fixture
def discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty /usr/lib/postgresql look-alike used as DEFAULT_BIN_GLOB, and a PATH without client tools."""
    root = tmp_path / "postgresql"
    root.mkdir()
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setattr(clienttools, "DEFAULT_BIN_GLOB", str(root / "*" / "bin"))
    monkeypatch.setenv("PATH", str(empty))
    return root


# --- argv builders ----------------------------------------------------------------------------------------------------


def test_client_tools_path_joins_bin_dir() -> None:
    """ClientTools.path() is the absolute path of the program in bin_dir."""
    assert TOOLS.path("pg_dump") == "/opt/pg/17/bin/pg_dump"


def test_pg_dump_plain_argv_has_exactly_the_guide_flags() -> None:
    """pg_dump runs with the guide's flags and nothing else (no connection details, no password)."""
    argv = pg_dump_plain_argv(TOOLS, "/work/run/dump.sql.partial")
    assert argv == [
        "/opt/pg/17/bin/pg_dump",
        "--format=plain",
        "--quote-all-identifiers",
        "--no-tablespaces",
        "--no-owner",
        "--no-privileges",
        "--file=/work/run/dump.sql.partial",
    ]


def test_pg_dumpall_roles_argv_with_passwords() -> None:
    """The roles dump is --roles-only --quote-all-identifiers and keeps passwords when it may read them."""
    argv = pg_dumpall_roles_argv(TOOLS, "appdb", "/w/roles.raw", passwords=True)
    assert argv[0] == "/opt/pg/17/bin/pg_dumpall"
    assert "--roles-only" in argv
    assert "--quote-all-identifiers" in argv
    assert "--file=/w/roles.raw" in argv
    assert "--no-role-passwords" not in argv


def test_pg_dumpall_roles_argv_without_passwords() -> None:
    """--no-role-passwords is added only when passwords=False."""
    argv = pg_dumpall_roles_argv(TOOLS, "appdb", "/w/roles.raw", passwords=False)
    assert argv.count("--no-role-passwords") == 1
    assert "--roles-only" in argv
    assert "--quote-all-identifiers" in argv


def test_pg_dumpall_roles_argv_names_database_as_conninfo() -> None:
    """The source database reaches pg_dumpall as a quoted conninfo, never as a bare (expandable) name."""
    argv = pg_dumpall_roles_argv(TOOLS, "dbname=x host=evil", "/w/r", passwords=True)
    database = [arg for arg in argv if arg.startswith("--database=")]
    assert database == ["--database=dbname='dbname=x host=evil'"]
    assert conninfo_to_dict(database[0].removeprefix("--database=")) == {"dbname": "dbname=x host=evil"}


def test_psql_load_argv_flags_and_files_in_order() -> None:
    """psql loads with -X -v ON_ERROR_STOP=1 --echo-errors and one -f per file, in the given order."""
    argv = psql_load_argv(TOOLS, ["/w/roles.sql", "/w/dump.sql"])
    assert argv == [
        "/opt/pg/17/bin/psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "--echo-errors",
        "-f",
        "/w/roles.sql",
        "-f",
        "/w/dump.sql",
    ]


def test_psql_load_argv_single_file() -> None:
    """Without roles.sql only the dump is loaded."""
    argv = psql_load_argv(TOOLS, ["/w/dump.sql"])
    assert argv[-2:] == ["-f", "/w/dump.sql"]
    assert argv.count("-f") == 1


def test_psql_command_argv() -> None:
    """psql -c runs one fixed command with ON_ERROR_STOP and no psqlrc."""
    argv = psql_command_argv(TOOLS, "ANALYZE;")
    assert argv == ["/opt/pg/17/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-c", "ANALYZE;"]


@pytest.mark.parametrize(
    "builder",
    [
        lambda: pg_dump_plain_argv(TOOLS, "/w/d"),
        lambda: pg_dumpall_roles_argv(TOOLS, "db", "/w/r", passwords=True),
        lambda: psql_load_argv(TOOLS, ["/w/d"]),
        lambda: psql_command_argv(TOOLS, "ANALYZE;"),
    ],
)
def test_argv_carries_no_connection_details(builder) -> None:
    """No argv names a host, port, user or password: those reach the tools through the environment."""
    argv = builder()
    for arg in argv:
        assert not arg.startswith(("-h", "--host", "-p", "--port", "-U", "--username", "-W", "--password")), arg
        assert "password" not in arg.lower()


# --- conninfo_dbname --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain", "dbname='plain'"),
        ("it's", "dbname='it\\'s'"),
        ("back\\slash", "dbname='back\\\\slash'"),
        ("with space", "dbname='with space'"),
        ("a=b", "dbname='a=b'"),
        ('say "hi"', "dbname='say \"hi\"'"),
    ],
)
def test_conninfo_dbname_exact_quoting(name: str, expected: str) -> None:
    """Single quotes and backslashes are backslash-escaped inside a single-quoted value."""
    assert conninfo_dbname(name) == expected


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_conninfo_dbname_round_trips_through_libpq(name: str) -> None:
    """libpq parses the conninfo back into exactly one keyword, dbname, holding the original name."""
    assert conninfo_to_dict(conninfo_dbname(name)) == {"dbname": name}


# --- tool_version, missing_tools, inspect_dir -------------------------------------------------------------------------


def test_tool_version_parses_major_and_minor(tmp_path: Path) -> None:
    """`pg_dump (PostgreSQL) 17.12` gives major 17 and version 17.12."""
    bin_dir = fake_tools(tmp_path / "bin", "17.12")
    assert tool_version(str(bin_dir / "pg_dump")) == (17, "17.12")


def test_tool_version_with_distribution_suffix(tmp_path: Path) -> None:
    """A Debian suffix after the version does not confuse the parser."""
    bin_dir = fake_tools(tmp_path / "bin", "16.4 (Debian 16.4-1.pgdg120+2)")
    assert tool_version(str(bin_dir / "pg_dump")) == (16, "16.4")


def test_tool_version_without_minor(tmp_path: Path) -> None:
    """A bare major version (a beta build) reads as <major>.0."""
    bin_dir = fake_tools(tmp_path / "bin", "18beta1")
    assert tool_version(str(bin_dir / "pg_dump")) == (18, "18.0")


def test_tool_version_failure_raises(tmp_path: Path) -> None:
    """A tool that exits non-zero gives a ClientToolsError naming its path."""
    bin_dir = fake_tools(tmp_path / "bin", "17.12", version_exit=2)
    with pytest.raises(ClientToolsError, match="--version failed") as err:
        tool_version(str(bin_dir / "pg_dump"))
    assert str(bin_dir / "pg_dump") in str(err.value)


def test_tool_version_unparsable_output_raises(tmp_path: Path) -> None:
    """Output without `(PostgreSQL) N` is refused."""
    script = tmp_path / "pg_dump"
    script.write_text('#!/bin/sh\necho "something else 1.2"\n')
    script.chmod(0o755)
    with pytest.raises(ClientToolsError, match="something else"):
        tool_version(str(script))


def test_missing_tools_none_missing(tmp_path: Path) -> None:
    """A complete directory lacks nothing."""
    assert missing_tools(str(fake_tools(tmp_path / "bin", "17.12"))) == []


def test_missing_tools_lists_absent_and_non_executable(tmp_path: Path) -> None:
    """Absent programs and programs without the execute bit both count as missing, in CLIENT_TOOLS order."""
    bin_dir = fake_tools(tmp_path / "bin", "17.12", ("pg_dump", "psql", "pg_restore"))
    (bin_dir / "pg_restore").chmod(0o644)
    assert missing_tools(str(bin_dir)) == ["pg_dumpall", "pg_restore"]


def test_missing_tools_of_nonexistent_dir(tmp_path: Path) -> None:
    """A directory that does not exist lacks every tool."""
    assert missing_tools(str(tmp_path / "nope")) == list(CLIENT_TOOLS)


def test_inspect_dir_complete(tmp_path: Path) -> None:
    """inspect_dir reports the directory and pg_dump's version."""
    bin_dir = fake_tools(tmp_path / "bin", "17.12")
    assert inspect_dir(str(bin_dir)) == ClientTools(bin_dir=str(bin_dir), major=17, version="17.12")


def test_inspect_dir_names_missing_tools(tmp_path: Path) -> None:
    """The error names the directory and each missing program."""
    bin_dir = fake_tools(tmp_path / "bin", "17.12", ("pg_dump", "psql"))
    with pytest.raises(ClientToolsError) as err:
        inspect_dir(str(bin_dir))
    message = str(err.value)
    assert str(bin_dir) in message
    assert "pg_dumpall" in message
    assert "pg_restore" in message
    assert "lacks pg_dumpall, pg_restore" in message


# --- find_client_tools ------------------------------------------------------------------------------------------------


def test_find_client_tools_uses_given_dir(tmp_path: Path, discovery: Path) -> None:
    """A pg_bin_dir param is used as given, even when a newer installation is discoverable."""
    fake_tools(discovery / "18" / "bin", "18.1")
    given = fake_tools(tmp_path / "custom" / "bin", "17.12")
    tools = find_client_tools(str(given), 15)
    assert tools == ClientTools(bin_dir=str(given), major=17, version="17.12")


def test_find_client_tools_given_dir_same_major_is_enough(tmp_path: Path) -> None:
    """Client tools of the same major version as the newest server are accepted."""
    given = fake_tools(tmp_path / "bin", "17.0")
    assert find_client_tools(str(given), 17).major == 17


def test_find_client_tools_given_dir_missing_tools(tmp_path: Path) -> None:
    """A given pg_bin_dir lacking programs fails naming them."""
    given = fake_tools(tmp_path / "bin", "17.12", ("pg_dump", "pg_dumpall", "psql"))
    with pytest.raises(ClientToolsError, match="pg_restore"):
        find_client_tools(str(given), 15)


def test_find_client_tools_given_dir_too_old(tmp_path: Path) -> None:
    """Too old tools in pg_bin_dir fail saying which client version to install."""
    given = fake_tools(tmp_path / "bin", "15.8")
    with pytest.raises(ClientToolsError) as err:
        find_client_tools(str(given), 17)
    message = str(err.value)
    assert "15.8" in message
    assert "postgresql-client-17" in message
    assert str(given) in message


def test_find_client_tools_discovers_newest(discovery: Path) -> None:
    """Without pg_bin_dir the newest complete installation at or above min_major wins."""
    fake_tools(discovery / "15" / "bin", "15.8")
    fake_tools(discovery / "17" / "bin", "17.12")
    fake_tools(discovery / "16" / "bin", "16.4")
    tools = find_client_tools(None, 15)
    assert tools.major == 17
    assert tools.bin_dir == str(discovery / "17" / "bin")


def test_find_client_tools_compares_majors_numerically(discovery: Path) -> None:
    """Version 10 is newer than 9 although "9" sorts after "10" as text."""
    fake_tools(discovery / "9" / "bin", "9.6")
    fake_tools(discovery / "10" / "bin", "10.23")
    assert find_client_tools(None, 9).major == 10


def test_find_client_tools_skips_incomplete_and_broken(discovery: Path) -> None:
    """An installation missing a program, or whose pg_dump fails, is passed over."""
    fake_tools(discovery / "16" / "bin", "16.4")
    fake_tools(discovery / "18" / "bin", "18.1", ("pg_dump", "pg_dumpall", "pg_restore"))
    fake_tools(discovery / "17" / "bin", "17.12", version_exit=1)
    tools = find_client_tools(None, 15)
    assert tools.bin_dir == str(discovery / "16" / "bin")


def test_find_client_tools_searches_path(tmp_path: Path, discovery: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH entry holding pg_dump is a candidate too, and wins when it is the newest."""
    fake_tools(discovery / "16" / "bin", "16.4")
    on_path = fake_tools(tmp_path / "local" / "bin", "17.12")
    monkeypatch.setenv("PATH", f"{tmp_path / 'empty-path'}:{on_path}")
    tools = find_client_tools(None, 16)
    assert tools.bin_dir == str(on_path)
    assert tools.version == "17.12"


def test_find_client_tools_ignores_too_old(discovery: Path) -> None:
    """Older installations are ignored when a new-enough one exists."""
    fake_tools(discovery / "15" / "bin", "15.8")
    fake_tools(discovery / "17" / "bin", "17.12")
    assert find_client_tools(None, 17).bin_dir == str(discovery / "17" / "bin")


def test_find_client_tools_none_new_enough(discovery: Path) -> None:
    """When every installation is too old, the error lists what was found and which client to install."""
    fake_tools(discovery / "15" / "bin", "15.8")
    fake_tools(discovery / "16" / "bin", "16.4")
    with pytest.raises(ClientToolsError) as err:
        find_client_tools(None, 17)
    message = str(err.value)
    assert "version 17 or newer" in message
    assert "postgresql-client-17" in message
    assert f"15.8 in {discovery / '15' / 'bin'}" in message
    assert f"16.4 in {discovery / '16' / 'bin'}" in message


def test_find_client_tools_nothing_installed(discovery: Path) -> None:
    """With no installation at all the error says none were found."""
    with pytest.raises(ClientToolsError, match=r"found: none"):
        find_client_tools(None, 15)


def test_candidate_dirs_lists_glob_then_path(tmp_path: Path, discovery: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """candidate_dirs gives glob matches first and PATH entries holding pg_dump after, without duplicates."""
    glob_dir = fake_tools(discovery / "17" / "bin", "17.12")
    on_path = fake_tools(tmp_path / "local" / "bin", "17.12", ("pg_dump",))
    monkeypatch.setenv("PATH", f"{on_path}:{glob_dir}:{tmp_path / 'empty-path'}")
    assert clienttools.candidate_dirs() == [str(glob_dir), str(on_path)]


def test_directory_dump_is_parallel_uncompressed_with_the_guides_flags(tmp_path: Path) -> None:
    """pg_dump -Fd -j N -Z0 plus the guide's four flags; no connection details in argv."""
    tools = ClientTools(bin_dir="/opt/pg/bin", major=17, version="17.12")
    argv = clienttools.pg_dump_directory_argv(tools, "/w/dump.dir", 3)
    assert argv == [
        "/opt/pg/bin/pg_dump",
        "--format=directory",
        "--jobs=3",
        "--compress=0",
        "--quote-all-identifiers",
        "--no-tablespaces",
        "--no-owner",
        "--no-privileges",
        "--file=/w/dump.dir",
    ]


def test_pg_restore_names_the_database_as_quoted_conninfo() -> None:
    """pg_restore gets --dbname as a conninfo naming only the database, stops at the first error, and takes
    the schema filters the TimescaleDB catalog step needs."""
    tools = ClientTools(bin_dir="/b", major=17, version="17.12")
    catalog_step = clienttools.pg_restore_argv(tools, "tsdb 'x'", "/w/d", schema="_timescaledb_catalog")
    rest = clienttools.pg_restore_argv(tools, "tsdb", "/w/d", jobs=4, exclude_schema="_timescaledb_catalog")
    assert catalog_step[:3] == ["/b/pg_restore", "--dbname=dbname='tsdb \\'x\\''", "--exit-on-error"]
    assert "--jobs=1" in catalog_step and "--schema=_timescaledb_catalog" in catalog_step
    assert "--jobs=4" in rest and "--exclude-schema=_timescaledb_catalog" in rest and rest[-1] == "/w/d"


def test_plain_dump_to_stdout_has_no_file_flag() -> None:
    """For the stream mode pg_dump writes to standard output."""
    tools = ClientTools(bin_dir="/b", major=17, version="17.12")
    assert not [a for a in clienttools.pg_dump_plain_argv(tools, None) if a.startswith("--file")]


def test_pg_restore_takes_one_section_or_several() -> None:
    """The TimescaleDB restore runs pre-data alone, then data and post-data together: --section once each."""
    tools = ClientTools(bin_dir="/b", major=17, version="17.12")
    one = clienttools.pg_restore_argv(tools, "tsdb", "/w/d", section="pre-data")
    two = clienttools.pg_restore_argv(tools, "tsdb", "/w/d", section=("data", "post-data"))
    assert [a for a in one if a.startswith("--section")] == ["--section=pre-data"]
    assert [a for a in two if a.startswith("--section")] == ["--section=data", "--section=post-data"]
    assert not any(a.startswith("--section") for a in clienttools.pg_restore_argv(tools, "tsdb", "/w/d"))
