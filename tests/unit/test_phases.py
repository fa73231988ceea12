"""The phase table (timescale_migration/phases.py) against itself, against the migrate_database DAG (its tasks,
operators, retries, trigger rules, every edge, its setups and teardowns, its docstring's list) and against the
README's phase table and timeouts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from timescale_migration import phases

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
OTHER_MODULE = {
    phases.PRE_RESTORE: "restore_mode",
    phases.POST_RESTORE: "restore_mode",
    phases.PAUSE_SOURCE_JOBS: "source_jobs",
    phases.RESUME_SOURCE_JOBS: "source_jobs",
}
"""The tasks whose operator module is not named after the task id (phases.py's docstring and the README say so)."""


@pytest.fixture(scope="module")
def dag():
    """The migrate_database DAG, parsed the way the DAG processor does."""
    bag = DagBag(dag_folder=str(REPO / "dags" / "migrate_database.py"))
    assert bag.import_errors == {}
    return bag.dags[phases.DAG_ID]


def test_task_ids_are_unique_and_complete() -> None:
    """Every name appears once in TASKS, and each part of the registry names only tasks of it."""
    assert len(set(phases.TASKS)) == len(phases.TASKS) == 20
    named = {
        *phases.ORDER,
        *phases.PREFLIGHT,
        *phases.GATES,
        *phases.DOWNTIME,
        *phases.BRANCHES,
        phases.PLAN_TASK,
        *phases.WORK_CHAIN,
    }
    for t in phases.TEARDOWNS:
        named |= {t.setup, t.teardown, t.after} | ({t.before} if t.before else set())
    assert named <= set(phases.TASKS)


def test_order_and_its_parts() -> None:
    """The checks come first and hold the plan, then the staging of the schema; the downtime lies between the two
    gates; the branches follow the second gate."""
    assert phases.ORDER[:2] == phases.PREFLIGHT
    assert phases.PLAN_TASK in phases.PREFLIGHT
    assert phases.ORDER[2] == phases.AFTER_CHECKS == phases.STAGE_SCHEMA
    assert phases.ORDER[3] == phases.GATES[0]
    assert phases.ORDER[-1] == phases.GATES[-1]
    assert phases.ORDER[4:-1] == phases.DOWNTIME
    assert phases.DOWNTIME[0] == phases.DRAIN_SOURCE
    assert phases.DOWNTIME[-1] == phases.VERIFY
    assert tuple(t for t in phases.ORDER if t != phases.POST_RESTORE) == phases.WORK_CHAIN


def test_teardowns_follow_their_setups() -> None:
    """Each setup runs before the work its teardown waits for; a teardown in ORDER stands between after and
    before."""
    for t in phases.TEARDOWNS:
        assert phases.ORDER.index(t.setup) < phases.ORDER.index(t.after), t
        if t.teardown in phases.ORDER:
            assert phases.ORDER.index(t.after) < phases.ORDER.index(t.teardown) < phases.ORDER.index(t.before)


def test_dag_has_exactly_the_registry_tasks(dag) -> None:
    """The DAG's tasks are the registry's, no more, no fewer."""
    assert sorted(dag.task_ids) == sorted(phases.TASKS)


def test_dag_edges_are_the_registry_edges(dag) -> None:
    """Every edge of the DAG, and only those: the work chain, the branches of switch_apps, and each teardown's
    edges from its setup and its work (and to the task that waits for it)."""
    edges = {(task.task_id, down) for task in dag.tasks for down in task.downstream_task_ids}
    assert edges == phases.edges()


def test_dag_setups_and_teardowns_are_the_registry_pairs(dag) -> None:
    """The registry's setups and teardowns are the only ones; teardowns run once their setup succeeded, whatever
    else happened; every other task needs all its upstream tasks to succeed."""
    setups = {t.setup for t in phases.TEARDOWNS}
    teardowns = {t.teardown for t in phases.TEARDOWNS}
    assert {t.task_id for t in dag.tasks if t.is_setup} == setups
    assert {t.task_id for t in dag.tasks if t.is_teardown} == teardowns
    for task in dag.tasks:
        expected = "all_done_setup_success" if task.task_id in teardowns else "all_success"
        assert task.trigger_rule == phases.TRIGGER_RULES.get(task.task_id, expected), task.task_id


def test_every_check_runs_and_the_gate_waits_for_all() -> None:
    """check_versions runs whatever check_extensions' outcome (so that the run is refused once, naming what both
    found); stage_schema, the first task that changes the target, needs every check to succeed, and the gate
    follows it."""
    assert phases.TRIGGER_RULES == {phases.CHECK_VERSIONS: "all_done"}
    assert {(check, phases.STAGE_SCHEMA) for check in phases.PREFLIGHT} <= phases.edges()
    assert (phases.STAGE_SCHEMA, phases.STOP_APPS) in phases.edges()


def test_a_failed_load_fails_the_run(dag) -> None:
    """analyze waits for load itself, not only for load's teardown: a failed load is not hidden by a successful
    post_restore (Airflow ignores teardowns when it decides a run's state)."""
    assert {phases.LOAD, phases.POST_RESTORE} <= dag.get_task(phases.ANALYZE).upstream_task_ids


def test_dag_docstring_lists_the_order(dag) -> None:
    """The DAG's documentation lists the phases, one a line, in the registry's order, without numbers."""
    listed = re.findall(r"^- `(\w+)` — ", dag.doc_md, flags=re.MULTILINE)
    assert listed == list(phases.ORDER)
    assert not re.search(r"^\d+\. ", dag.doc_md, flags=re.MULTILINE)


def test_each_task_id_names_its_operator_module(dag) -> None:
    """A newcomer finds a task's code from its id: operators/<task id>.py, or the module named in phases.py; the
    DAG's task is the phase table's operator."""
    for task in dag.tasks:
        phase = phases.BY_ID[task.task_id]
        assert phase.module == OTHER_MODULE.get(task.task_id, task.task_id)
        assert f"{type(task).__module__}.{type(task).__name__}" == f"timescale_migration.operators.{phase.operator}"


def test_dag_tasks_have_the_tables_retries_and_rules(dag) -> None:
    """Retries (None: Airflow's default, 0 here), trigger rules and the teardown flag are the table's."""
    for phase in phases.PHASES:
        task = dag.get_task(phase.task_id)
        assert task.retries == (phase.retries or 0), phase.task_id
        assert task.trigger_rule == phase.rule, phase.task_id
        assert task.is_teardown is (phase.teardown is not None), phase.task_id


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split(f"\n{title}\n", 1)[1].split("\n#", 1)[0]


def test_readme_phase_table_is_the_phase_table() -> None:
    """README's "The phases": one row per task in the table's order, with its retries; a row says "teardown of
    `<setup>`" exactly for the teardowns, and names a trigger rule exactly where the task has another than
    all_success."""
    rows = re.findall(
        r"^\| `(\w+)` \| (.*) \| [^|]* \| (\w+) \|$", _readme_section("## The phases"), flags=re.MULTILINE
    )
    assert [task for task, _, _ in rows] == list(phases.TASKS)
    for task, what, retries in rows:
        phase = phases.BY_ID[task]
        assert retries == ("default" if phase.retries is None else str(phase.retries)), task
        torn = re.findall(r"teardown of `(\w+)`", what)
        assert torn == ([phase.teardown.setup] if phase.teardown else []), task
        assert re.findall(r"trigger rule `(\w+)`", what) == list(filter(None, [phases.TRIGGER_RULES.get(task)]))


def test_readme_timeouts_name_the_phases_that_scale_with_the_data() -> None:
    """README's timeouts list the phases the table marks as scaling with the data, in its order."""
    section = _readme_section("### Timeouts of the downtime tasks")
    listed = re.search(r"phases that move or read the data\s+\(([^)]*)\)", section)
    assert listed is not None
    assert re.findall(r"`(\w+)`", listed.group(1)) == list(phases.DATA_PHASES)


def test_operator_docstrings_carry_no_phase_numbers() -> None:
    """The order lives in the registry alone: no "Phase 7:" in the operators' documentation."""
    numbered = [
        path.name
        for path in (REPO / "plugins" / "timescale_migration" / "operators").glob("*.py")
        if re.search(r"\bPhases? \d", path.read_text(encoding="utf-8"))
    ]
    assert numbered == []
