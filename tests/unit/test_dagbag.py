"""The migrate_database, release_source and clean_migration_work DAGs import cleanly and have the documented
shape."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from timescale_migration import phases

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
DAG_ID = phases.DAG_ID
ORDER = list(phases.ORDER)
BRANCHES = set(phases.BRANCHES)
SETUP_TEARDOWN = {t.setup: t.teardown for t in phases.TEARDOWNS}
PARAMS = [
    "source_conn_id",
    "target_conn_id",
    "source_database",
    "target_database",
    "require_approval",
    "pg_bin_dir",
    "dump_format",
    "jobs",
    "roles",
    "work_dir",
    "keep_dump",
    "stage_schema",
    "drain",
    "drain_timeout",
    "terminate_sessions",
    "privileges",
]
RELEASE_DAG_ID = "release_source"
RELEASE_PARAMS = {"source_conn_id", "source_database", "work_dir", "target_conn_id"}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    """The repository's dags folder, parsed the way the DAG processor does."""
    return DagBag(dag_folder=str(REPO / "dags"))


@pytest.fixture(scope="module")
def dag(dagbag: DagBag):
    """The migrate_database DAG."""
    return dagbag.dags[DAG_ID]


def test_no_import_errors(dagbag: DagBag) -> None:
    """Every file in dags/ imports without error."""
    assert dagbag.import_errors == {}


def test_migrate_database_present(dagbag: DagBag) -> None:
    """The DAG is found under its id."""
    assert DAG_ID in dagbag.dag_ids


def test_documented_tasks_exist(dag) -> None:
    """Every documented phase is a task, and there are no others."""
    assert set(dag.task_ids) == set(ORDER) | BRANCHES | {"resume_source_jobs", "remove_secrets"}


@pytest.mark.parametrize(("upstream", "task"), list(itertools.pairwise(ORDER)))
def test_phase_follows_previous(dag, upstream: str, task: str) -> None:
    """Each phase runs directly after the previous one."""
    assert upstream in dag.get_task(task).upstream_task_ids


def test_first_phase_has_no_upstream(dag) -> None:
    """check_extensions starts the run."""
    assert dag.get_task("check_extensions").upstream_task_ids == set()


def test_order_is_a_chain(dag) -> None:
    """Each documented phase is (transitively) downstream of every earlier one."""
    for i, task_id in enumerate(ORDER[1:], start=1):
        upstream = {t.task_id for t in dag.get_task(task_id).get_flat_relatives(upstream=True)}
        assert set(ORDER[:i]) <= upstream, task_id


def test_pre_restore_is_setup_and_post_restore_teardown(dag) -> None:
    """pre_restore is the setup and post_restore the teardown of the load."""
    pre, post = dag.get_task("pre_restore"), dag.get_task("post_restore")
    assert pre.is_setup
    assert not pre.is_teardown
    assert post.is_teardown
    assert not post.is_setup
    assert {"load", "pre_restore"} <= post.upstream_task_ids


def test_pause_source_jobs_is_setup_and_resume_teardown(dag) -> None:
    """pause_source_jobs is a setup whose teardown resume_source_jobs runs after verify."""
    pause, resume = dag.get_task("pause_source_jobs"), dag.get_task("resume_source_jobs")
    assert pause.is_setup
    assert not pause.is_teardown
    assert resume.is_teardown
    assert not resume.is_setup
    assert {"verify", "pause_source_jobs"} <= resume.upstream_task_ids


def test_dump_roles_is_setup_and_remove_secrets_teardown(dag) -> None:
    """roles.sql (password hashes) is removed by a teardown of dump_roles after verify, whatever happened."""
    dump, remove = dag.get_task("dump_roles"), dag.get_task("remove_secrets")
    assert dump.is_setup and not dump.is_teardown
    assert remove.is_teardown and not remove.is_setup
    assert remove.upstream_task_ids == {"verify", "dump_roles"}
    assert remove.downstream_task_ids == set()


def test_only_setup_teardown_pairs(dag) -> None:
    """No other task is a setup or teardown."""
    assert {t.task_id for t in dag.tasks if t.is_setup} == set(SETUP_TEARDOWN)
    assert {t.task_id for t in dag.tasks if t.is_teardown} == set(SETUP_TEARDOWN.values())


def test_failed_load_reaches_analyze(dag) -> None:
    """analyze depends on load directly, so a failed load is not hidden by a successful teardown."""
    assert "load" in dag.get_task("analyze").upstream_task_ids


def test_verify_follows_apply_settings(dag) -> None:
    """analyze, apply_privileges, apply_settings, verify: the settings last (an application's session defaults
    never meet the migration's own sessions before verify); the source's side is taken inside load."""
    assert dag.get_task("apply_privileges").upstream_task_ids == {"analyze"}
    assert dag.get_task("apply_settings").upstream_task_ids == {"apply_privileges"}
    assert dag.get_task("verify").upstream_task_ids == {"apply_settings"}


def test_switch_apps_branches_to_cutover_or_release(dag) -> None:
    """The second gate leads to exactly cutover and release_source, which lead nowhere."""
    assert dag.get_task("switch_apps").downstream_task_ids == BRANCHES
    for task_id in BRANCHES:
        assert dag.get_task(task_id).upstream_task_ids == {"switch_apps"}
        assert dag.get_task(task_id).downstream_task_ids == set()


def test_schedule_is_none(dag) -> None:
    """The DAG only runs when triggered."""
    assert dag.schedule is None
    assert type(dag.timetable).__name__ == "NullTimetable"


def test_params_documented_names(dag) -> None:
    """The trigger form offers every documented param with its default."""
    params = dag.params
    assert set(PARAMS) <= set(params.keys())
    assert params["source_conn_id"] == "migration_source"
    assert params["target_conn_id"] == "migration_target"
    assert params["require_approval"] is True
    assert params["dump_format"] == "parallel"
    assert params["roles"] is True
    assert params["keep_dump"] is False
    assert params["drain"] is True
    assert params["drain_timeout"] == 60
    assert params["terminate_sessions"] is False


def test_tasks_use_package_operators(dag) -> None:
    """Every task is one of the package's operators."""
    for task in dag.tasks:
        assert type(task).__module__.startswith("timescale_migration.operators."), task.task_id


def test_the_phase_tables_retries_reach_the_dag(dag) -> None:
    """Each task has the retries of the phase table (the gates Airflow's default, 0 here)."""
    expected = {p.task_id: 0 if p.retries is None else p.retries for p in phases.PHASES}
    assert {task.task_id: task.retries for task in dag.tasks} == expected
    assert any(expected.values())


# --- release_source ---------------------------------------------------------------------------------------------------


def test_release_source_dag(dagbag: DagBag) -> None:
    """release_source imports with its one task and only the params it needs, triggered by hand."""
    dag = dagbag.dags[RELEASE_DAG_ID]
    assert dag.task_ids == ["release_source"]
    task = dag.get_task("release_source")
    assert type(task).__name__ == "ReleaseSourceOperator"
    assert (task.retries, task.forget_migration) == (phases.BY_ID[phases.RELEASE_SOURCE].retries, False)
    assert set(dag.params.keys()) == RELEASE_PARAMS
    assert dag.params["source_conn_id"] == "migration_source"
    assert dag.schedule is None


# --- clean_migration_work ---------------------------------------------------------------------------------------------


def test_clean_migration_work_dag(dagbag: DagBag) -> None:
    """The retention DAG runs daily, is created paused, lists before it removes and offers a dry run."""
    dag = dagbag.dags["clean_migration_work"]
    assert dag.is_paused_upon_creation is True
    assert dag.schedule == "@daily"
    assert dag.get_task("list_removable").downstream_task_ids == {"remove_listed"}
    assert set(dag.params.keys()) == {"older_than_days", "dry_run", "work_dir"}
    assert dag.params["dry_run"] is False


def test_no_plugin_module_shadows_the_standard_library() -> None:
    """Airflow imports every .py file of the plugins folder under its bare file name (sys.modules[<stem>]): a module
    named like one of the standard library (checks/locale.py once) replaces it in every Airflow process, and the
    scheduler dies in gettext. No file of plugins/ may be named so."""
    import sys
    from pathlib import Path

    plugins = Path(__file__).resolve().parents[2] / "plugins"
    stems = {path.stem for path in plugins.rglob("*.py")} - {"__init__"}
    assert stems & set(sys.stdlib_module_names) == set()
