"""Unit tests of operators/switch_apps.py: the second gate's text and its branch without approval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from airflow.sdk import DAG
from airflow.sdk.exceptions import DownstreamTasksSkipped

from tests.support.fakes import FakeTI
from timescale_migration.operators.cutover import CutoverOperator
from timescale_migration.operators.release_source import ReleaseSourceOperator
from timescale_migration.operators.switch_apps import (
    ROLL_BACK,
    SWITCH,
    SwitchAppsOperator,
    switch_body,
)
from timescale_migration.phases import CUTOVER, RELEASE_SOURCE

pytestmark = pytest.mark.unit

TARGET = "target 'migration_target' (target.example:5432/tsdb as tsdbadmin)"
SUMMARY = {
    "tables": 12,
    "rows": 1_234_567,
    "sequences": 3,
    "structure_items": 240,
    "report_html": "/work/run/verification.html",
}


def test_switch_body_states_what_was_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    """The body says what verification proved, links its report and the run's page in the Airflow UI (never a path
    on a worker's disk), and says what each choice does."""
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com")
    lines = switch_body(SUMMARY, TARGET, "migrate_database", "manual__2026-12-01T10:00:00+00:00").splitlines()
    assert lines[0] == (
        "Verification passed: **12 relations, 1,234,567 rows, 3 sequences and 240 structure items** are identical."
    )
    page = (
        "https://airflow.example.com/plugin/migrations/migrations/runs/migrate_database/"
        "manual__2026-12-01T10%3A00%3A00%2B00%3A00/"
    )
    assert f"Report: [verification report]({page}verification.html) · [the migration's page]({page})" in lines
    assert not any("/work/run" in line for line in lines)
    assert f"Point the applications at {TARGET}, then choose *{SWITCH}*. The source stays blocked." in lines
    assert f"Or choose *{ROLL_BACK}*: the source's connection privileges are restored as they were." in lines


def test_switch_body_without_run() -> None:
    """Without the run's ids there is nothing to link: '-'."""
    assert "Report: -" in switch_body(SUMMARY, TARGET).splitlines()


def test_operator_links_to_the_run_page() -> None:
    """switch_apps has the "Migration report" button (operator extra link) leading to its run's page."""
    operator = SwitchAppsOperator(task_id="switch_apps")
    assert [link.name for link in operator.operator_extra_links] == ["Migration report"]


@pytest.mark.parametrize("summary", [None, {}])
def test_switch_body_without_summary(summary: dict[str, Any] | None) -> None:
    """Without verify's summary it says to check the verify log first."""
    assert switch_body(summary, TARGET) == (
        f"Verification left no summary. Check the verify task's log before switching to {TARGET}."
    )


def test_operator_options_map_to_tasks() -> None:
    """The two choices lead to cutover and release_source."""
    operator = SwitchAppsOperator(task_id="switch_apps")
    assert operator.subject == "Switch the applications to the target"
    assert list(operator.options) == [SWITCH, ROLL_BACK]
    assert operator.options_mapping == {SWITCH: CUTOVER, ROLL_BACK: RELEASE_SOURCE}


@dataclass
class BranchTI(FakeTI):
    """A TaskInstance as branching uses it: its task and map index too."""

    task: Any = None
    map_index: int = -1


def test_operator_without_approval_branches_to_cutover(make_context, opened) -> None:
    """require_approval=false follows cutover and skips release_source, with the body written."""
    with DAG(dag_id="switch_test", schedule=None):
        switch = SwitchAppsOperator(task_id="switch_apps")
        switch >> [CutoverOperator(task_id=CUTOVER), ReleaseSourceOperator(task_id=RELEASE_SOURCE)]
    context = make_context(require_approval=False)
    ti = BranchTI(xcoms={"verify": SUMMARY}, task=switch)
    context["ti"] = ti
    with pytest.raises(DownstreamTasksSkipped) as skipped:
        switch.execute(context)
    assert skipped.value.tasks == [(RELEASE_SOURCE, -1)]
    assert list(ti.pushed.values()) == [{"followed": [CUTOVER]}]
    assert switch.body.startswith("Verification passed: **12 relations, 1,234,567 rows")
    assert "target.example:5432/tsdb" in switch.body
    assert "/plugin/migrations/migrations/runs/migrate_database/" in switch.body
    assert opened == []
