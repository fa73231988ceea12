"""Downtime under a real scheduler: migrate_database run by a deployed Airflow (LocalExecutor on SQLite, and the
CeleryExecutor deployment of `make airflow-celery`), gates answered over REST as a DBA would, against
`airflow dags test` of the same database in the same invocation.

    PYTHONPATH=.:plugins .venv/bin/python bench/deployed.py --size-mb 2000 --executors local,celery

For each: the downtime a DBA sees (`stop_apps` answered -> `switch_apps` asking), the tasks' own seconds in it,
and the gaps between one downtime task's end and the next one's start (the scheduling overhead). Prints a
markdown table and writes bench/results/<date>-<size>mb-deployed.json. Uses bench/source.py's generated source.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, log
from bench.dag import task_times
from bench.source import ensure_source
from devtools.airflow_cli import dags_test, migrate_metadata_db
from devtools.local_airflow import (
    ADMIN,
    Distributed,
    LocalAirflow,
    create_metadata_database,
    free_port,
    metadata_url,
)
from devtools.rest import AirflowAPI
from devtools.servers import servers_from_env, start_servers
from timescale_migration.operators.switch_apps import ROLL_BACK
from timescale_migration.phases import DAG_ID as DAG
from timescale_migration.phases import DOWNTIME as DOWNTIME_TASKS
from timescale_migration.phases import STOP_APPS, SWITCH_APPS, VERIFY

REPO = Path(__file__).resolve().parents[1]

UNTUNED = {
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "True",
}
"""--untuned: Airflow's default idle sleep and plugin loading, and the heartbeat `make airflow` had before; the
tuned settings are devtools/local_airflow.py's own (idle sleep 0.2 s, heartbeat 1 s, plugins loaded as each process
starts; see docs/benchmarks.md)."""


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def downtime_figures(
    tis: list[dict[str, Any]], answered: dt.datetime | None, asked: dt.datetime | None
) -> dict[str, Any]:
    """Downtime, the downtime tasks' own seconds and the gaps between them, from the task instances."""
    by_id = {t["task_id"]: t for t in tis if t.get("map_index", -1) < 0}
    chain = [by_id[task] for task in DOWNTIME_TASKS if task in by_id and by_id[task].get("start_date")]
    spans = [(t["task_id"], _time(t["start_date"]), _time(t["end_date"])) for t in chain]
    gaps = [
        (spans[i + 1][1] - spans[i][2]).total_seconds()
        for i in range(len(spans) - 1)
        if spans[i][2] and spans[i + 1][1]
    ]
    work = sum((end - start).total_seconds() for _, start, end in spans if start and end)
    first_start = spans[0][1] if spans else None
    last_end = spans[-1][2] if spans else None
    return {
        "downtime_s": round((asked - answered).total_seconds(), 2) if answered and asked else None,
        "first_to_verify_end_s": round((last_end - first_start).total_seconds(), 2)
        if first_start and last_end
        else None,
        "task_seconds": round(work, 2),
        "gaps": [round(g, 2) for g in gaps],
        "mean_gap_s": round(statistics.mean(gaps), 3) if gaps else None,
        "max_gap_s": round(max(gaps), 2) if gaps else None,
        "tasks": {task: round((end - start).total_seconds(), 2) for task, start, end in spans if start and end},
    }


def deployed_run(
    executor: str, servers: Any, source_db: str, home: Path, tuned: bool, settings: dict[str, str] | None = None
) -> dict[str, Any]:
    """One migration through a deployed Airflow with gates answered over REST (`settings` added to its own)."""
    suffix = uuid.uuid4().hex[:6]
    target_db = f"bench_tgt_deployed_{executor}_{suffix}"
    servers.tsdb_target.create_database(target_db)
    distributed = None
    if executor == "celery":
        create_metadata_database(servers.pg15, f"airflow_bench_{suffix}")
        distributed = Distributed(
            metadata_url(servers.pg15, f"airflow_bench_{suffix}"),
            free_port(),
            worker_log_ports=(free_port(), free_port()),
        )
    extra = {
        "TSM_PG_BIN_DIR": servers.bin_dir,
        "TSM_WORK_DIR": str(home / "work"),
        **({} if tuned else UNTUNED),
        **(settings or {}),
    }
    airflow = LocalAirflow(home, free_port(), extra, log_ports=(free_port(), free_port()), distributed=distributed)
    airflow.prepare(
        {
            "bench_source": servers.tsdb_source.conn_dict(source_db),
            "bench_target": servers.tsdb_target.conn_dict(target_db),
        },
        None,
    )
    airflow.start()
    try:
        api = AirflowAPI(airflow.url, ADMIN, airflow.password())
        api.wait_for_dag(DAG)
        run_id = api.trigger(
            DAG,
            {"source_conn_id": "bench_source", "target_conn_id": "bench_target", "require_approval": True, "jobs": 2},
        )
        api.wait_for_gate(DAG, run_id, STOP_APPS, timeout=600)
        api.answer(DAG, run_id, STOP_APPS, "Approve")
        answered = dt.datetime.now(dt.UTC)
        gate = api.wait_for_gate(DAG, run_id, SWITCH_APPS, timeout=3600, settle=0.0)
        asked = _time(gate.get("created_at")) or dt.datetime.now(dt.UTC)
        tis = api.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances", limit=100)["task_instances"]
        verified = api.xcom(DAG, run_id, VERIFY) or {}
        time.sleep(6)
        api.answer(DAG, run_id, SWITCH_APPS, ROLL_BACK)
        api.wait_for_run(DAG, run_id, timeout=600)
        figures = downtime_figures(tis, answered, asked)
        figures["verified"] = bool(verified.get("ok"))
        figures["hosts"] = sorted({t.get("hostname") for t in tis if t["task_id"] in DOWNTIME_TASKS})
        return figures
    finally:
        airflow.stop()
        servers.tsdb_target.drop_database(target_db)
        if executor == "celery":
            servers.pg15.drop_database(f"airflow_bench_{suffix}")


def dags_test_run(servers: Any, source_db: str, home: Path) -> dict[str, Any]:
    """The same migration under `airflow dags test` (no gates: require_approval false)."""
    target_db = f"bench_tgt_dagstest_{uuid.uuid4().hex[:6]}"
    servers.tsdb_target.create_database(target_db)
    try:
        migrate_metadata_db(home)
        result = dags_test(
            home,
            DAG,
            {"require_approval": False, "pg_bin_dir": servers.bin_dir, "jobs": 2, "work_dir": str(home / "work")},
            {
                "migration_source": servers.tsdb_source.conn_json(source_db),
                "migration_target": servers.tsdb_target.conn_json(target_db),
            },
            timeout=3600,
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow dags test failed: {result.output[-3000:]}")
        times = task_times(home)
        tis = [
            {
                "task_id": task,
                "start_date": v["start"].isoformat() if v.get("start") else None,
                "end_date": v["end"].isoformat() if v.get("end") else None,
            }
            for task, v in times.items()
        ]
        figures = downtime_figures(tis, None, None)
        figures["downtime_s"] = figures["first_to_verify_end_s"]
        figures["verified"] = bool((result.xcom(VERIFY) or {}).get("ok"))
        return figures
    finally:
        servers.tsdb_target.drop_database(target_db)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2000)
    parser.add_argument("--executors", default="local,celery")
    parser.add_argument("--untuned", action="store_true", help="with the scheduler settings of UNTUNED")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="AIRFLOW__SECTION__KEY=VALUE",
        help="an Airflow setting for the deployed runs (repeatable), e.g. to compare one change",
    )
    parser.add_argument("--work-dir", default=os.environ.get("TSM_BENCH_DIR", "/tmp/tsm-bench"))
    args = parser.parse_args(argv)
    start_servers()
    servers = servers_from_env()
    source = ensure_source(servers.tsdb_source, f"bench_src_{args.size_mb}mb", args.size_mb)
    work = Path(args.work_dir) / f"deployed-{uuid.uuid4().hex[:6]}"
    results: dict[str, dict[str, Any]] = {}
    log("airflow dags test (reference)")
    results["airflow dags test"] = dags_test_run(servers, source.name, work / "dagstest")
    for executor in [e.strip() for e in args.executors.split(",") if e.strip()]:
        log(f"deployed Airflow, {executor} executor{'' if args.untuned else ' (tuned)'}")
        results[f"{executor} executor"] = deployed_run(
            executor,
            servers,
            source.name,
            work / executor,
            not args.untuned,
            dict(s.split("=", 1) for s in args.setting),
        )
    print("\n| how | verified | downtime s | tasks' own s | gaps | mean gap s | max gap s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(
            f"| {name} | {'yes' if r['verified'] else 'NO'} | {r['downtime_s']} | {r['task_seconds']} | "
            f"{len(r['gaps'])} | {r['mean_gap_s']} | {r['max_gap_s']} |"
        )
    out = RESULTS_DIR / f"{dt.date.today().isoformat()}-{args.size_mb}mb-deployed.json"
    out = out.with_name(
        out.stem + ("-untuned" if args.untuned else "") + ("-settings" if args.setting else "") + out.suffix
    )
    out.write_text(
        json.dumps(
            {
                "size_mb": args.size_mb,
                "settings": UNTUNED if args.untuned else "local_airflow's",
                "extra settings": args.setting,
                "results": results,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
