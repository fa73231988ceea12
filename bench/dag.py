"""The DAG as a method: `airflow dags test migrate_database` with its process tree's peak RSS, and the analysis of
the run (phase breakdown from the task instances, the span dump_data start -> analyze end, the verification's
overhead, the first task's start-up)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.common import log
from bench.context import SERVER_GONE, Context, MethodResult, recorded
from bench.rss import is_python, sampled
from devtools.airflow_cli import AIRFLOW, DagRunResult, dags_test
from timescale_migration import phases
from timescale_migration.phases import DAG_ID


def task_times(home: Path) -> dict[str, dict[str, Any]]:
    """task_id -> start/end (datetime), duration and state of the latest migrate_database run (sqlite metadata)."""
    with closing(sqlite3.connect(home / "airflow.db")) as db:
        row = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (DAG_ID,)).fetchone()
        if row is None:
            return {}
        rows = db.execute(
            "SELECT task_id, start_date, end_date, duration, state, try_number FROM task_instance "
            "WHERE dag_id = ? AND run_id = ?",
            (DAG_ID, row[0]),
        ).fetchall()
    return {
        task: {"start": _ts(start), "end": _ts(end), "duration": duration, "state": state, "try_number": tries}
        for task, start, end, duration, state, tries in rows
    }


def _ts(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


BREAKDOWN = {
    "checks": phases.PREFLIGHT,
    "stop_apps": (phases.STOP_APPS, phases.DRAIN_SOURCE),
    "source jobs": (phases.PAUSE_SOURCE_JOBS, phases.RESUME_SOURCE_JOBS),
    "dump": (phases.DUMP_ROLES, phases.DUMP_DATA),
    "load": (phases.PRE_RESTORE, phases.LOAD, phases.POST_RESTORE),
    "analyze": (phases.ANALYZE,),
    "verify": (phases.VERIFY,),
    "cutover": (phases.SWITCH_APPS, *phases.BRANCHES),
}
"""Rows of the report's phase breakdown and the registry's tasks each sums; the DAG's tasks not named here are
reported together as "other tasks"."""


def breakdown(durations: dict[str, float], wall_seconds: float) -> dict[str, float]:
    """Seconds per row of BREAKDOWN (rows with no task run left out), then the other tasks, then what Airflow
    spent around the tasks (wall minus every task's duration)."""
    rows: dict[str, float] = {}
    for row, tasks in BREAKDOWN.items():
        if any(task in durations for task in tasks):
            rows[row] = round(sum(durations.get(task, 0.0) for task in tasks), 2)
    known = {task for tasks in BREAKDOWN.values() for task in tasks}
    others = {task: seconds for task, seconds in durations.items() if task not in known}
    if others:
        rows[f"other tasks ({', '.join(others)})"] = round(sum(others.values()), 2)
    rows["Airflow overhead"] = round(wall_seconds - sum(durations.values()), 2)
    return rows


def run_dag(ctx: Context, mode: str, run: int) -> MethodResult:
    """`airflow dags test migrate_database` into a fresh empty target, with the Airflow tree's peak RSS."""
    result = MethodResult(f"dag {mode}", run)
    tgt_db = f"bench_tgt_dag_{mode}_{run}"
    work = ctx.work / "dag-work"
    conf = {
        "require_approval": False,
        "pg_bin_dir": ctx.bin_dir,
        "work_dir": str(work),
        "dump_format": mode,
        "jobs": ctx.jobs,
    }
    connections = {
        "migration_source": ctx.source.conn_json(ctx.source_info.name),
        "migration_target": ctx.target.conn_json(tgt_db),
    }
    result.commands.append(
        f"{AIRFLOW} dags test {DAG_ID} -c '{json.dumps(conf)}'  (AIRFLOW_HOME={ctx.airflow_home},"
        " connections migration_source/migration_target as AIRFLOW_CONN_* env)"
    )
    with recorded(ctx, result, tgt_db):
        ctx.create_target(tgt_db)
        log(f"dag {mode} run {run}: airflow dags test {DAG_ID}")
        started = time.monotonic()
        with sampled(is_python) as sampler:
            dag_result = dags_test(ctx.airflow_home, DAG_ID, conf, connections, timeout=int(ctx.timeout))
        result.wall_seconds = round(time.monotonic() - started, 2)
        result.rss = sampler.peak
        output_log = ctx.work / f"dag-{mode}-{run}.log"
        output_log.write_text(dag_result.output)
        result.steps_log = str(output_log)
        analyse_dag_run(result, dag_result, ctx.airflow_home)
        retried = [task for task, value in result.task_times.items() if (value.get("try_number") or 1) > 1]
        gone = [message for message in SERVER_GONE if message in dag_result.output]
        if retried or gone:
            result.disturbed = (
                f"tasks retried: {', '.join(retried) or 'none'}; server messages: {', '.join(gone) or 'none'}"
            )
        if dag_result.returncode != 0:
            result.error = f"airflow dags test exited with {dag_result.returncode}; states {dag_result.task_states()}"
            result.output_tail = dag_result.output[-4000:]
            log(f"dag {mode} run {run} FAILED, the end of its output:\n{result.output_tail}")
        else:
            summary = dag_result.xcom(phases.VERIFY) or {}
            result.ok = bool(summary.get("ok"))
            if not result.ok:
                result.error = f"verify did not report ok: {summary.get('differences')}"
    return result


def analyse_dag_run(result: MethodResult, dag_result: DagRunResult, home: Path) -> None:
    """Phase breakdown, span dump_data start -> analyze end and verification overhead of one DAG run."""
    durations = dag_result.durations()
    times = task_times(home)
    result.task_durations = {task: round(seconds, 2) for task, seconds in durations.items()}
    result.task_times = {
        task: {**value, "start": _iso(value["start"]), "end": _iso(value["end"])} for task, value in times.items()
    }
    result.phases.update(breakdown(durations, result.wall_seconds))
    first = first_task_started(dag_result.output)
    if first:
        task, running, started = first
        result.first_task = task
        result.first_task_startup_seconds = round((started - running).total_seconds(), 2)
        task_start = times.get(task, {}).get("start")
        if task_start:
            result.first_task_startup_charged = round(max(0.0, (started - task_start).total_seconds()), 2)
    dump = dag_result.xcom(phases.DUMP_DATA)
    if isinstance(dump, dict) and dump.get("bytes"):
        result.dump_mb = round(dump["bytes"] / 1e6, 1)
    verify = dag_result.xcom(phases.VERIFY)
    if isinstance(verify, dict):
        result.verify_timings = verify.get("timings") or {}
    starts = [times[t]["start"] for t in phases.DOWNTIME if times.get(t, {}).get("start")]
    verify_end = times.get(phases.VERIFY, {}).get("end")
    if starts and verify_end:
        result.downtime_seconds = round((verify_end - min(starts)).total_seconds(), 2)
    dump, analyze = times.get(phases.DUMP_DATA, {}), times.get(phases.ANALYZE, {})
    if dump.get("start") and analyze.get("end"):
        span = (analyze["end"] - dump["start"]).total_seconds()
        result.span_seconds = round(span, 2)
        result.span_note = "dump_data start -> analyze end"
        result.verify_overhead_pct = round(100 * durations.get(phases.VERIFY, 0.0) / span, 1) if span > 0 else None
        result.verify_note = "verify (the source's side is taken inside load, beside the copy)"


LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z?)")


def first_task_started(output: str) -> tuple[str, dt.datetime, dt.datetime] | None:
    """(task_id, `[DAG TEST] running task` time, `Task started` time) of the first task in the dags test output.

    In between, Airflow starts its in-process execution API; part of that is charged to the first task.
    """
    task = running = None
    for line in output.splitlines():
        match = LOG_TIME.match(line)
        if not match:
            continue
        if running is None and "[DAG TEST] running task" in line:
            running = dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
            found = re.search(r"TaskInstance: [^.\s]+\.(\S+)", line)
            task = found.group(1) if found else "?"
        elif running is not None and "Task started" in line:
            return task or "?", running, dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
    return None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
