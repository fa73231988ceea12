"""Benchmark case of issue 19: a PostgreSQL 15 time-series table migrated as it is, and the same table loaded as a
hypertable (the `hypertables` param), both through `airflow dags test migrate_database` into TimescaleDB.

    make bench-hypertables BENCH_HT_ARGS="--size-mb 1000 --runs 1"
    (or PYTHONPATH=.:plugins .venv/bin/python bench/hypertables.py --size-mb 1000 --runs 1)

1. Generates (or reuses) `bench_ht_src_<size>mb` on the PostgreSQL 15 server: one table `readings` (time,
   device, two readings; primary key (device_id, time), an index on time), rows one minute apart per device
   (1 GB: about 66 days, so 66 chunks of one day), generated server-side and deterministically.
2. Per run, into fresh target databases (TimescaleDB installed, as on Timescale): "plain table" (the table as
   it is) and "hypertable" (time column `time`, chunks of one day), same dump_format and jobs.
3. Prints a markdown table (whole run, downtime from the first downtime phase to the end of verify, load,
   the conversion's own seconds, chunks) and writes bench/results/<date>-<size>mb-hypertables.json.

Self-contained beside bench/run.py (it shares bench/common.py and devtools). Only databases named bench_ht_* are
created; the targets are dropped when done unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.common import REPO, RESULTS_DIR, log
from devtools.airflow_cli import dags_test, migrate_metadata_db
from devtools.servers import Server, servers_from_env, start_servers
from timescale_migration import phases

DEVICES = 100
ROW_BYTES = 105
"""Bytes on disk per row, heap and both indexes (calibrated on generated databases)."""
BATCH_ROWS = 2_000_000
GENERATOR_VERSION = 2
TABLE = {"table": "readings", "time_column": "time", "chunk_interval": "1 day"}
SCHEMA_SQL = """
CREATE TABLE public.readings (
    time timestamptz NOT NULL,
    device_id integer NOT NULL,
    value double precision NOT NULL,
    value2 double precision,
    PRIMARY KEY (device_id, time)
);
CREATE TABLE public.bench_ht_marker (version integer, rows bigint);
"""
INSERT_SQL = """
INSERT INTO public.readings (time, device_id, value, value2)
SELECT timestamptz '2026-01-01 00:00+00' + (i / {devices}) * interval '1 minute', (i % {devices})::int,
       (hashint8extended(i, 0) % 100000) / 100.0,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (hashint8extended(i, 1) % 1000) / 10.0 END
FROM generate_series({first}::bigint, {last}::bigint) AS i
"""


def ensure_source(server: Server, dbname: str, size_mb: int) -> dict[str, Any]:
    """The generated source database (reused when its marker matches): name, rows, bytes."""
    rows = size_mb * 1_000_000 // ROW_BYTES
    with server.connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
    if exists:
        with server.connect(dbname) as conn:
            marker = conn.execute("SELECT version, rows FROM public.bench_ht_marker").fetchone()
        if marker == (GENERATOR_VERSION, rows):
            log(f"reusing {dbname}")
            return describe(server, dbname)
    log(f"generating {dbname}: {rows:,} rows (~{size_mb} MB)")
    server.create_database(dbname)
    with server.connect(dbname) as conn:
        conn.execute(SCHEMA_SQL)
        for first in range(0, rows, BATCH_ROWS):
            conn.execute(INSERT_SQL.format(devices=DEVICES, first=first, last=min(rows, first + BATCH_ROWS) - 1))
        conn.execute("CREATE INDEX readings_time ON public.readings (time DESC)")
        conn.execute("VACUUM (ANALYZE, FREEZE) public.readings")
        conn.execute("INSERT INTO public.bench_ht_marker VALUES (%s, %s)", [GENERATOR_VERSION, rows])
    return describe(server, dbname)


def describe(server: Server, dbname: str) -> dict[str, Any]:
    """Rows and size of the source."""
    with server.connect(dbname) as conn:
        rows = conn.execute("SELECT count(*) FROM public.readings").fetchone()[0]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"name": dbname, "rows": rows, "bytes": size}


def task_spans(home: Path) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """task -> (start, end) of the latest migrate_database run in the metadata DB."""
    with closing(sqlite3.connect(home / "airflow.db")) as db:
        run_id = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (phases.DAG_ID,)
        ).fetchone()[0]
        rows = db.execute(
            "SELECT task_id, start_date, end_date FROM task_instance WHERE dag_id = ? AND run_id = ? "
            "AND start_date IS NOT NULL AND end_date IS NOT NULL",
            (phases.DAG_ID, run_id),
        ).fetchall()

    def parse(value: str) -> dt.datetime:
        stamp = dt.datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)

    return {task: (parse(start), parse(end)) for task, start, end in rows}


def settle(servers: list[Server]) -> None:
    """A checkpoint on both servers and the kernel's dirty pages written: no case pays for the one before."""
    for server in servers:
        with server.connect() as conn:
            conn.execute("CHECKPOINT")
    os.sync()


def run_case(
    case: str, source: Server, src_db: str, target: Server, args: argparse.Namespace, home: Path, run: int
) -> dict[str, Any]:
    """One DAG run into a fresh target; its timings."""
    tgt_db = f"bench_ht_tgt_{'hyper' if case == 'hypertable' else 'plain'}_{run}"
    target.create_database(tgt_db, extensions=("timescaledb",))
    conf = {
        "require_approval": False,
        "pg_bin_dir": source.bin_dir,
        "work_dir": str(args.work_dir / "work"),
        "dump_format": args.dump_format,
        "jobs": args.jobs,
        "hypertables": [TABLE] if case == "hypertable" else [],
    }
    connections = {"migration_source": source.conn_json(src_db), "migration_target": target.conn_json(tgt_db)}
    settle([source, target])
    log(f"{case} run {run}: airflow dags test ({args.dump_format}, jobs {args.jobs})")
    started = time.monotonic()
    result = dags_test(home, phases.DAG_ID, conf, connections, timeout=max(1800, 3 * args.size_mb))
    wall = time.monotonic() - started
    spans = task_spans(home)
    outcome: dict[str, Any] = {"case": case, "run": run, "ok": result.returncode == 0, "wall_seconds": round(wall, 1)}
    verify = result.xcom("verify") or {}
    if result.returncode != 0 or not verify.get("ok"):
        outcome["error"] = result.output[-3000:]
    else:
        starts = [spans[t][0] for t in phases.DOWNTIME if t in spans]
        outcome["downtime_seconds"] = round((spans[phases.VERIFY][1] - min(starts)).total_seconds(), 1)
        outcome["load_seconds"] = round((spans[phases.LOAD][1] - spans[phases.LOAD][0]).total_seconds(), 1)
        outcome["verify_seconds"] = round((spans[phases.VERIFY][1] - spans[phases.VERIFY][0]).total_seconds(), 1)
        outcome["conversion_seconds"] = verify.get("timings", {}).get("load: conversion to hypertables seconds")
        outcome["rows_verified"] = verify.get("rows")
        with target.connect(tgt_db) as conn:
            outcome["chunks"] = conn.execute("SELECT count(*) FROM timescaledb_information.chunks").fetchone()[0]
    if not args.keep:
        target.drop_database(tgt_db)
    log(
        f"{case} run {run}: {outcome['wall_seconds']}s, downtime {outcome.get('downtime_seconds')}s"
        + ("" if outcome["ok"] else " FAILED")
    )
    return outcome


def markdown(results: list[dict[str, Any]], source: dict[str, Any], args: argparse.Namespace) -> str:
    """The results as a table, then the medians of both cases and their difference."""
    lines = [
        f"Source: {source['name']} on PostgreSQL 15, {source['bytes'] / 1048576:,.0f} MB, "
        f"{source['rows']:,} rows; dump_format {args.dump_format}, jobs {args.jobs}; load average at the end "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
        "",
        "| case | run | whole run s | downtime s | load s | conversion s | verify s | chunks | ok |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['case']} | {r['run']} | {r['wall_seconds']} | {r.get('downtime_seconds', '-')} | "
            f"{r.get('load_seconds', '-')} | {r.get('conversion_seconds') or '-'} | "
            f"{r.get('verify_seconds', '-')} | {r.get('chunks', '-')} | {'yes' if r['ok'] else 'NO'} |"
        )
    medians = {
        case: statistics.median(r["downtime_seconds"] for r in results if r["case"] == case and r["ok"])
        for case in ("plain table", "hypertable")
        if any(r["case"] == case and r["ok"] for r in results)
    }
    if len(medians) == 2:
        lines += [
            "",
            f"Median downtime: plain table {medians['plain table']:.1f} s, hypertable "
            f"{medians['hypertable']:.1f} s ({medians['hypertable'] - medians['plain table']:+.1f} s).",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate or reuse the source, run both cases `--runs` times (which goes first alternates), report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="approximate size of the table (default 1000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each case (default 1)")
    parser.add_argument("--dump-format", default="parallel", choices=["parallel", "directory"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the target databases")
    parser.add_argument("--work-dir", type=Path, default=Path(os.environ.get("TSM_BENCH_DIR", "/tmp/tsm-bench")) / "ht")
    args = parser.parse_args(argv)
    start_servers()
    servers = servers_from_env()
    source = ensure_source(servers.pg15, f"bench_ht_src_{args.size_mb}mb", args.size_mb)
    home = args.work_dir / "airflow"
    migrate_metadata_db(home)
    results = []
    for run in range(1, args.runs + 1):
        cases = ("plain table", "hypertable") if run % 2 else ("hypertable", "plain table")  # neither always first
        for case in cases:
            results.append(run_case(case, servers.pg15, source["name"], servers.tsdb_target, args, home, run))
    report = markdown(results, source, args)
    print(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{dt.date.today().isoformat()}-{args.size_mb}mb-hypertables.json"
    path.write_text(
        json.dumps(
            {
                "source": source,
                "args": {k: str(v) for k, v in vars(args).items()},
                "results": [{k: v for k, v in r.items() if k != "error"} for r in results],
                "report": report,
            },
            indent=2,
        )
    )
    print(f"\nresults written to {path.relative_to(REPO)}")
    failed = [r for r in results if not r["ok"]]
    for r in failed:
        print(f"{r['case']} run {r['run']} failed:\n{r.get('error', '')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
