"""After verify: the second gate. A person points the applications at the target (cutover) or rolls back,
which releases the source to its applications again."""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import HITLBranchOperator
from airflow.sdk import Context

from timescale_migration import gates, phases
from timescale_migration.operators.base import MigrationMixin
from timescale_migration.ui.links import MigrationReportLink, run_page_url, verification_url

SWITCH = "Applications now use the target"
ROLL_BACK = "Roll back: give the source back to the applications"


def switch_body(
    summary: dict[str, Any] | None, target_label: str, dag_id: str | None = None, run_id: str | None = None
) -> str:
    """Markdown shown at the gate: what verification proved, and links to its report and the run's page in the
    Airflow UI (the Migrations page)."""
    if not summary:
        return f"Verification left no summary. Check the verify task's log before switching to {target_label}."
    return "\n".join(
        [
            f"Verification passed: **{summary['tables']} relations, {summary['rows']:,} rows, "
            f"{summary['sequences']} sequences and {summary['structure_items']} structure items** are identical.",
            "",
            (
                f"Report: [verification report]({verification_url(dag_id, run_id)}) · "
                f"[the migration's page]({run_page_url(dag_id, run_id)})"
                if dag_id and run_id
                else "Report: -"
            ),
            "",
            f"Point the applications at {target_label}, then choose *{SWITCH}*. The source stays blocked.",
            f"Or choose *{ROLL_BACK}*: the source's connection privileges are restored as they were.",
        ]
    )


class SwitchAppsOperator(MigrationMixin, HITLBranchOperator):
    """Branch to `cutover` (applications switched) or `release_source` (rolled back)."""

    ui_color = "#fff3e0"
    operator_extra_links = (MigrationReportLink(),)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("subject", "Switch the applications to the target")
        kwargs.setdefault("options", [SWITCH, ROLL_BACK])
        kwargs.setdefault("options_mapping", {SWITCH: phases.CUTOVER, ROLL_BACK: phases.RELEASE_SOURCE})
        super().__init__(**kwargs)

    def execute(self, context: Context) -> Any:
        opts = self.migration_options(context)
        _, target = self.endpoints(context)
        ti = context["ti"]
        self.body = switch_body(ti.xcom_pull(task_ids=phases.VERIFY), target.label, ti.dag_id, ti.run_id)
        if opts.rehearsal:
            self.log.info("rehearsal: no applications to switch; cutover and release_source are skipped")
            return self.do_branch(context, None)
        if not opts.require_approval:
            self.log.info("require_approval is false: switching to the target without a person")
            return self.do_branch(context, [phases.CUTOVER])
        gates.prepare(self, context, opts, expires=False)
        return super().execute(context)
