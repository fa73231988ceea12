"""The local test servers started by scripts/testservers.sh, and databases created on them for one test."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
SERVERS_SCRIPT = REPO / "scripts" / "testservers.sh"


def server_env() -> dict[str, str]:
    """Ports, password and client bin dir as printed by `testservers.sh env`."""
    out = subprocess.run(["bash", str(SERVERS_SCRIPT), "env"], capture_output=True, text=True, check=True).stdout
    env = {}
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'").replace("'\\''", "'")
    return env


def start_servers() -> None:
    """Start every test server (idempotent); a failure here fails the tests."""
    subprocess.run(["bash", str(SERVERS_SCRIPT), "start"], check=True)


@dataclass(frozen=True)
class Server:
    """One local PostgreSQL server."""

    name: str
    port: int
    password: str
    bin_dir: str
    host: str = "127.0.0.1"
    user: str = "postgres"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit session as the superuser."""
        return psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               dbname=dbname, autocommit=True)

    def conn_dict(self, dbname: str, *, user: str | None = None, password: str | None = None) -> dict[str, object]:
        """An Airflow connection as a dict (the form of AIRFLOW_CONN_* JSON and of `airflow connections import`)."""
        return {"conn_type": "postgres", "host": self.host, "port": self.port, "login": user or self.user,
                "password": self.password if password is None else password, "schema": dbname}

    def conn_json(self, dbname: str, *, user: str | None = None, password: str | None = None) -> str:
        """An Airflow connection as AIRFLOW_CONN_* JSON."""
        return json.dumps(self.conn_dict(dbname, user=user, password=password))

    def psql_file(self, dbname: str, path: Path) -> None:
        """Load an SQL file with psql, stopping at the first error."""
        env = {**os.environ, "PGPASSWORD": self.password, "PGHOST": self.host, "PGPORT": str(self.port),
               "PGUSER": self.user, "PGDATABASE": dbname}
        subprocess.run([f"{self.bin_dir}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
                       env=env, check=True, capture_output=True, text=True)

    def create_database(self, dbname: str, *, extensions: tuple[str, ...] = (), template: str | None = None) -> None:
        """A fresh database, empty or a copy of `template` (dropped first if left by an earlier run)."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
            conn.execute(create)
        if extensions:
            with self.connect(dbname) as conn:
                for ext in extensions:
                    conn.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(ext)))

    def stop(self, mode: str = "immediate") -> None:
        """Stop this server (immediate: as if it crashed)."""
        subprocess.run(["bash", str(SERVERS_SCRIPT), "stop-one", self.name, mode], check=True, capture_output=True)

    def drop_database(self, dbname: str) -> None:
        """Drop a database, disconnecting its sessions."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))

    @contextmanager
    def database(self, dbname: str, *, extensions: tuple[str, ...] = ()) -> Iterator[str]:
        """A database that exists for the duration of the block."""
        self.create_database(dbname, extensions=extensions)
        try:
            yield dbname
        finally:
            self.drop_database(dbname)


@dataclass(frozen=True)
class Servers:
    """The three local servers."""

    pg15: Server
    tsdb_source: Server
    tsdb_target: Server

    @property
    def bin_dir(self) -> str:
        """Client tools (PostgreSQL 17) for every server."""
        return self.pg15.bin_dir


def servers_from_env() -> Servers:
    """Describe the running servers."""
    env = server_env()
    password, bin_dir = env["TSM_TEST_PASSWORD"], env["TSM_PG_BIN_DIR"]
    return Servers(
        pg15=Server("pg15", int(env["TSM_PG15_PORT"]), password, bin_dir),
        tsdb_source=Server("tsdb_source", int(env["TSM_TSDB_SOURCE_PORT"]), password, bin_dir),
        tsdb_target=Server("tsdb_target", int(env["TSM_TSDB_TARGET_PORT"]), password, bin_dir),
    )
