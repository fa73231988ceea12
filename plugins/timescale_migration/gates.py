"""What the two gates (stop_apps, switch_apps) do around the question: whom they notify (Airflow's SMTP notifier),
who may answer (HITL assigned users, roles expanded from include/gates.json), and when stop_apps gives up.

Roles: Airflow's human-in-the-loop assigns gates to user ids. include/gates.json (or $TSM_GATES_CONFIG) names
roles as lists of user ids, `{"roles": {"dba": ["alice", "bob"]}}`, and the `approvers` param may say
`role:dba`. An unknown role fails the gate before anything changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseHook, Context
from airflow.sdk.exceptions import AirflowNotFoundException

from timescale_migration import rendering, settings
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import MigrationOptions

ROLE_PREFIX = "role:"


def config_path() -> Path:
    """include/gates.json, or $TSM_GATES_CONFIG."""
    return settings.gates_config()


def roles() -> dict[str, list[str]]:
    """Role name -> user ids, from the gates config (none when the file is absent)."""
    path = config_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise MigrationError(f"{path} is not valid JSON: {err}") from err
    found = data.get("roles", {}) if isinstance(data, dict) else None
    if not isinstance(found, dict) or not all(
        isinstance(users, list) and all(isinstance(u, str) and u for u in users) for users in found.values()
    ):
        raise MigrationError(f'{path}: "roles" must map each role name to a list of Airflow user ids')
    return found


def assigned_users(approvers: Sequence[str]) -> list[dict[str, str]]:
    """The HITL assigned users for the `approvers` param: user ids as given, `role:<name>` expanded; none: anyone
    allowed to answer the run's gates may."""
    known = roles() if any(a.startswith(ROLE_PREFIX) for a in approvers) else {}
    users: list[str] = []
    for approver in approvers:
        if approver.startswith(ROLE_PREFIX):
            name = approver[len(ROLE_PREFIX) :]
            if name not in known:
                raise MigrationError(
                    f"param approvers names role {name!r}, which {config_path()} does not define "
                    f"(roles there: {', '.join(sorted(known)) or 'none'}). Nothing was changed"
                )
            users += known[name]
        else:
            users.append(approver)
    return [{"id": user, "name": user} for user in dict.fromkeys(users)]


def response_timeout(opts: MigrationOptions) -> timedelta | None:
    """How long stop_apps waits for an answer before it rejects by itself; None: for ever."""
    return timedelta(hours=opts.stop_apps_timeout_hours) if opts.stop_apps_timeout_hours > 0 else None


class GateEmail(SmtpNotifier):
    """Airflow's SMTP notifier for a gate; a mail that cannot be sent is logged, and the gate waits all the same
    (the switch_apps gate comes during the downtime: a mail server must not end a migration there)."""

    def notify(self, context: Context) -> None:
        try:
            super().notify(context)
        except Exception as err:  # any SMTP or connection error: the question stays open in the UI
            self.log.warning(
                "could not send the gate's email to %s through connection %r: %s", self.to, self.smtp_conn_id, err
            )
        else:
            self.log.info("gate email sent to %s through connection %r", ", ".join(self.to), self.smtp_conn_id)


def _no_template(text: str, brace: tuple[str, str] = ("&#123;", "&#125;")) -> str:
    """Text that Jinja (the notifier renders its fields) leaves as it is: no brace left to open a tag."""
    return text.replace("{", brace[0]).replace("}", brace[1])


def email_notifiers(opts: MigrationOptions, subject: str, body: str, link: str | None) -> list[GateEmail]:
    """One SMTP notifier to the `notify` addresses (none when empty); the connection must exist."""
    if not opts.notify:
        return []
    try:
        smtp = BaseHook.get_connection(opts.smtp_conn_id)
    except AirflowNotFoundException as err:
        raise MigrationError(
            f"param notify asks for email, but the SMTP connection {opts.smtp_conn_id!r} is not defined in Airflow: "
            f"add it (type smtp) or set smtp_conn_id, or empty notify. Nothing was changed"
        ) from err
    if not smtp.extra_dejson.get("from_email"):
        raise MigrationError(
            f"SMTP connection {opts.smtp_conn_id!r} has no from_email extra: set the sender "
            "address there. Nothing was changed"
        )
    content = rendering.render("gate_email.html", subject=subject, link=link, body=body)
    plain_subject = _no_template(subject.replace("\n", " "), ("(", ")"))
    return [
        GateEmail(
            to=list(opts.notify),
            smtp_conn_id=opts.smtp_conn_id,
            subject=plain_subject,
            html_content=_no_template(content),
        )
    ]


def answer_link(gate: Any, context: Context) -> str | None:
    """The gate's Required Actions page in the Airflow UI, when [api] base_url is set."""
    try:
        return gate.generate_link_to_ui_from_context(context=context)
    except Exception:  # no base_url configured, or no task instance to link to (tests)
        return None


def prepare(gate: Any, context: Context, opts: MigrationOptions, *, expires: bool) -> None:
    """Before a gate asks: who may answer, whom to tell by email, and (stop_apps) when it rejects by itself.
    Raises, naming the cause, for an unknown role or a missing SMTP connection (nothing changed yet at stop_apps)."""
    ti = context["ti"]
    gate.assigned_users = assigned_users(opts.approvers) or None
    if gate.assigned_users:
        gate.log.info("only these users may answer: %s", ", ".join(u["id"] for u in gate.assigned_users))
    subject = f"{gate.subject} ({ti.dag_id}, run {ti.run_id})"
    gate.notifiers = email_notifiers(opts, subject, gate.body or "", answer_link(gate, context))
    if expires and (timeout := response_timeout(opts)) is not None:
        gate.response_timeout = timeout
        gate.defaults = [gate.REJECT]
        gate.log.info("unanswered for %s, the gate rejects by itself: nothing changed, the run ends", timeout)
