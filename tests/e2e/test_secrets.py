"""Secrets: a password-authenticated migration leaves its passwords in no argv, log, XCom or file."""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from psycopg import sql

from devtools.airflow_cli import dags_test
from devtools.servers import REPO

pytestmark = pytest.mark.e2e


def cmdlines() -> list[bytes]:
    """Every process's command line right now."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                found.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                continue
    return found


def files_containing(root: Path, needle: bytes) -> list[Path]:
    """Files under root whose bytes contain needle."""
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.fixture
def migrator(servers):
    """A login with a distinctive password on the source and the target servers."""
    name = f"migrator_{uuid.uuid4().hex[:6]}"
    password = f"S3cret-{uuid.uuid4().hex}-pw"
    for server in (servers.pg15, servers.tsdb_target):
        with server.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
    yield name, password
    for server in (servers.pg15, servers.tsdb_target):
        with server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_password_never_leaks(airflow_home, servers, unique, work_dir, migrator):
    """Sample /proc/*/cmdline all through the run; then search the console output, the task logs, every XCom
    and every file the run left in its work directory."""
    name, password = migrator
    secret = password.encode()
    src_db, tgt_db = f"secret_src_{unique}", f"secret_tgt_{unique}"
    seen_in_argv: list[bytes] = []
    samples = [0]

    def sample() -> None:
        samples[0] += 1
        seen_in_argv.extend(c for c in cmdlines() if secret in c)

    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
        servers.pg15.psql_file(src_db, REPO / "include" / "samples" / "postgres_sample.sql")
        result = dags_test(
            airflow_home,
            "migrate_database",
            {"require_approval": False, "pg_bin_dir": servers.bin_dir, "work_dir": str(work_dir), "keep_dump": True},
            {
                "migration_source": servers.pg15.conn_json(src_db, user=name, password=password),
                "migration_target": servers.tsdb_target.conn_json(tgt_db, user=name, password=password),
            },
            watch=sample,
        )
        assert result.returncode == 0, result.output[-3000:]
        released = dags_test(  # the source as found; the release's own output and logs are searched too
            airflow_home,
            "release_source",
            {"work_dir": str(work_dir)},
            {"migration_source": servers.pg15.conn_json(src_db, user=name, password=password)},
            watch=sample,
        )
        assert released.returncode == 0, released.output[-3000:]
    assert samples[0] > 50, "the run was sampled throughout"
    assert seen_in_argv == []
    assert password not in result.output and password not in released.output
    logs = airflow_home / "logs"
    assert not logs.exists() or files_containing(logs, secret) == []
    with closing(sqlite3.connect(airflow_home / "airflow.db")) as db:
        values = db.execute("SELECT task_id, value FROM xcom WHERE dag_id = 'migrate_database'").fetchall()
    assert values and not [task for task, value in values if value and password in str(value)]
    left = sorted(p.name for p in work_dir.rglob("*") if p.is_file())
    assert "skeleton.dump" in left and "roles.sql" in left, "keep_dump kept the files to search"
    assert files_containing(work_dir, secret) == []
    for path in work_dir.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_role_password_hash_is_masked_in_the_task_log(airflow_home, servers, unique, work_dir):
    """A source role whose password equals its name, and a target that loads passwordcheck: its ALTER ROLE fails
    the load, and psql prints the failed statement and the server's CONTEXT, both quoting the role's SCRAM hash.
    The hash was registered with Airflow's secrets masker before: the console output and the task logs show ***
    where it stood, never the hash."""
    role = f"tsm_pwcheck_{unique}"
    src_db, tgt_db = f"mask_src_{unique}", f"mask_tgt_{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(role)))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role]).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")
    try:
        with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
            with servers.pg15.connect(src_db) as conn:
                conn.execute("CREATE TABLE kept (id int PRIMARY KEY)")
            with servers.tsdb_target.connect() as conn:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} SET session_preload_libraries = 'passwordcheck'").format(
                        sql.Identifier(tgt_db)
                    )
                )
            result = dags_test(
                airflow_home,
                "migrate_database",
                {
                    "require_approval": False,
                    "pg_bin_dir": servers.bin_dir,
                    "work_dir": str(work_dir),
                    "dump_format": "plain",
                    "drain": False,
                },
                {
                    "migration_source": servers.pg15.conn_json(src_db),
                    "migration_target": servers.tsdb_target.conn_json(tgt_db),
                },
            )
    finally:
        for server in (servers.pg15, servers.tsdb_target):
            with server.connect() as conn:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    assert result.returncode != 0
    assert result.task_states()["load"] == "failed"
    assert "password must not equal user name" in result.output, result.output[-3000:]
    assert f'ALTER ROLE "{role}"' in result.output and "PASSWORD '***'" in result.output
    assert stored not in result.output
    logs = airflow_home / "logs"
    assert not logs.exists() or files_containing(logs, stored.encode()) == []
