"""Running the checks before the downtime: what every check gets (`Preflight`), how one is declared (`check`) and
run (`run`), and what the run keeps of them (preflight.json).

A check is a function `(Preflight) -> list[Finding]` marked with `@check(name, about)`; the lists of checks each
task runs are in checks/registry.py. A check never changes anything on either side. It may also raise: a
MigrationError (a refusal written as an exception, e.g. client tools too old) becomes a blocking finding with
that message, and so does a server error (a catalog the login may not read): a check that cannot run is a
finding of its own, never a silent pass. Only a lost connection ends the task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import psycopg

from timescale_migration import workdir
from timescale_migration.checks.findings import BLOCKING, PREFLIGHT_FILE, Finding, blocking
from timescale_migration.constants import TARGET_RESERVED_ROLES, TIMESCALEDB
from timescale_migration.db import catalog
from timescale_migration.db.catalog import ServerInfo
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import MigrationOptions
from timescale_migration.tools.clienttools import ClientTools, find_client_tools

CheckFn = Callable[["Preflight"], list[Finding]]
_DECLARED: dict[CheckFn, tuple[str, str]] = {}
"""Each declared check's (name, about)."""


def check(name: str, about: str) -> Callable[[CheckFn], CheckFn]:
    """Declare a check: `name` is its findings' check column, `about` the subject of the finding it becomes when it
    raises (a refusal written as an exception, or a catalog it could not read)."""

    def mark(fn: CheckFn) -> CheckFn:
        _DECLARED[fn] = (name, about)
        return fn

    return mark


@dataclass
class Preflight:
    """What a check gets: the run's options, both endpoints with one open (autocommit) session each, the run's work
    directory and a log; what several checks read is read once (the cached properties)."""

    opts: MigrationOptions
    source: Endpoint
    target: Endpoint
    src: psycopg.Connection
    tgt: psycopg.Connection
    run_dir: Path
    log: Any
    notes: dict[str, Any] = field(default_factory=dict)
    """What a check learnt that the plan keeps (e.g. the client tools it found)."""

    @cached_property
    def source_info(self) -> ServerInfo:
        """Version, login and size of the source."""
        return catalog.server_info(self.src)

    @cached_property
    def target_info(self) -> ServerInfo:
        """Version, login and size of the target."""
        return catalog.server_info(self.tgt)

    @cached_property
    def source_extensions(self) -> dict[str, dict[str, str]]:
        """Extensions installed in the source database: name -> {version, schema}."""
        return catalog.installed_extensions(self.src)

    @cached_property
    def target_extensions(self) -> dict[str, dict[str, str]]:
        """Extensions installed in the target database."""
        return catalog.installed_extensions(self.tgt)

    @cached_property
    def target_available(self) -> dict[str, str | None]:
        """Extensions the target server can install: name -> default version."""
        return catalog.available_extensions(self.tgt)

    @cached_property
    def target_login(self) -> dict[str, Any]:
        """What the target's login may do: superuser, createrole, createdb, and the roles it is a member of."""
        return catalog.rows(self.tgt, "checks/login")[0]

    @property
    def target_superuser(self) -> bool:
        """Whether the target's login is a superuser (then nothing is refused for lack of privilege)."""
        return bool(self.target_info.is_superuser)

    @property
    def reserved(self) -> set[str]:
        """Roles the migration neither creates nor alters on the target: the provider's and the login itself."""
        return {*TARGET_RESERVED_ROLES, self.target_info.user_name}

    @property
    def timescaledb(self) -> str | None:
        """The source's TimescaleDB version, None for a plain PostgreSQL source."""
        return self.source_extensions.get(TIMESCALEDB, {}).get("version")

    @cached_property
    def client_tools(self) -> ClientTools:
        """pg_dump and friends at least as new as both servers (raises ClientToolsError when there are none)."""
        return find_client_tools(self.opts.pg_bin_dir, max(self.source_info.major, self.target_info.major))


@contextmanager
def opened(opts: MigrationOptions, source: Endpoint, target: Endpoint, run_dir: Path, log: Any) -> Iterator[Preflight]:
    """A Preflight with one session on each side, closed afterwards."""
    with ExitStack() as stack:
        src = stack.enter_context(source.connect())
        tgt = stack.enter_context(target.connect())
        yield Preflight(opts, source, target, src, tgt, run_dir, log)


def check_name(fn: CheckFn) -> str:
    """The name a check's findings carry."""
    return _DECLARED.get(fn, (fn.__name__, ""))[0]


def _lost(pre: Preflight, err: psycopg.Error) -> bool:
    """Whether `err` lost a session (then the task fails: a check cannot answer without its server)."""
    return (
        pre.src.broken
        or pre.tgt.broken
        or (err.sqlstate or "").startswith("08")
        or (not err.sqlstate and isinstance(err, psycopg.OperationalError))
    )


def run(checks: Iterable[CheckFn], pre: Preflight) -> list[Finding]:
    """Run every check, each to its end whatever the others found, and log each finding; a check that raises is a
    blocking finding naming why (a lost connection ends the task)."""
    found: list[Finding] = []
    for fn in checks:
        name, about = _DECLARED.get(fn, (fn.__name__, fn.__name__))
        try:
            got = fn(pre)
        except MigrationError as err:
            got = [Finding(name, BLOCKING, about, str(err).rstrip("."))]
        except psycopg.Error as err:
            if _lost(pre, err):
                raise
            got = [
                Finding(
                    name,
                    BLOCKING,
                    about,
                    f"the check could not run: {_server_message(err)}",
                    remedy="give the migration's login the privilege the server names (e.g. "
                    "pg_read_all_settings or pg_read_all_stats, or SELECT on that catalog), or run the "
                    "migration as a login that has it",
                )
            ]
        for finding in got:
            level = pre.log.error if finding.severity == BLOCKING else pre.log.warning
            level("preflight %s: %s", finding.severity, finding.describe())
        pre.log.info(
            "check %s (%s): %s",
            name,
            about,
            f"{len(got)} finding(s), {len(blocking(got))} blocking" if got else "passed",
        )
        found += got
    return found


def _server_message(err: psycopg.Error) -> str:
    """The server's primary message (SQLSTATE), or the error's text."""
    message = (err.diag.message_primary if err.diag else None) or str(err).strip().splitlines()[0]
    return f"{message} (SQLSTATE {err.sqlstate})" if err.sqlstate else message


def write_report(run_dir: Path, found: list[Finding], context: dict[str, Any]) -> Path:
    """preflight.json in the run's work directory: every finding of both check tasks and whether the run was
    refused (0600, written at once)."""
    data = {
        **context,
        "refused": bool(blocking(found)),
        "blocking": len(blocking(found)),
        "warnings": len(found) - len(blocking(found)),
        "findings": [f.to_dict() for f in found],
    }
    return workdir.write_json(run_dir / PREFLIGHT_FILE, data)


def read_report(run_dir: Path) -> dict[str, Any] | None:
    """preflight.json of a run, None where there is none."""
    return workdir.read_json(run_dir / PREFLIGHT_FILE)


def refused(conn: psycopg.Connection, statement: Any) -> psycopg.Error | None:
    """Try `statement` on `conn` in a transaction that is rolled back (nothing changes): the server's error, or None
    when it would have worked. A lost connection raises."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(statement)
    except psycopg.Error as err:
        if conn.broken:
            raise
        return err
    return None


def server_message(err: psycopg.Error) -> str:
    """The server's primary message of an error."""
    return (err.diag.message_primary if err.diag else None) or str(err).strip()


def quote_ident(name: str) -> str:
    """A name as the server's quote_ident() writes it (verify's inventory names objects so); keywords aside."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def listed(names: list[str], limit: int = 20) -> str:
    """Names for a message: the first `limit`, then how many more."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def described(items: list[tuple[str, str]], limit: int = 20) -> str:
    """(name, detail) pairs for a message, as "name (detail)": the first `limit`, then how many more."""
    return listed([f"{name} ({detail})" for name, detail in items], limit)


def names(items: list[tuple[str, str]], limit: int = 20) -> str:
    """The names of (name, detail) pairs for a message."""
    return listed([name for name, _ in items], limit)
