"""The local test servers started by scripts/testservers.sh, and databases created on them for one test."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
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


PLATFORM_GRANTS = REPO / "devtools" / "timescale_like_grants.sql"
"""What a Timescale service gives its tsdbadmin login in the service's database and a self-hosted TimescaleDB gives
only a superuser: calling timescaledb_pre_restore()/post_restore() and writing TimescaleDB's catalog while loading
a dump."""


@dataclass(frozen=True)
class Server:
    """One local PostgreSQL server."""

    name: str
    port: int
    password: str
    bin_dir: str
    major: int = 17
    host: str = "127.0.0.1"
    user: str = "postgres"
    login: str | None = None
    """The migration's login on a target server: CREATEDB CREATEROLE, not superuser (None on a source server)."""

    def connect(self, dbname: str = "postgres", *, user: str | None = None) -> psycopg.Connection:
        """An autocommit session as the superuser (or as `user`, with the same password)."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=user or self.user,
            password=self.password,
            dbname=dbname,
            autocommit=True,
        )

    def conn_dict(self, dbname: str, *, user: str | None = None, password: str | None = None) -> dict[str, object]:
        """An Airflow connection as a dict (the form of AIRFLOW_CONN_* JSON and of `airflow connections import`)."""
        return {
            "conn_type": "postgres",
            "host": self.host,
            "port": self.port,
            "login": user or self.user,
            "password": self.password if password is None else password,
            "schema": dbname,
        }

    def conn_json(self, dbname: str, *, user: str | None = None, password: str | None = None) -> str:
        """An Airflow connection as AIRFLOW_CONN_* JSON."""
        return json.dumps(self.conn_dict(dbname, user=user, password=password))

    def login_conn_json(self, dbname: str) -> str:
        """An Airflow connection as the target's migration login (tsdbadmin), as AIRFLOW_CONN_* JSON."""
        if not self.login:
            raise ValueError(f"{self.name} is not a target server: it has no migration login")
        return self.conn_json(dbname, user=self.login)

    def psql_file(self, dbname: str, path: Path, *, user: str | None = None) -> None:
        """Load an SQL file with psql, stopping at the first error."""
        env = {
            **os.environ,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": user or self.user,
            "PGDATABASE": dbname,
        }
        subprocess.run(
            [f"{self.bin_dir}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )

    def create_database(
        self, dbname: str, *, extensions: tuple[str, ...] = (), template: str | None = None, owner: str | None = None
    ) -> None:
        """A fresh database, empty or a copy of `template` (dropped first if left by an earlier run)."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
            if owner:
                create = sql.SQL("{} OWNER {}").format(create, sql.Identifier(owner))
            conn.execute(create)
        if extensions:
            with self.connect(dbname) as conn:
                for ext in extensions:
                    conn.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(ext)))

    def create_timescale_like_database(self, dbname: str, *, version: str | None = None) -> None:
        """A target database as a Timescale service has it: owned by the migration login, which created
        timescaledb (at `version`, else the default), with the platform's grants on TimescaleDB's restore
        functions and catalog (PLATFORM_GRANTS)."""
        if not self.login:
            raise ValueError(f"{self.name} is not a target server: it has no migration login")
        self.create_database(dbname, owner=self.login)
        with self.connect(dbname, user=self.login) as conn:
            create = sql.SQL("CREATE EXTENSION timescaledb")
            if version:
                create = sql.SQL("{} VERSION {}").format(create, sql.Literal(version))
            conn.execute(create)
        self.grant_platform_privileges(dbname)

    def grant_platform_privileges(self, dbname: str) -> None:
        """As the superuser: what Timescale's platform gives the login around TimescaleDB (PLATFORM_GRANTS)."""
        with self.connect(dbname) as conn:
            conn.execute(
                sql.SQL(PLATFORM_GRANTS.read_text(encoding="utf-8")).format(
                    login=sql.Identifier(self.login), login_name=sql.Literal(self.login)
                )
            )

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

    @contextmanager
    def timescale_like_database(self, dbname: str, *, version: str | None = None) -> Iterator[str]:
        """A Timescale-like target database (create_timescale_like_database) for the duration of the block."""
        self.create_timescale_like_database(dbname, version=version)
        try:
            yield dbname
        finally:
            self.drop_database(dbname)


@dataclass(frozen=True)
class Servers:
    """The local servers; the community ones are None where no community build of TimescaleDB is here."""

    pg13: Server
    pg15: Server
    tsdb_source: Server
    tsdb_target: Server
    tsdb18_source: Server
    tsdb18_target: Server
    community_source: Server | None = None
    community_target: Server | None = None
    community18_source: Server | None = None
    community18_target: Server | None = None

    @property
    def bin_dir(self) -> str:
        """Client tools (PostgreSQL 17) for every server but the PostgreSQL 18 ones."""
        return self.pg15.bin_dir

    @property
    def bin18_dir(self) -> str:
        """Client tools (PostgreSQL 18) for every server."""
        return self.tsdb18_source.bin_dir


SERVER_MAJORS = {
    "pg13": 13,
    "pg15": 15,
    "tsdb_source": 17,
    "tsdb_target": 17,
    "tsdb18_source": 18,
    "tsdb18_target": 18,
    "community_source": 17,
    "community_target": 17,
    "community18_source": 18,
    "community18_target": 18,
}
COMMUNITY_FLAGS = {"community": "TSM_COMMUNITY", "community18": "TSM_COMMUNITY18"}


def servers_from_env() -> Servers:
    """Describe the running servers."""
    env = server_env()
    password, login = env["TSM_TEST_PASSWORD"], env["TSM_TARGET_LOGIN"]
    # client tools: PostgreSQL 17's for every server older than 18
    bins = {major: env["TSM_PG18_BIN_DIR" if major >= 18 else "TSM_PG_BIN_DIR"] for major in (13, 15, 17, 18)}
    made: dict[str, Server | None] = {}
    for name, major in SERVER_MAJORS.items():
        family = name.rpartition("_")[0]
        if family in COMMUNITY_FLAGS and env.get(COMMUNITY_FLAGS[family]) != "1":
            made[name] = None
            continue
        made[name] = Server(
            name,
            int(env[f"TSM_{name.upper()}_PORT"]),
            password,
            bins[major],
            major,
            login=login if name.endswith("_target") else None,
        )
    return Servers(**made)


HOST_BIN = "/usr/lib/postgresql/15/bin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scratch_cluster(bin_dir: str, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """A PostgreSQL 15 cluster of its own (the host's packages) with `settings` (else PostgreSQL's defaults), on a
    free port, trust on 127.0.0.1, removed afterwards: a server configured as a test or a benchmark needs it."""
    data = Path(tempfile.mkdtemp(prefix="tsm-cluster-"))
    shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *as_postgres,
            f"{HOST_BIN}/initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    options = " ".join(
        [
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data}",
            *(f"-c {key}={value}" for key, value in (settings or {}).items()),
        ]
    )
    subprocess.run(
        [
            *as_postgres,
            f"{HOST_BIN}/pg_ctl",
            "-D",
            str(data),
            "-w",
            "-o",
            options,
            "-l",
            str(data / "server.log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield Server("scratch", port, "", bin_dir, 15)
    finally:
        subprocess.run(
            [*as_postgres, f"{HOST_BIN}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)
