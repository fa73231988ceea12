"""One side of a migration: an Airflow Connection plus an optional database override.

Secrets stay inside this module: psycopg gets the password as a keyword, client tools get it through
their environment (PGPASSWORD), and nothing here puts it in argv, logs or XCom.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import psycopg
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk.exceptions import AirflowNotFoundException

from timescale_migration.constants import APPLICATION_NAME, CHILD_ENV_KEEP, LIBPQ_EXTRA_ENV
from timescale_migration.exceptions import ConnectionConfigError

if TYPE_CHECKING:
    from airflow.sdk import Connection


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

    @contextmanager
    def connect(self, database: str | None = None) -> Iterator[psycopg.Connection]:
        """An autocommit psycopg session on this side (or on `database` of the same server)."""
        try:
            conn = psycopg.connect(**self._connect_kwargs(database), autocommit=True)
        except psycopg.OperationalError as err:
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ConnectionConfigError(f"cannot connect to {self.label}: {detail}") from err
        try:
            yield conn
        finally:
            with suppress(psycopg.Error):
                conn.close()

    def _connect_kwargs(self, database: str | None) -> dict[str, Any]:
        conn = self.connection
        kwargs: dict[str, Any] = {
            "host": conn.host or None,
            "port": conn.port or None,
            "user": conn.login or None,
            "password": conn.password or None,
            "dbname": database or self.database,
            "application_name": APPLICATION_NAME,
        }
        for key in LIBPQ_EXTRA_ENV:
            if key in conn.extra_dejson:
                kwargs[key] = conn.extra_dejson[key]
        return {key: value for key, value in kwargs.items() if value is not None}

    def libpq_env(self, database: str | None = None) -> dict[str, str]:
        """Environment for a client tool: a minimal copy of ours plus PG* variables for this side."""
        env = {key: value for key, value in os.environ.items() if key in CHILD_ENV_KEEP or key.startswith("LC_")}
        conn = self.connection
        values = {
            "PGHOST": conn.host,
            "PGPORT": conn.port,
            "PGUSER": conn.login,
            "PGPASSWORD": conn.password,
            "PGDATABASE": database or self.database,
            "PGAPPNAME": APPLICATION_NAME,
        }
        for key, var in LIBPQ_EXTRA_ENV.items():
            values[var] = conn.extra_dejson.get(key)
        env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
        return env
