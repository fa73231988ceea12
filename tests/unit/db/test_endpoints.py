"""Unit tests of timescale_migration.db.endpoints: connections from AIRFLOW_CONN_* and the client tools' environment."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from timescale_migration.constants import APPLICATION_NAME, CHILD_ENV_KEEP
from timescale_migration.db.endpoints import SERVICE_NAME, Endpoint
from timescale_migration.exceptions import ConnectionConfigError

pytestmark = pytest.mark.unit

PASSWORD = "s3cr=t 'pa\"ss' \\ wörd"


def conn_json(**fields: Any) -> str:
    """An Airflow connection as AIRFLOW_CONN_* JSON, like devtools/servers.py builds it."""
    conn = {
        "conn_type": "postgres",
        "host": "db.example.internal",
        "port": 6543,
        "login": "migrator",
        "password": PASSWORD,
        "schema": "appdb",
    }
    conn.update(fields)
    return json.dumps({key: value for key, value in conn.items() if value is not None})


@pytest.fixture
def conn_id(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh connection id (no cached lookups between tests), defined by the default JSON."""
    name = f"tsm_unit_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", conn_json())
    return name


def define(monkeypatch: pytest.MonkeyPatch, **fields: Any) -> str:
    """Define a fresh connection with some fields changed; returns its id."""
    name = f"tsm_unit_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", conn_json(**fields))
    return name


# --- libpq_env --------------------------------------------------------------------------------------------------------


def test_libpq_env_carries_connection(conn_id: str) -> None:
    """PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGAPPNAME describe the connection."""
    env = Endpoint("source", conn_id).libpq_env()
    assert env["PGHOST"] == "db.example.internal"
    assert env["PGPORT"] == "6543"
    assert env["PGUSER"] == "migrator"
    assert env["PGPASSWORD"] == PASSWORD
    assert env["PGDATABASE"] == "appdb"
    assert env["PGAPPNAME"] == APPLICATION_NAME


def test_libpq_env_database_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint's database override wins over the connection's schema."""
    conn_id = define(monkeypatch)
    assert Endpoint("target", conn_id, "tsdb").libpq_env()["PGDATABASE"] == "tsdb"


def test_libpq_env_database_argument_wins(conn_id: str) -> None:
    """An explicit database argument wins over both the override and the schema."""
    assert Endpoint("target", conn_id, "tsdb").libpq_env("postgres")["PGDATABASE"] == "postgres"


def test_libpq_env_sslmode_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection extras libpq understands become their PG* variables."""
    conn_id = define(
        monkeypatch,
        extra={
            "sslmode": "verify-full",
            "sslrootcert": "/etc/ca.pem",
            "connect_timeout": 7,
            "client_encoding": "LATIN1",
            "target_session_attrs": "read-write",
        },
    )
    env = Endpoint("source", conn_id).libpq_env()
    assert env["PGSSLMODE"] == "verify-full"
    assert env["PGSSLROOTCERT"] == "/etc/ca.pem"
    assert env["PGCONNECT_TIMEOUT"] == "7"
    assert env["PGCLIENTENCODING"] == "LATIN1"
    assert env["PGTARGETSESSIONATTRS"] == "read-write"
    assert "PGSERVICEFILE" not in env


def test_libpq_env_keepalives_in_private_service_file(monkeypatch: pytest.MonkeyPatch, usual_umask: None) -> None:
    """Keywords without an environment variable (keepalives, tcp_user_timeout) go to a 0600 service file of the
    process's own; JSON booleans become libpq's 1/0; the password stays out of the file."""
    conn_id = define(monkeypatch, extra={"keepalives": True, "keepalives_idle": 30, "tcp_user_timeout": 9000})
    env = Endpoint("source", conn_id).libpq_env()
    path = Path(env["PGSERVICEFILE"])
    assert env["PGSERVICE"] == SERVICE_NAME
    assert path.read_text().splitlines() == [
        f"[{SERVICE_NAME}]",
        "keepalives=1",
        "keepalives_idle=30",
        "tcp_user_timeout=9000",
    ]
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o077 == 0
    assert PASSWORD not in path.read_text() and env["PGPASSWORD"] == PASSWORD
    params = Endpoint("source", conn_id).libpq_params()
    assert params["keepalives"] == "1" and params["keepalives_idle"] == "30"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"sslmod": "require"}, ["'sslmod'", "neither libpq nor PostgresHook knows", "did you mean 'sslmode'?"]),
        ({"application_name": "app"}, ["'application_name'", "drain tells them"]),
        ({"dbname": "other"}, ["'dbname'", "schema field"]),
        ({"password": "x"}, ["'password'", "password field"]),
        ({"replication": "database"}, ["'replication'"]),
        ({"service": "prod", "keepalives": 1}, ["'service'", "'keepalives'", "cannot be combined"]),
        ({"options": "-c a=1\n-c b=2"}, ["'options'", "line break"]),
    ],
)
def test_unsupported_extra_names_connection_and_key(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any], words: list[str]
) -> None:
    """An extra that would not act the same for sessions and tools fails, naming the connection and the key,
    before any session is opened."""
    conn_id = define(monkeypatch, extra=extra)
    for call in (lambda e: e.libpq_env(), lambda e: e.connect().__enter__()):
        with pytest.raises(ConnectionConfigError) as err:
            call(Endpoint("target", conn_id))
        assert f"target connection {conn_id!r}" in str(err.value)
        for word in words:
            assert word in str(err.value)


def test_hook_extras_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extras PostgresHook handles itself (cursor, sqlalchemy_*) are accepted and reach neither side as libpq
    parameters; the cursor's row factory stays out too."""
    conn_id = define(monkeypatch, extra={"cursor": "dictcursor", "sqlalchemy_scheme": "postgresql+psycopg"})
    params = Endpoint("source", conn_id).libpq_params()
    assert set(params) == {"host", "port", "user", "password", "dbname", "application_name"}


def test_iam_token_is_the_password_of_sessions_and_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `iam`, PostgresHook's token (and its login and port) is what both sessions and tools use."""
    conn_id = define(monkeypatch, extra={"iam": True, "aws_conn_id": "aws_x"})
    calls: list[str] = []

    def token(self: Any, conn: Any) -> tuple[str, str, int]:
        calls.append(conn.login)
        return "iam_user", "iam-token-value", 5439

    monkeypatch.setattr("airflow.providers.postgres.hooks.postgres.PostgresHook.get_iam_token", token)
    endpoint = Endpoint("source", conn_id)
    params = endpoint.libpq_params()
    env = endpoint.libpq_env()
    assert (params["user"], params["password"], params["port"]) == ("iam_user", "iam-token-value", "5439")
    assert (env["PGUSER"], env["PGPASSWORD"], env["PGPORT"]) == ("iam_user", "iam-token-value", "5439")
    assert "iam" not in params and "aws_conn_id" not in params
    assert calls == ["migrator", "migrator"], "a fresh token for each session or tool"


def test_libpq_env_excludes_parent_secrets(conn_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No AIRFLOW_CONN_* and no PG* variable of the worker reaches the tool; only its own PG* are set."""
    monkeypatch.setenv("AIRFLOW_CONN_SOMETHING_ELSE", "postgres://u:other-secret@h/db")
    monkeypatch.setenv("PGSSLMODE", "disable")
    monkeypatch.setenv("PGPASSFILE", "/root/.pgpass-other")
    monkeypatch.setenv("PGSERVICE", "evil")
    monkeypatch.setenv("PGOPTIONS", "-c search_path=evil")
    monkeypatch.setenv("PGHOST", "parent-host")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-children")
    env = Endpoint("source", conn_id).libpq_env()
    assert not [key for key in env if key.startswith("AIRFLOW")]
    assert "other-secret" not in "".join(env.values())
    assert {key for key in env if key.startswith("PG")} == {
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGAPPNAME",
    }
    assert env["PGHOST"] == "db.example.internal"
    assert "AWS_SECRET_ACCESS_KEY" not in env


def test_libpq_env_keeps_only_basic_variables(conn_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH, locale and HOME-like variables are inherited, nothing else of the worker's environment."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("LC_NUMERIC", "C")
    monkeypatch.setenv("TZ", "UTC")
    env = Endpoint("source", conn_id).libpq_env()
    assert env["PATH"] == "/usr/bin:/bin"
    assert env["LC_NUMERIC"] == "C"
    assert env["TZ"] == "UTC"
    for key in env:
        assert key.startswith(("PG", "LC_")) or key in CHILD_ENV_KEEP, key


def test_libpq_env_without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection without a password sets no PGPASSWORD, even when the worker has one."""
    monkeypatch.setenv("PGPASSWORD", "parent-password")
    conn_id = define(monkeypatch, password=None)
    env = Endpoint("source", conn_id).libpq_env()
    assert "PGPASSWORD" not in env
    assert "parent-password" not in env.values()


def test_libpq_env_values_are_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value is a string (subprocess requires it)."""
    conn_id = define(monkeypatch, extra={"connect_timeout": 10})
    assert all(isinstance(value, str) for value in Endpoint("source", conn_id).libpq_env().values())


# --- label, database, secret ------------------------------------------------------------------------------------------


def test_label_describes_side_without_password(conn_id: str) -> None:
    """The label names side, conn id, host:port/database and user, never the password."""
    label = Endpoint("source", conn_id).label
    assert label == f"source {conn_id!r} (db.example.internal:6543/appdb as migrator)"
    assert PASSWORD not in label
    assert "s3cr" not in label


def test_label_uses_override_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing host and port show libpq's defaults; the database override is shown."""
    conn_id = define(monkeypatch, host=None, port=None)
    assert Endpoint("target", conn_id, "tsdb").label == f"target {conn_id!r} (localhost:5432/tsdb as migrator)"


def test_database_missing_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without schema or override, the error names side, conn id and the param to set."""
    conn_id = define(monkeypatch, schema=None)
    with pytest.raises(ConnectionConfigError, match="names no database") as err:
        _ = Endpoint("target", conn_id).database
    assert conn_id in str(err.value)
    assert "target_database" in str(err.value)


# --- unknown connections ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["source", "target"])
def test_unknown_conn_id_raises(side: str) -> None:
    """An undefined conn id raises ConnectionConfigError naming side, conn id and the env var to set."""
    conn_id = f"tsm_missing_{uuid.uuid4().hex[:8]}"
    with pytest.raises(ConnectionConfigError) as err:
        Endpoint(side, conn_id).libpq_env()
    message = str(err.value)
    assert message.startswith(f"{side} connection {conn_id!r} is not defined")
    assert f"AIRFLOW_CONN_{conn_id.upper()}" in message


def test_unknown_conn_id_label_raises() -> None:
    """Asking for the label of an undefined connection raises the same clear error."""
    with pytest.raises(ConnectionConfigError, match="tsm_nowhere"):
        _ = Endpoint("source", "tsm_nowhere").label


# --- psycopg keywords -------------------------------------------------------------------------------------------------


def test_libpq_params(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions get the password as a keyword and the extras; None values are left out; all are strings."""
    conn_id = define(monkeypatch, host=None, extra={"sslmode": "require", "keepalives_idle": 5})
    params = Endpoint("source", conn_id).libpq_params()
    assert params == {
        "port": "6543",
        "user": "migrator",
        "password": PASSWORD,
        "dbname": "appdb",
        "application_name": APPLICATION_NAME,
        "sslmode": "require",
        "keepalives_idle": "5",
    }


def test_libpq_params_database_argument(conn_id: str) -> None:
    """connect(database) reaches another database of the same server."""
    assert Endpoint("source", conn_id, "tsdb").libpq_params("postgres")["dbname"] == "postgres"
    assert Endpoint("source", conn_id, "tsdb").libpq_params()["dbname"] == "tsdb"
