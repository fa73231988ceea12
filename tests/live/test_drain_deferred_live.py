"""The drain's wait in a real Airflow: drain_source defers to the triggerer (state `deferred`, no worker held)
while an application session stays open, and goes on once it closes."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from psycopg import sql

from devtools.servers import Servers
from tests.live.conftest import LiveAirflow

pytestmark = pytest.mark.live
DAG = "migrate_database"


def test_drain_waits_in_the_triggerer(live: LiveAirflow, servers: Servers) -> None:
    """drain_source is `deferred` while orders-api is connected; after it disconnects the run verifies."""
    api, s = live.api, live.suffix
    role, password = f"tsm_live_app_{s}", f"app-{uuid.uuid4().hex}"
    src, tgt = f"defer_src_{s}", f"defer_tgt_{s}"
    servers.pg15.create_database(src)
    servers.tsdb_target.create_database(tgt, extensions=("timescaledb",))
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    with servers.pg15.connect(src) as conn:
        conn.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 50) g")
    app = psycopg.connect(
        host=servers.pg15.host,
        port=servers.pg15.port,
        user=role,
        password=password,
        dbname=src,
        application_name="orders-api",
        autocommit=True,
    )
    try:
        run_id = api.trigger(
            DAG,
            {
                "source_conn_id": "live_pg15",
                "source_database": src,
                "target_conn_id": "live_target",
                "target_database": tgt,
                "require_approval": False,
                "dump_format": "plain",
                "drain_timeout": 300,
            },
        )
        deadline = time.monotonic() + 300
        while api.task_states(DAG, run_id).get("drain_source") != "deferred":
            assert time.monotonic() < deadline, api.task_states(DAG, run_id)
            assert api.run_state(DAG, run_id) in ("queued", "running"), api.task_states(DAG, run_id)
            time.sleep(1)
        time.sleep(5)
        assert api.task_states(DAG, run_id)["drain_source"] == "deferred", "still waiting, in the triggerer"
        app.close()
        assert api.wait_for_run(DAG, run_id) == "success", api.task_states(DAG, run_id)
        assert api.task_states(DAG, run_id)["cutover"] == "success"
        assert api.xcom(DAG, run_id, "drain_source", "phase")["seconds"] >= 5
        with servers.tsdb_target.connect(tgt) as conn:
            assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 50
    finally:
        app.close()
        servers.pg15.drop_database(src)
        servers.tsdb_target.drop_database(tgt)
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
