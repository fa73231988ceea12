"""The gates' email through Airflow's SMTP notifier and hook, received by a local SMTP sink."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.support.smtpsink import SmtpSink
from timescale_migration import gates
from timescale_migration.options import MigrationOptions
from timescale_migration.params import migration_params

pytestmark = pytest.mark.integration


def test_gate_email_reaches_the_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """One message to every notify address, from the connection's sender, with the gate's text and its link."""
    sink = SmtpSink().start()
    try:
        conn_id = f"it_mail_{uuid.uuid4().hex[:6]}"
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(sink.connection()))
        params: dict[str, Any] = {k: p.value for k, p in migration_params().items()}
        opts = MigrationOptions.from_params(
            {**params, "notify": ["dba@example.com", "oncall@example.com"], "smtp_conn_id": conn_id}
        )
        body = "| 4242 | app | billing-api |\n\n**2 other client session(s) on the source**"
        [notifier] = gates.email_notifiers(
            opts,
            "Stop the applications (migrate_database, run r1)",
            body,
            "http://localhost:8080/dags/migrate_database/runs/r1/tasks/stop_apps/required_actions",
        )
        notifier({"ti": None})
    finally:
        sink.stop()
    [mail] = sink.messages
    assert mail.sender == "airflow@tsm.test"
    assert sorted(mail.recipients) == ["dba@example.com", "oncall@example.com"]
    assert mail.message["Subject"] == "Stop the applications (migrate_database, run r1)"
    text = mail.text()
    assert "billing-api" in text and "2 other client session(s)" in text
    assert "/tasks/stop_apps/required_actions" in text
