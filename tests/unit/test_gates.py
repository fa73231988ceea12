"""Unit tests of timescale_migration/gates.py: approvers and roles, the stop_apps expiry, the gates' emails."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from timescale_migration import gates, settings
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.stop_apps import StopAppsOperator
from timescale_migration.operators.switch_apps import SwitchAppsOperator
from timescale_migration.options import MigrationOptions
from timescale_migration.params import migration_params

pytestmark = pytest.mark.unit


def options(**changes: Any) -> MigrationOptions:
    """The default run options with some params changed."""
    return MigrationOptions.from_params({**{k: p.value for k, p in migration_params().items()}, **changes})


@pytest.fixture
def roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A gates config naming role dba (alice, bob) and role night (bob, carol)."""
    path = tmp_path / "gates.json"
    path.write_text(json.dumps({"roles": {"dba": ["alice", "bob"], "night": ["bob", "carol"]}}))
    monkeypatch.setenv(settings.GATES_CONFIG.name, str(path))
    return path


@pytest.fixture
def smtp_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    """An SMTP connection with a sender address."""
    conn_id = f"mail_{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": 2525,
                "extra": {"from_email": "af@example.com", "retry_limit": 0},
            }
        ),
    )
    return conn_id


def test_assigned_users_expand_roles_once(roles_file: Path) -> None:
    """User ids as given, roles expanded from the config, each user once, in order."""
    users = gates.assigned_users(["zoe", "role:dba", "role:night", "alice"])
    assert [u["id"] for u in users] == ["zoe", "alice", "bob", "carol"]
    assert users[0] == {"id": "zoe", "name": "zoe"}
    assert gates.assigned_users([]) == []


def test_unknown_role_is_named(roles_file: Path) -> None:
    """A role the config does not define fails with its name, the file and the roles it has."""
    with pytest.raises(MigrationError, match="role 'ops'") as err:
        gates.assigned_users(["role:ops"])
    assert str(roles_file) in str(err.value) and "dba, night" in str(err.value)


def test_bad_roles_config_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Roles must map to lists of user ids."""
    path = tmp_path / "gates.json"
    path.write_text(json.dumps({"roles": {"dba": "alice"}}))
    monkeypatch.setenv(settings.GATES_CONFIG.name, str(path))
    with pytest.raises(MigrationError, match="list of Airflow user ids"):
        gates.assigned_users(["role:dba"])


def test_response_timeout() -> None:
    """Hours become a timedelta; 0 waits for ever."""
    assert gates.response_timeout(options()) == timedelta(hours=24)
    assert gates.response_timeout(options(stop_apps_timeout_hours=0.25)) == timedelta(minutes=15)
    assert gates.response_timeout(options(stop_apps_timeout_hours=0)) is None


def test_no_email_without_addresses() -> None:
    """Empty notify: no notifier, no SMTP connection needed."""
    assert gates.email_notifiers(options(smtp_conn_id="nowhere"), "s", "b", None) == []


def test_email_needs_the_smtp_connection() -> None:
    """notify without its SMTP connection fails, naming the connection, before anything changed."""
    with pytest.raises(MigrationError, match="SMTP connection 'no_mail_here' is not defined"):
        gates.email_notifiers(options(notify=["a@example.com"], smtp_conn_id="no_mail_here"), "s", "b", None)


def test_email_needs_a_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    """An SMTP connection without from_email is refused up front (the notifier would fail at the gate)."""
    monkeypatch.setenv("AIRFLOW_CONN_MAIL_NO_FROM", json.dumps({"conn_type": "smtp", "host": "h"}))
    with pytest.raises(MigrationError, match="no from_email"):
        gates.email_notifiers(options(notify=["a@example.com"], smtp_conn_id="mail_no_from"), "s", "b", None)


def test_email_content_is_escaped_and_not_a_template(smtp_conn: str) -> None:
    """The body (session names, labels: not ours) is HTML-escaped and holds no brace Jinja would render."""
    body = "| 42 | app | {{ conf.secret }} | <script> |"
    [notifier] = gates.email_notifiers(
        options(notify=["dba@example.com"], smtp_conn_id=smtp_conn),
        "Stop {{x}}",
        body,
        "http://airflow/dags/x/required_actions",
    )
    assert isinstance(notifier, gates.SmtpNotifier)
    assert notifier.to == ["dba@example.com"] and notifier.smtp_conn_id == smtp_conn
    assert "{" not in notifier.html_content and "{" not in notifier.subject
    assert "&lt;script&gt;" in notifier.html_content
    assert 'href="http://airflow/dags/x/required_actions"' in notifier.html_content
    assert notifier.subject == "Stop ((x))"


def test_gate_email_failure_is_logged_not_raised(smtp_conn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An SMTP server that cannot be reached leaves a warning; the gate goes on asking."""
    notifier = gates.GateEmail(to=["dba@example.com"], smtp_conn_id=smtp_conn, subject="s", html_content="b")
    notifier.notify({})
    out = capsys.readouterr()
    assert "could not send the gate's email" in out.out + out.err


def context() -> dict[str, Any]:
    """What prepare reads of a task context."""
    return {"ti": SimpleNamespace(dag_id="migrate_database", run_id="manual__1")}


def test_prepare_stop_apps(roles_file: Path, smtp_conn: str) -> None:
    """stop_apps: assigned to the expanded users, one email notifier, Reject after the timeout."""
    gate = StopAppsOperator(task_id="stop_apps")
    gate.body = "gate text"
    gates.prepare(
        gate,
        context(),
        options(approvers=["role:dba"], notify=["dba@example.com"], smtp_conn_id=smtp_conn, stop_apps_timeout_hours=2),
        expires=True,
    )
    assert [u["id"] for u in gate.assigned_users] == ["alice", "bob"]
    assert len(gate.notifiers) == 1 and "manual__1" in gate.notifiers[0].subject
    assert gate.response_timeout == timedelta(hours=2)
    assert gate.defaults == ["Reject"]


def test_prepare_switch_apps_never_expires() -> None:
    """switch_apps waits for a person whatever the timeout param says (the downtime is on)."""
    gate = SwitchAppsOperator(task_id="switch_apps")
    gates.prepare(gate, context(), options(stop_apps_timeout_hours=1), expires=False)
    assert gate.response_timeout is None and gate.defaults is None
    assert gate.assigned_users is None and gate.notifiers == []
