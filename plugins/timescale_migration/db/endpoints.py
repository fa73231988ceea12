"""One side of a migration: an Airflow Connection plus an optional database override.

One way from the connection to libpq: `PostgresHook` resolves it (fields, every extra it passes on, IAM tokens for
RDS/Aurora/Redshift/Azure) into the keyword parameters it would connect with (`libpq_params`), and both the psycopg
sessions and the client tools use exactly those. Sessions get them as keywords; a client tool gets each as its PG*
environment variable (libpq's own table of them), the few without one (keepalives, tcp_user_timeout, sslpassword)
in a private service file named by PGSERVICEFILE, and the password as PGPASSWORD in its environment only: never in
argv, logs or XCom. An extra that libpq and the hook do not know fails with the connection and the key named, in the
first task that opens a session (check_extensions), before anything changed.
"""

from __future__ import annotations

import atexit
import difflib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psycopg
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk.exceptions import AirflowNotFoundException

from timescale_migration.constants import APPLICATION_NAME, CHILD_ENV_KEEP
from timescale_migration.db import sqlfiles
from timescale_migration.exceptions import ConnectionConfigError

if TYPE_CHECKING:
    from airflow.sdk import Connection

Connect = Callable[[], Any]
"""Opens one session on a side (a context manager yielding a psycopg connection): Endpoint.connect, or a test's."""
HOOK_EXTRAS = frozenset(PostgresHook.ignored_extra_options)
"""Extras PostgresHook handles itself and does not pass to libpq (iam, aws_conn_id, azure_conn_id, redshift...,
cursor, sqlalchemy_*): accepted, and they act the same for sessions and tools (an IAM token is the password of both)."""

IN_FIELDS = {"host": "host", "port": "port", "user": "login", "password": "password", "dbname": "schema"}
"""libpq keywords that the connection's own fields carry: an extra of that name is refused (it would silently win
over the field in PostgresHook)."""

REFUSED_EXTRAS = {
    "application_name": f"the migration names its sessions {APPLICATION_NAME!r}: the drain tells them from the "
    "applications' sessions by it",
    "fallback_application_name": f"the migration names its sessions {APPLICATION_NAME!r}",
    "replication": "a replication session cannot run the migration's SQL",
    "scram_client_key": "a libpq debugging option",
    "scram_server_key": "a libpq debugging option",
    "sslkeylogfile": "it writes the TLS session keys to a file",
}
"""libpq keywords a migration refuses as extras, and why."""

SERVICE_NAME = "timescale-migration"
"""The section of the private service file that carries the keywords libpq has no environment variable for."""

PYTHON_ONLY = ("row_factory", "cursor_factory")
"""What PostgresHook derives from the `cursor` extra: how Python sees rows, nothing libpq or a tool could use."""


@cache
def libpq_keywords() -> dict[str, str | None]:
    """Every connection keyword the linked libpq knows -> its environment variable (None: it has none)."""
    return {
        opt.keyword.decode(): (opt.envvar.decode() if opt.envvar else None)
        for opt in psycopg.pq.Conninfo.get_defaults()
    }


def check_extras(side: str, conn_id: str, extra: Mapping[str, Any]) -> None:
    """Refuse, naming the connection and the key, an extra that would not act the same for sessions and tools."""
    keywords = libpq_keywords()
    where = f"{side} connection {conn_id!r}"
    for key, value in extra.items():
        if key in HOOK_EXTRAS:
            continue
        if key in IN_FIELDS:
            raise ConnectionConfigError(
                f"{where} has extra {key!r}: set the connection's {IN_FIELDS[key]} field "
                "instead (an extra would silently override it)"
            )
        if key in REFUSED_EXTRAS:
            raise ConnectionConfigError(
                f"{where} has extra {key!r}, which a migration does not accept: {REFUSED_EXTRAS[key]}. Remove it"
            )
        if key not in keywords:
            known = sorted({*keywords, *HOOK_EXTRAS} - set(REFUSED_EXTRAS) - set(IN_FIELDS))
            close = difflib.get_close_matches(key, known, n=1)
            raise ConnectionConfigError(
                f"{where} has extra {key!r}, which neither libpq nor PostgresHook knows: remove it or correct its "
                f"name{f' (did you mean {close[0]!r}?)' if close else ''}; the extras understood: {', '.join(known)}"
            )
        if "\n" in _text(value) or "\r" in _text(value):
            raise ConnectionConfigError(f"{where} has extra {key!r} with a line break: libpq cannot take it")
    unenv = sorted(key for key in extra if key in keywords and keywords[key] is None)
    if "service" in extra and unenv:
        raise ConnectionConfigError(
            f"{where} has extra 'service' and {', '.join(map(repr, unenv))}: the client tools get "
            f"{', '.join(unenv)} through a service file of the migration's own, so the two cannot be combined; "
            "move those settings into your service or leave 'service' out"
        )


def _text(value: Any) -> str:
    """A parameter as libpq reads it (JSON true/false as 1/0, as libpq's boolean-like integers want)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class _ParamsHook(PostgresHook):
    """PostgresHook whose get_conn() returns the keyword parameters it would connect with, instead of connecting:
    whatever the hook resolves (fields, extras, IAM tokens) is what sessions and tools get."""

    def _create_connection(self, conn_args: dict[str, Any]) -> Any:
        return conn_args


_service_dir: Path | None = None


def _private_dir() -> Path:
    """A directory only this user can read, removed when the process exits."""
    global _service_dir
    if _service_dir is None or not _service_dir.is_dir():
        _service_dir = Path(tempfile.mkdtemp(prefix="tsm-libpq-"))
        atexit.register(shutil.rmtree, _service_dir, True)
    return _service_dir


def service_file(settings: Mapping[str, str]) -> Path:
    """A private (0600) pg_service.conf with one section of `settings`; the same settings give the same file."""
    text = f"[{SERVICE_NAME}]\n" + "".join(f"{key}={value}\n" for key, value in sorted(settings.items()))
    path = _private_dir() / f"pg_service-{hashlib.sha256(text.encode()).hexdigest()[:16]}.conf"
    if not path.is_file():
        fd = os.open(path.with_suffix(".partial"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(path.with_suffix(".partial"), path)
    return path


def tool_env(params: Mapping[str, str]) -> dict[str, str]:
    """Environment for a client tool: a minimal copy of ours plus `params` as libpq reads them from outside argv."""
    env = {key: value for key, value in os.environ.items() if key in CHILD_ENV_KEEP or key.startswith("LC_")}
    keywords = libpq_keywords()
    in_file: dict[str, str] = {}
    for key, value in params.items():
        var = keywords.get(key)
        if var:
            env[var] = value
        else:
            in_file[key] = value
    if in_file:
        env["PGSERVICEFILE"] = str(service_file(in_file))
        env["PGSERVICE"] = SERVICE_NAME
    return env


@dataclass(frozen=True)
class Endpoint:
    """The source or the target of a migration."""

    side: str
    conn_id: str
    database_override: str | None = None

    @cached_property
    def hook(self) -> PostgresHook:
        """A PostgresHook for the connection, using the database override when given."""
        return PostgresHook(postgres_conn_id=self.conn_id, database=self.database_override or None)

    @cached_property
    def connection(self) -> Connection:
        """The Airflow Connection, or a clear error naming the missing conn id."""
        try:
            return self.hook.connection
        except AirflowNotFoundException as err:
            raise ConnectionConfigError(
                f"{self.side} connection {self.conn_id!r} is not defined in Airflow: "
                f"add it under Admin > Connections or as AIRFLOW_CONN_{self.conn_id.upper()}"
            ) from err

    @property
    def database(self) -> str:
        """The database this side migrates."""
        database = self.database_override or self.connection.schema
        if not database:
            raise ConnectionConfigError(
                f"{self.side} connection {self.conn_id!r} names no database: set its schema field "
                f"or the {self.side}_database param"
            )
        return database

    @property
    def label(self) -> str:
        """Where this side is, for messages: side, conn id, host:port/database and user (never the password)."""
        conn = self.connection
        return (
            f"{self.side} {self.conn_id!r} ({conn.host or 'localhost'}:{conn.port or 5432}/{self.database}"
            f" as {conn.login or '?'})"
        )

    def libpq_params(self, database: str | None = None) -> dict[str, str]:
        """The libpq keyword parameters of this side (or of `database` on the same server), as PostgresHook
        resolves the connection, with the migration's application_name; the password among them."""
        check_extras(self.side, self.conn_id, self.connection.extra_dejson)
        hook = _ParamsHook(
            postgres_conn_id=self.conn_id, database=database or self.database, connection=self.connection
        )  # looked up once; an IAM token is asked for per session
        try:
            # _ParamsHook's "connection" is the keyword parameters it resolved (typed as the hook's connection)
            resolved = cast("dict[str, Any]", hook.get_conn())
        except ConnectionConfigError:
            raise
        except Exception as err:  # an IAM token that cannot be had, a provider missing for it
            raise ConnectionConfigError(f"cannot resolve {self.label} through PostgresHook: {err}") from err
        params = {
            key: _text(value)
            for key, value in resolved.items()
            if value is not None and value != "" and key not in PYTHON_ONLY
        }
        params["application_name"] = APPLICATION_NAME
        return params

    @contextmanager
    def connect(self, database: str | None = None) -> Iterator[psycopg.Connection]:
        """An autocommit psycopg session on this side (or on `database` of the same server)."""
        params: dict[str, Any] = self.libpq_params(database)
        try:
            conn = psycopg.connect(**params, autocommit=True)
        except psycopg.OperationalError as err:
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ConnectionConfigError(f"cannot connect to {self.label}: {detail}") from err
        except psycopg.ProgrammingError as err:  # libpq refused a parameter
            raise ConnectionConfigError(f"cannot connect to {self.label}: {err}") from err
        try:
            conn.execute(sqlfiles.query("server/session_defaults"))
            yield conn
        finally:
            with suppress(psycopg.Error):
                conn.close()

    def libpq_env(self, database: str | None = None) -> dict[str, str]:
        """Environment for a client tool: a minimal copy of ours plus this side's parameters (tool_env)."""
        return tool_env(self.libpq_params(database))
