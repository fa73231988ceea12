"""Statements of a dump the target refuses and that mean nothing there, left out on the way to psql.

A server may write column options of its own (named pg_...: the PostgreSQL 17 build here writes pg_attver on every
column). Its own pg_dump leaves them out; a newer pg_dump, which the migration needs for a newer target, writes them
back as `ALTER TABLE ONLY t ALTER COLUMN c SET (pg_attver=..., n_distinct=...)`, and a server that does not know
them refuses the statement. The preflight (checks/objects.py, column options) finds which ones the target refuses
and the plan names them; the load then reads the dump's definitions through `sed`, which removes those options (the
other options of the statement stay; a statement left with none goes), never touching COPY data. No row passes
through Python. Only definitions carry column options, so the formats that restore archives filter the pre-data
section alone (`pg_restore --file=-` into psql) and restore the rest as before.
"""

from __future__ import annotations

import re
from pathlib import Path

from timescale_migration import workdir
from timescale_migration.copy import partitions
from timescale_migration.tools.clienttools import GUIDE_DUMP_FLAGS, ClientTools, pg_restore_argv, psql_load_argv
from timescale_migration.tools.runner import ToolRunner

OPTION_NAME = re.compile(r"[a-z_][a-z0-9_]*")
FILTER_NAME = "tsm-dump-filter"
"""$0 of the bash that runs `producer | sed` (what its log lines are named after)."""


def sed_script(options: list[str]) -> str:
    """A sed -E script that removes `options` from ALTER [FOREIGN] TABLE ... ALTER COLUMN ... SET (...) lines and
    drops such a line left with no option; lines of COPY data (from `COPY ... FROM stdin;` to `\\.`) pass as they
    are."""
    for name in options:
        if not OPTION_NAME.fullmatch(name):
            raise ValueError(f"not a column option name: {name!r}")
    names = "|".join(options)
    return "\n".join(
        [
            r"/^COPY .* FROM stdin;$/,/^\\\.$/b",
            r"/^ALTER (FOREIGN )?TABLE ONLY .* ALTER COLUMN .* SET \(.*\);$/{",
            rf"  s/, ({names})=[^,)]*//g",
            rf"  s/\(({names})=[^,)]*, /(/g",
            rf"  /SET \(({names})=[^,)]*\);$/d",
            "}",
        ]
    )


def filtered(argv: list[str], options: list[str]) -> list[str]:
    """`argv | sed` as one command (bash with pipefail: the producer's failure is the command's)."""
    return ["bash", "-o", "pipefail", "-c", '"${@:2}" | sed -E "$1"', FILTER_NAME, sed_script(options), *argv]


def sed_file_argv(options: list[str], path: str) -> list[str]:
    """sed reading a plain dump file, writing it filtered."""
    return ["sed", "-E", sed_script(options), path]


def pre_data_script_argv(tools: ClientTools, archive: str) -> list[str]:
    """pg_restore writing an archive's pre-data section as SQL on its standard output (the guide's flags)."""
    flags = [flag for flag in GUIDE_DUMP_FLAGS if flag != "--quote-all-identifiers"]
    return [tools.path("pg_restore"), "--section=pre-data", *flags, "--file=-", archive]


def restore_pre_data(
    runner: ToolRunner, tools: ClientTools, database: str, archive: str, env: dict[str, str], options: list[str]
) -> float:
    """`pg_restore --section=pre-data` of `archive` into `database`; where the section attaches partitions, its SQL
    with those partitions created as partitions (copy/partitions.py), through psql; with `options` to leave out,
    the SQL through sed into psql. Seconds taken."""
    seconds, attaches = _attaches(runner, tools, archive, env)
    if attaches:
        return seconds + _restore_rewritten(runner, tools, archive, env, options)
    if not options:
        return seconds + runner.run(pg_restore_argv(tools, database, archive, section="pre-data"), env)
    return seconds + runner.run_pipeline(
        filtered(pre_data_script_argv(tools, archive), options), env, psql_load_argv(tools, []), env
    )


def _attaches(runner: ToolRunner, tools: ClientTools, archive: str, env: dict[str, str]) -> tuple[float, int]:
    """How many partitions the archive attaches (its listing's TABLE ATTACH entries); seconds taken."""
    listing = workdir.private_file(Path(archive).with_name(f"{Path(archive).name}.toc"))
    try:
        seconds = runner.run([tools.path("pg_restore"), "--list", f"--file={listing}", archive], env)
        return seconds, sum(
            1
            for line in listing.read_text(encoding="utf-8").splitlines()
            if " TABLE ATTACH " in line and not line.startswith(";")
        )
    finally:
        workdir.remove(listing)


def _restore_rewritten(
    runner: ToolRunner, tools: ClientTools, archive: str, env: dict[str, str], options: list[str]
) -> float:
    """The pre-data section as SQL (definitions only), partitions rewritten, loaded by psql (through sed when
    `options` are to be left out)."""
    script = workdir.private_file(Path(archive).with_name(f"{Path(archive).name}.pre-data.sql"))
    try:
        flags = [flag for flag in GUIDE_DUMP_FLAGS if flag != "--quote-all-identifiers"]
        seconds = runner.run([tools.path("pg_restore"), "--section=pre-data", *flags, f"--file={script}", archive], env)
        result = partitions.rewrite(script.read_text(encoding="utf-8"))
        workdir.write_atomically(script, result.sql)
        runner.log.info(
            "pre-data: %d partition(s) created as partitions (PARTITION OF), %d attached as pg_dump wrote them",
            result.partitions,
            result.kept,
        )
        if options:
            return seconds + runner.run_pipeline(
                sed_file_argv(options, str(script)), env, psql_load_argv(tools, []), env
            )
        return seconds + runner.run(psql_load_argv(tools, [str(script)]), env)
    finally:
        workdir.remove(script)
