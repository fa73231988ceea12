"""The gates' options in a real Airflow: an email to the notify addresses (through Airflow's SMTP notifier, to a
local SMTP sink), only the assigned user may answer, and an unanswered stop_apps rejects by itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from devtools.local_airflow import APPROVER
from devtools.rest import AirflowAPI
from devtools.servers import Servers
from tests.live.conftest import LiveAirflow, rows_in_target
from tests.support.smtpsink import SmtpSink

pytestmark = pytest.mark.live
DAG = "migrate_database"


@pytest.fixture(scope="module")
def sink(live: LiveAirflow) -> Iterator[SmtpSink]:
    """A local SMTP sink, and the deployment's connection `live_smtp` to it."""
    smtp = SmtpSink().start()
    live.airflow.cli("connections", "delete", "live_smtp", check=False)
    live.airflow.cli("connections", "add", "live_smtp", "--conn-json", json.dumps(smtp.connection()))
    yield smtp
    smtp.stop()


def hitl(api: AirflowAPI, run_id: str, task_id: str) -> dict:
    """The gate's request and answer."""
    return api.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}/-1/hitlDetails")


def empty_target(servers: Servers, dbname: str) -> bool:
    """No row of the source arrived (stage_schema may have staged its definitions before the gate)."""
    return rows_in_target(servers, dbname) == 0


def test_gate_emails_is_assigned_and_expires(live: LiveAirflow, servers: Servers, sink: SmtpSink) -> None:
    """Run A is assigned to dba: the admin may not answer it, dba may (Reject). Run B is not answered: after
    stop_apps_timeout_hours it rejects by itself, nothing changed. Both mailed the notify address first."""
    api, s = live.api, live.suffix
    dba = AirflowAPI(live.url, APPROVER, live.airflow.password(APPROVER))
    names = {"a": (f"gate_a_src_{s}", f"gate_a_tgt_{s}"), "b": (f"gate_b_src_{s}", f"gate_b_tgt_{s}")}
    for src, tgt in names.values():
        servers.pg15.create_database(src)
        with servers.pg15.connect(src) as conn:
            conn.execute("CREATE TABLE kept AS SELECT 1 AS id")
        servers.tsdb_target.create_database(tgt, extensions=("timescaledb",))
    common = {
        "source_conn_id": "live_pg15",
        "target_conn_id": "live_target",
        "notify": ["dba@example.com"],
        "smtp_conn_id": "live_smtp",
    }
    try:
        run_a = api.trigger(
            DAG, {**common, "source_database": names["a"][0], "target_database": names["a"][1], "approvers": [APPROVER]}
        )
        started_b = time.monotonic()
        run_b = api.trigger(
            DAG,
            {
                **common,
                "source_database": names["b"][0],
                "target_database": names["b"][1],
                "stop_apps_timeout_hours": 0.01,
            },
        )  # 36 s
        gate_a = api.wait_for_gate(DAG, run_a, "stop_apps")
        assert [u["id"] for u in gate_a["assigned_users"]] == [APPROVER]
        with pytest.raises(httpx.HTTPStatusError) as refused:
            api.answer(DAG, run_a, "stop_apps", "Reject")
        assert refused.value.response.status_code == 403
        assert dba.answer(DAG, run_a, "stop_apps", "Reject")["chosen_options"] == ["Reject"]

        assert api.wait_for_run(DAG, run_b, timeout=300) == "success"
        waited = time.monotonic() - started_b
        gate_b = hitl(api, run_b, "stop_apps")
        assert gate_b["chosen_options"] == ["Reject"] and gate_b["responded_by_user"] is None
        assert waited >= 36
        assert api.wait_for_run(DAG, run_a) == "success"
        for run_id, (_, tgt) in ((run_a, names["a"]), (run_b, names["b"])):
            states = api.task_states(DAG, run_id)
            assert states["stop_apps"] == "success" and states["drain_source"] == "skipped", states
            assert states["dump_data"] in ("skipped", None) and states["load"] != "success"
            assert empty_target(servers, tgt)
        with servers.pg15.connect(names["b"][0]) as conn:  # never drained
            assert conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]
    finally:
        for src, tgt in names.values():
            servers.pg15.drop_database(src)
            servers.tsdb_target.drop_database(tgt)
    mails = {m.message["Subject"]: m for m in sink.messages}
    for run_id in (run_a, run_b):
        [subject] = [key for key in mails if run_id in key]
        assert subject.startswith("Stop the applications: approve the migration downtime")
        assert mails[subject].recipients == ["dba@example.com"]
        text = mails[subject].text()
        assert f"{names['a' if run_id == run_a else 'b'][0]}" in text and "required_actions" in text
