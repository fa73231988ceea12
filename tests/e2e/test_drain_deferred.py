"""The drain's wait deferred to a trigger, through `airflow dags test` (which runs triggers in its own process)."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from psycopg import sql

from devtools.airflow_cli import dags_test

pytestmark = pytest.mark.e2e


def test_drain_defers_until_the_application_leaves(airflow_home, servers, unique, work_dir):
    """An application session stays open until 4 s after drain_source blocked the source: drain_source defers,
    the trigger sees the session end, and the migration goes on to a verified end."""
    role, password = f"tsm_app_{unique}", f"app-{uuid.uuid4().hex}"
    src_db, tgt_db = f"defer_src_{unique}", f"defer_tgt_{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    app: list[psycopg.Connection] = []
    try:
        with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
            with servers.pg15.connect(src_db) as conn:
                conn.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 100) g")
                conn.execute(sql.SQL("GRANT SELECT ON orders TO {}").format(sql.Identifier(role)))
            app.append(
                psycopg.connect(
                    host=servers.pg15.host,
                    port=servers.pg15.port,
                    user=role,
                    password=password,
                    dbname=src_db,
                    application_name="orders-api",
                    autocommit=True,
                )
            )
            closer = threading.Timer(4.0, app[0].close)
            checked = [0.0]

            def close_once_blocked() -> None:  # dags_test calls this every 20 ms while the run goes on
                if closer.is_alive() or closer.finished.is_set() or time.monotonic() - checked[0] < 0.5:
                    return
                checked[0] = time.monotonic()
                with servers.pg15.connect() as conn:
                    blocked = conn.execute(
                        "SELECT to_regclass('timescale_migration.connect_blocks') IS NOT NULL "
                        "AND EXISTS (SELECT FROM timescale_migration.connect_blocks WHERE "
                        "database_name = %s AND released_at IS NULL)",
                        [src_db],
                    ).fetchone()[0]
                if blocked:
                    closer.start()

            result = dags_test(
                airflow_home,
                "migrate_database",
                {
                    "require_approval": False,
                    "pg_bin_dir": servers.bin_dir,
                    "work_dir": str(work_dir),
                    "dump_format": "plain",
                    "drain_timeout": 120,
                },
                {
                    "migration_source": servers.pg15.conn_json(src_db),
                    "migration_target": servers.tsdb_target.conn_json(tgt_db),
                },
                watch=close_once_blocked,
            )
            closer.cancel()
            assert result.returncode == 0, result.output[-4000:]
            assert "deferred (no worker held)" in result.output
            assert "orders-api" in result.output
            assert result.task_states()["drain_source"] == "success"
            assert result.xcom("drain_source")["revoked"] == ["PUBLIC"]
            assert result.xcom("drain_source", "phase")["seconds"] >= 3
            with servers.tsdb_target.connect(tgt_db) as conn:
                assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 100
    finally:
        for conn in app:
            conn.close()
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
