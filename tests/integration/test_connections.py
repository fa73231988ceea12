"""Connections on the real servers: every extra PostgresHook passes on acts the same in a psycopg session and in
psql, pg_dump runs on what the connection says, and the password stays out of argv."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from devtools.servers import Servers
from timescale_migration.constants import APPLICATION_NAME
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import ConnectionConfigError

pytestmark = pytest.mark.integration

SHOW = ("statement_timeout", "lock_timeout", "client_encoding", "application_name", "search_path")


def define(monkeypatch: pytest.MonkeyPatch, servers: Servers, dbname: str, extra: dict) -> str:
    """A connection to the PostgreSQL 15 server with these extras; its id."""
    conn_id = f"it_conn_{uuid.uuid4().hex[:6]}"
    conn = {**servers.pg15.conn_dict(dbname), "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def psql_settings(servers: Servers, endpoint: Endpoint) -> dict[str, str]:
    """The settings a psql started on the endpoint's environment sees (no connection option in argv)."""
    query = "SELECT " + ", ".join(f"current_setting('{name}')" for name in SHOW)
    out = subprocess.run(
        [f"{servers.bin_dir}/psql", "-X", "-A", "-t", "-F", "|", "-c", query],
        env=endpoint.libpq_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(zip(SHOW, out.strip().split("|"), strict=True))


def test_extras_act_the_same_in_sessions_and_tools(
    servers: Servers, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """options, client_encoding, keepalives and tcp_user_timeout reach psycopg and psql alike."""
    dbname = f"conn_same_{unique}"
    extra = {
        "options": "-c statement_timeout=4321 -c lock_timeout=1234 -c search_path=tsm_here",
        "client_encoding": "LATIN1",
        "keepalives": True,
        "keepalives_idle": 17,
        "tcp_user_timeout": 8000,
        "connect_timeout": 9,
        "cursor": "dictcursor",
    }
    with servers.pg15.database(dbname):
        endpoint = Endpoint("source", define(monkeypatch, servers, dbname, extra))
        with endpoint.connect() as conn:
            row = conn.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in SHOW)).fetchone()
            session = dict(zip(SHOW, row, strict=True))
        tool = psql_settings(servers, endpoint)
    assert session == tool
    assert session == {
        "statement_timeout": "4321ms",
        "lock_timeout": "1234ms",
        "client_encoding": "LATIN1",
        "application_name": APPLICATION_NAME,
        "search_path": "tsm_here",
    }


def test_a_bad_value_fails_sessions_and_tools_alike(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> None:
    """keepalives_idle has no environment variable: the tool reads it from the private service file, so a value
    libpq rejects fails psql exactly as it fails the session (neither ignores it)."""
    endpoint = Endpoint("source", define(monkeypatch, servers, "postgres", {"keepalives_idle": "soon"}))
    with pytest.raises(ConnectionConfigError, match="keepalives_idle"):
        endpoint.connect().__enter__()
    tool = subprocess.run(
        [f"{servers.bin_dir}/psql", "-X", "-c", "SELECT 1"], env=endpoint.libpq_env(), capture_output=True, text=True
    )
    assert tool.returncode != 0 and "keepalives_idle" in tool.stderr


def test_pg_dump_runs_on_the_connection_without_password_in_argv(
    servers: Servers, monkeypatch: pytest.MonkeyPatch, unique: str
) -> None:
    """pg_dump reaches the database through the environment alone; the password is in no argv and in no file
    the service file holds."""
    dbname = f"conn_dump_{unique}"
    with servers.pg15.database(dbname):
        with servers.pg15.connect(dbname) as conn:
            conn.execute("CREATE TABLE marker_for_dump (id int)")
        endpoint = Endpoint("source", define(monkeypatch, servers, dbname, {"keepalives": 1, "sslmode": "disable"}))
        env = endpoint.libpq_env()
        argv = [f"{servers.bin_dir}/pg_dump", "--schema-only"]
        out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    assert "marker_for_dump" in out
    assert servers.pg15.password not in " ".join(argv)
    assert servers.pg15.password not in Path(env["PGSERVICEFILE"]).read_text()
    assert env["PGPASSWORD"] == servers.pg15.password
