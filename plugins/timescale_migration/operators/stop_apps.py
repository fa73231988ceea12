"""stop_apps: the downtime gate. A person approves after taking applications offline; Reject ends the run."""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Context

from timescale_migration import gates
from timescale_migration.checks import findings
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.db import catalog
from timescale_migration.operators.base import MigrationMixin
from timescale_migration.options import HypertableSpec
from timescale_migration.ui.links import run_page_url


def _mb(value: int) -> str:
    return f"{value / 1_048_576:,.1f} MB"


def _cell(value: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def gate_body(
    plan: MigrationPlan,
    source_label: str,
    target_label: str,
    sessions: list[dict[str, Any]],
    found: list[findings.Finding] | None = None,
    converting: tuple[HypertableSpec, ...] = (),
) -> str:
    """Markdown shown at the gate: what the checks found and who is still connected to the source."""
    ts = plan.timescaledb
    extensions = ", ".join(f"{name} {info['version']}" for name, info in plan.source_extensions.items())
    lines = [
        "Take the applications that use the source database offline, then approve to start the downtime.",
        "",
        "| | source | target |",
        "| --- | --- | --- |",
        f"| where | {_cell(source_label)} | {_cell(target_label)} |",
        f"| PostgreSQL | {plan.source['version']} | {plan.target['version']} |",
        f"| TimescaleDB | {ts.version if ts else '-'} | {ts.version if ts else '-'} |",
        f"| database size | {_mb(plan.source['database_bytes'])} | {_mb(plan.target['database_bytes'])} |",
        "",
        f"Client tools: PostgreSQL {plan.client_tools.version} in `{plan.client_tools.bin_dir}`.",
        f"Extensions: {extensions or 'none'}.",
    ]
    if plan.aligned:
        lines.append(f"TimescaleDB on the target was aligned ({plan.aligned}).")
    if converting:
        lines.append(
            f"Loaded as hypertables (converted before their rows arrive): "
            f"{'; '.join(_cell(spec.describe()) for spec in converting)}."
        )
    lines += findings.gate_lines(found or [])
    lines += ["", f"**{len(sessions)} other client session(s) on the source**" + (":" if sessions else ".")]
    if sessions:
        lines += ["", "| pid | user | application | client | state | since |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [
            f"| {s['pid']} | {_cell(s['user_name'])} | {_cell(s['application_name'])} | {_cell(s['client_addr'])} | "
            f"{_cell(s['state'])} | {s['backend_start']} |"
            for s in sessions[:50]
        ]
    return "\n".join(lines)


class StopAppsOperator(MigrationMixin, ApprovalOperator):
    """Human-in-the-loop approval of the downtime; passes by itself when the run's require_approval is false."""

    ui_color = "#fff3e0"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("subject", "Stop the applications: approve the migration downtime")
        super().__init__(**kwargs)

    def execute(self, context: Context) -> Any:
        opts = self.migration_options(context)
        found = findings.collect(context["ti"]) + findings.unfinished(context["ti"])
        findings.refuse_if_blocking(found, "the gate")  # check_versions refused already: never reached in a DAG run
        plan = self.plan(context)
        source, target = self.endpoints(context)
        with source.connect() as conn:
            sessions = catalog.client_sessions(conn)
        self.body = gate_body(plan, source.label, target.label, sessions, found, opts.hypertables)
        ti = context["ti"]
        self.body += f"\n\nPreflight report: [the migration's page]({run_page_url(ti.dag_id, ti.run_id)})"
        self.log.info("gate summary:\n%s", self.body)
        if not opts.require_approval:
            self.log.info("require_approval is false: the gate passes without a person")
            return {"chosen_options": [self.APPROVE], "approved_by": "require_approval=false"}
        gates.prepare(self, context, opts, expires=True)
        return super().execute(context)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Say so when nobody answered in time (the scheduler chose Reject): nothing changed, the run ends."""
        if event.get("timedout"):
            self.log.warning(
                "nobody answered stop_apps in time: rejected by itself (stop_apps_timeout_hours); "
                "nothing was changed, trigger a new run to migrate"
            )
        return super().execute_complete(context, event)
