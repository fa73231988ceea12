"""The PostgreSQL client programs: finding a new-enough version and building their command lines.

Command lines carry only file names, flags and object names; connection details and the password reach
the programs through the environment built by Endpoint.libpq_env().
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from timescale_migration import settings
from timescale_migration.constants import CLIENT_TOOLS, DEFAULT_BIN_GLOB
from timescale_migration.exceptions import ClientToolsError

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class ClientTools:
    """A directory holding pg_dump, pg_dumpall, pg_restore and psql of one PostgreSQL version."""

    bin_dir: str
    major: int
    version: str

    def path(self, tool: str) -> str:
        """Absolute path of one program."""
        return str(Path(self.bin_dir) / tool)


def tool_version(path: str) -> tuple[int, str]:
    """Major version and version string printed by `<tool> --version`."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
    match = _VERSION_RE.search(out.stdout)
    if out.returncode != 0 or not match:
        raise ClientToolsError(f"{path} --version failed: {(out.stdout + out.stderr).strip()[:200]}")
    return int(match.group(1)), f"{match.group(1)}.{match.group(2) or 0}"


def missing_tools(bin_dir: str) -> list[str]:
    """The client programs that bin_dir lacks or cannot execute."""
    return [tool for tool in CLIENT_TOOLS if not os.access(Path(bin_dir) / tool, os.X_OK)]


def candidate_dirs() -> list[str]:
    """Directories that may hold client tools: those in $TSM_PG_BIN_DIR (the worker's own choice, separated by
    os.pathsep), /usr/lib/postgresql/*/bin, then PATH entries with pg_dump."""
    found = settings.pg_bin_dirs()
    found += [d for d in sorted(glob.glob(DEFAULT_BIN_GLOB), reverse=True) if d not in found]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and os.access(Path(entry) / "pg_dump", os.X_OK) and entry not in found:
            found.append(entry)
    return found


def inspect_dir(bin_dir: str) -> ClientTools:
    """The tools in bin_dir, or an error naming what is missing."""
    missing = missing_tools(bin_dir)
    if missing:
        raise ClientToolsError(
            f"pg_bin_dir {bin_dir!r} lacks {', '.join(missing)}: point pg_bin_dir at the bin directory of a "
            "PostgreSQL client installation (e.g. /usr/lib/postgresql/17/bin)"
        )
    major, version = tool_version(str(Path(bin_dir) / "pg_dump"))
    return ClientTools(bin_dir=str(Path(bin_dir)), major=major, version=version)


def find_client_tools(pg_bin_dir: str | None, min_major: int) -> ClientTools:
    """The tools to use: pg_bin_dir when given, else the newest discovered; at least `min_major` either way."""
    if pg_bin_dir:
        tools = inspect_dir(pg_bin_dir)
        if tools.major < min_major:
            raise ClientToolsError(
                f"pg_dump {tools.version} in {pg_bin_dir!r} is older than the newest server involved "
                f"(PostgreSQL {min_major}): install postgresql-client-{min_major} or newer and set pg_bin_dir "
                "to its bin directory"
            )
        return tools
    seen: list[ClientTools] = []
    for bin_dir in candidate_dirs():
        if missing_tools(bin_dir):
            continue
        try:
            seen.append(inspect_dir(bin_dir))
        except ClientToolsError:
            continue
    usable = [tools for tools in seen if tools.major >= min_major]
    if usable:
        return max(usable, key=lambda tools: tools.major)
    found = ", ".join(f"{t.version} in {t.bin_dir}" for t in seen) or "none"
    raise ClientToolsError(
        f"no PostgreSQL client tools of version {min_major} or newer found (found: {found}): install "
        f"postgresql-client-{min_major} or set the pg_bin_dir param to a directory holding pg_dump {min_major}+"
    )


def conninfo_dbname(database: str) -> str:
    """A libpq connection string naming only the database, quoted so that any name is taken literally."""
    escaped = database.replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{escaped}'"


def pg_dumpall_roles_argv(tools: ClientTools, database: str, out_file: str, *, passwords: bool) -> list[str]:
    """The guide's roles dump: pg_dumpall --roles-only --quote-all-identifiers (-l the source database)."""
    argv = [
        tools.path("pg_dumpall"),
        f"--database={conninfo_dbname(database)}",
        "--quote-all-identifiers",
        "--roles-only",
        f"--file={out_file}",
    ]
    if not passwords:
        argv.append("--no-role-passwords")
    return argv


GUIDE_DUMP_FLAGS = ["--quote-all-identifiers", "--no-tablespaces", "--no-owner", "--no-privileges"]
"""pg_dump flags the guide gives for a Timescale target (no superuser, no tablespaces)."""


def pg_dump_plain_argv(tools: ClientTools, out_file: str | None) -> list[str]:
    """The guide's data dump, flag for flag (the database comes from PGDATABASE); no file: to stdout."""
    return [tools.path("pg_dump"), "--format=plain", *GUIDE_DUMP_FLAGS] + ([f"--file={out_file}"] if out_file else [])


def pg_dump_directory_argv(tools: ClientTools, out_dir: str, jobs: int) -> list[str]:
    """A parallel, uncompressed directory-format dump with the guide's flags (compression is what makes a
    directory dump slow on few cores)."""
    return [
        tools.path("pg_dump"),
        "--format=directory",
        f"--jobs={jobs}",
        "--compress=0",
        *GUIDE_DUMP_FLAGS,
        f"--file={out_dir}",
    ]


def dump_pattern(schema: str, table: str) -> str:
    """A pg_dump -t/--exclude-table-data pattern matching exactly one table (both parts double-quoted, so that
    no character of the names is taken as a pattern character)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))


def pg_dump_skeleton_argv(tools: ClientTools, out_file: str, snapshot: str, bulk: list[str]) -> list[str]:
    """Everything but the rows of the `bulk` tables (patterns), in custom format, from the exported snapshot."""
    excluded = [f"--exclude-table-data={pattern}" for pattern in bulk]
    return [
        tools.path("pg_dump"),
        "--format=custom",
        "--compress=0",
        *GUIDE_DUMP_FLAGS,
        f"--snapshot={snapshot}",
        *excluded,
        f"--file={out_file}",
    ]


def pg_restore_argv(
    tools: ClientTools,
    database: str,
    dump_dir: str,
    *,
    jobs: int = 1,
    schema: str | None = None,
    exclude_schema: str | None = None,
    section: str | tuple[str, ...] | None = None,
) -> list[str]:
    """pg_restore of a directory dump into `database` (a quoted conninfo; host, user and password from the
    environment), stopping at the first error; `section`: one section or several."""
    argv = [
        tools.path("pg_restore"),
        f"--dbname={conninfo_dbname(database)}",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "--no-tablespaces",
        f"--jobs={jobs}",
    ]
    if schema:
        argv.append(f"--schema={schema}")
    if exclude_schema:
        argv.append(f"--exclude-schema={exclude_schema}")
    for name in (section,) if isinstance(section, str) else section or ():
        argv.append(f"--section={name}")
    return [*argv, dump_dir]


def psql_load_argv(tools: ClientTools, files: list[str]) -> list[str]:
    """The guide's load: psql -v ON_ERROR_STOP=1 --echo-errors -f roles.sql -f dump.sql (-X: no psqlrc);
    no files: the script comes on standard input."""
    argv = [tools.path("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors"]
    for file in files:
        argv += ["-f", file]
    return argv


def psql_command_argv(tools: ClientTools, command: str) -> list[str]:
    """psql running one fixed SQL command (no identifiers or secrets in it)."""
    return [tools.path("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-c", command]


def psql_commands_argv(tools: ClientTools, commands: list[str], *, single_transaction: bool = False) -> list[str]:
    """psql running fixed SQL commands in one session, in order, quietly (no command tags on stdout, which may
    carry COPY data), stopping at the first error; optionally all in one transaction."""
    argv = [tools.path("psql"), "-X", "--quiet", "-v", "ON_ERROR_STOP=1"]
    if single_transaction:
        argv.append("--single-transaction")
    for command in commands:
        argv += ["-c", command]
    return argv


def psql_session_argv(tools: ClientTools, side: str) -> list[str]:
    """psql reading its commands from standard input for a long-lived copy session, quietly, stopping at the
    first error; `side` is set as a variable so that `ps` shows which session it is."""
    return [tools.path("psql"), "-X", "--quiet", "-v", "ON_ERROR_STOP=1", "-v", f"tsm_copy_session={side}"]
