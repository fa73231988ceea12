"""The analysis of a DAG run: the phase breakdown by the registry's task ids, and the first task's start-up."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.dag import BREAKDOWN, breakdown, first_task_started
from timescale_migration import phases

pytestmark = pytest.mark.unit


def test_breakdown_names_only_tasks_of_the_dag_and_each_once() -> None:
    named = [task for tasks in BREAKDOWN.values() for task in tasks]
    assert set(named) <= set(phases.TASKS)
    assert len(named) == len(set(named))


def test_breakdown_sums_rows_then_other_tasks_then_airflow_overhead() -> None:
    durations = {
        phases.CHECK_EXTENSIONS: 1.0,
        phases.CHECK_VERSIONS: 2.0,
        phases.DUMP_DATA: 10.0,
        phases.LOAD: 20.0,
        phases.PRE_RESTORE: 0.5,
        phases.APPLY_SETTINGS: 0.25,
        phases.REMOVE_SECRETS: 0.25,
    }
    assert breakdown(durations, wall_seconds=40.0) == {
        "checks": 3.0,
        "dump": 10.0,
        "load": 20.5,
        "other tasks (apply_settings, remove_secrets)": 0.5,
        "Airflow overhead": 6.0,
    }


def test_every_task_of_a_full_run_lands_in_one_row() -> None:
    rows = breakdown(dict.fromkeys(phases.TASKS, 1.0), wall_seconds=len(phases.TASKS) + 2.0)
    assert sum(rows.values()) == pytest.approx(len(phases.TASKS) + 2.0)
    assert rows["cutover"] == 3.0  # switch_apps and both branches
    assert rows["Airflow overhead"] == 2.0


def test_first_task_started_reads_the_two_log_lines() -> None:
    output = "\n".join(
        [
            "2026-12-01T23:00:00.000000Z [info] loading dag",
            "2026-12-01T23:00:01.250000Z [info] [DAG TEST] running task <TaskInstance: "
            "migrate_database.check_extensions"
            " manual__1 [scheduled]>",
            "2026-12-01T23:00:02.000000Z [info] something else",
            "2026-12-01T23:00:04.750000Z [info] Task started",
        ]
    )
    task, running, started = first_task_started(output) or ("", None, None)
    assert task == "check_extensions"
    assert running == dt.datetime(2026, 12, 1, 23, 0, 1, 250000, tzinfo=dt.UTC)
    assert started is not None and running is not None
    assert (started - running).total_seconds() == 3.5


def test_first_task_started_none_without_a_started_task() -> None:
    assert first_task_started("2026-12-01T23:00:01.0Z [DAG TEST] running task <TaskInstance: d.t x>") is None
