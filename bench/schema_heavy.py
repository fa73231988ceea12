"""Schema-heavy benchmark of issues 18 and 28: a PostgreSQL 15 database of one table with thousands of partitions (on a
server as PostgreSQL configures itself), a TimescaleDB database of one hypertable with thousands of chunks and, where
TimescaleDB's community build is here, the same with every chunk compressed (each with its compressed twin), each
migrated by the documented commands, the DAG (`airflow dags test`, `parallel`) and `pgcopydb clone` when installed,
into fresh target databases.

    make bench-schema-heavy BENCH_SH_ARGS="--partitions 7000 --chunks 5000"
    (or PYTHONPATH=.:plugins .venv/bin/python bench/schema_heavy.py --partitions 7000 --chunks 5000)

Few rows (20 per partition or chunk): the time goes into creating the objects. Prints one table per case (wall
seconds, × the documented commands, the downtime — the documented commands' whole wall, the DAG's from its first
downtime phase to the end of verify — and its ratio, the DAG's load task and pre-data) and writes
bench/results/<date>-schema-heavy.json. Span: the documented commands from pg_dump to ANALYZE, the DAG from
dump_data's start to analyze's end (as in bench/run.py). Only databases named bench_* are created; the targets are
dropped when the case ends, not between methods, and the documented commands and the DAG take turns going first."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from psycopg import sql

from bench.common import RESULTS_DIR, log
from bench.context import Context, MethodResult, ensure_servers
from bench.dag import run_dag
from bench.documented import run_documented
from bench.pgcopydb import pgcopydb_installed, run_pgcopydb
from bench.report import median_walls
from bench.source import SourceInfo, database_marker
from devtools.airflow_cli import migrate_metadata_db
from devtools.servers import Server, scratch_cluster, servers_from_env
from timescale_migration import phases

GENERATOR = 1
ROWS_PER_OBJECT = 20
DOWNTIME_TASKS = phases.DOWNTIME

PARTITIONS_SQL = """
CREATE TABLE public.readings (day date NOT NULL, device integer NOT NULL, value double precision,
                              PRIMARY KEY (day, device)) PARTITION BY RANGE (day);
CREATE INDEX readings_device ON public.readings (device);

-- a commit every 200 partitions: on a server as PostgreSQL configures itself (max_locks_per_transaction 64) one
-- transaction cannot lock thousands of partitions and their indexes
DO $$
BEGIN
    FOR i IN 0 .. {count} - 1 LOOP
        EXECUTE format('CREATE TABLE public.readings_%s PARTITION OF public.readings FOR VALUES FROM (%L) TO (%L)',
                       i, date '2000-01-01' + i, date '2000-01-01' + i + 1);
        IF i % 200 = 199 THEN COMMIT; END IF;
    END LOOP;
END $$;

DO $$
BEGIN
    FOR lo IN 0 .. {count} - 1 BY 200 LOOP
        INSERT INTO public.readings
        SELECT date '2000-01-01' + i / {rows}, i % {rows}, i / 7.0
        FROM generate_series(lo * {rows}, least(lo + 200, {count}) * {rows} - 1) AS i;
        COMMIT;
    END LOOP;
END $$;
"""

CHUNKS_SQL = """
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE TABLE public.metrics (time timestamptz NOT NULL, device integer NOT NULL, value double precision,
                             PRIMARY KEY (device, time));
SELECT create_hypertable('public.metrics', by_range('time', interval '1 hour'));
CREATE INDEX metrics_device ON public.metrics (device, time DESC);
INSERT INTO public.metrics
SELECT timestamptz '2020-01-01 00:00+00' + (i / {rows}) * interval '1 hour' + (i % {rows}) * interval '1 minute',
       i % {rows}, i / 7.0
FROM generate_series(0, {count} * {rows} - 1) AS i;
"""

COMPRESSION_SQL = """
ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');

-- a commit every 200 chunks: each compression locks the chunk, its twin and their indexes
DO $$
DECLARE
    chunk regclass;
    done integer := 0;
BEGIN
    FOR chunk IN SELECT c FROM show_chunks('public.metrics') AS c LOOP
        PERFORM compress_chunk(chunk);
        done := done + 1;
        IF done % 200 = 0 THEN COMMIT; END IF;
    END LOOP;
END $$;
"""


def ensure_database(server: Server, dbname: str, script: str, count: int) -> SourceInfo:
    """The generated database (reused when its marker matches), described for the bench's context."""
    wanted = {"generator": f"schema-heavy v{GENERATOR}", "objects": count, "rows_per_object": ROWS_PER_OBJECT}
    if database_marker(server, dbname) != wanted:
        log(f"generating {dbname}: {count:,} objects")
        server.create_database(dbname)
        with server.connect(dbname) as conn:
            conn.execute("SET client_min_messages = warning")
            # one paragraph at a time: a DO block may COMMIT only outside a multi-statement query
            for statement in filter(str.strip, script.format(count=count, rows=ROWS_PER_OBJECT).split("\n\n")):
                conn.execute(statement)
            conn.execute("VACUUM ANALYZE")
        with server.connect() as conn:
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(dbname), sql.Literal(json.dumps(wanted)))
            )
    else:
        log(f"reusing {dbname}")
    info = SourceInfo(dbname, 0, marker=wanted)
    with server.connect(dbname) as conn:
        info.bytes = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        info.chunks = conn.execute(
            "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p')"
        ).fetchone()[0]
    return info


def pre_data_seconds(result: MethodResult) -> float | None:
    """Seconds of the DAG's pre-data restore, read from its log (None when it is not there)."""
    if not result.steps_log or not Path(result.steps_log).exists():
        return None
    previous = None
    for line in Path(result.steps_log).read_text(errors="replace").splitlines():
        # the restore of pre-data: pg_restore --section=pre-data into the target, or psql running the pre-data
        # script where partitions were rewritten (not pg_restore writing that script: --file=)
        if "running:" in line and "pre-data" in line and "--file=" not in line:
            previous = line
        elif previous is not None and (found := re.search(r"(?:pg_restore|psql) finished in ([0-9.]+)s", line)):
            return float(found.group(1))
    return None


def run_case(name: str, ctx: Context, runs: int, with_pgcopydb: bool) -> list[MethodResult]:
    """Documented commands, the DAG and pgcopydb on one source, `runs` times; which of the first two goes first
    alternates between runs."""
    results = []
    for run in range(1, runs + 1):
        pair = [run_documented, lambda c, r: run_dag(c, "parallel", r)]
        for method in pair if run % 2 else reversed(pair):
            results.append(method(ctx, run))
        if with_pgcopydb:
            results.append(run_pgcopydb(ctx, run))
    for result in results:
        log(f"{name}: {result.method} run {result.run}: {result.wall_seconds}s {'ok' if result.ok else 'FAILED'}")
    return results


def table(name: str, info: SourceInfo, results: list[MethodResult]) -> list[str]:
    """One case's markdown table."""
    base = median_walls(results).get("documented")
    lines = [
        f"### {name}: `{info.name}`, {info.chunks:,} child tables, {info.bytes / 1048576:,.0f} MB",
        "",
        "| method | run | ok | wall s | × documented | downtime s | downtime × documented | span s | "
        "DAG load s | DAG pre-data s |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = f"{r.wall_seconds / base:.2f}" if base and r.ok else "-"
        downtime = r.wall_seconds if r.method == "documented" else r.downtime_seconds
        down_ratio = f"{downtime / base:.2f}" if base and r.ok and downtime else "-"
        load = r.task_times.get("load", {}).get("duration") if r.task_times else None
        pre = pre_data_seconds(r) if r.method.startswith("dag") else None
        lines.append(
            f"| {r.method} | {r.run} | {'yes' if r.ok else 'NO'} | {r.wall_seconds} | {ratio} | "
            f"{downtime if downtime is not None else '-'} | {down_ratio} | "
            f"{r.span_seconds if r.span_seconds is not None else '-'} | "
            f"{round(load, 1) if load is not None else '-'} | {pre if pre is not None else '-'} |"
        )
    durations = [(r.run, r.task_durations) for r in results if r.method.startswith("dag") and r.task_durations]
    for run, tasks in durations:
        lines.append(
            f"\nDAG run {run}, downtime tasks (s): "
            + ", ".join(f"{task} {tasks[task]}" for task in DOWNTIME_TASKS if task in tasks)
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Generate or reuse both sources, run every method on each, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partitions", type=int, default=7000, help="partitions of the PostgreSQL 15 table (0: skip)")
    parser.add_argument("--chunks", type=int, default=5000, help="chunks of the hypertable (0: skip)")
    parser.add_argument(
        "--compressed-chunks",
        type=int,
        default=None,
        help="chunks of a hypertable all compressed, each with its twin, on the community build's servers "
        "(default: as --chunks where the community build is here, else 0; 0: skip)",
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-pgcopydb", action="store_true")
    parser.add_argument(
        "--work-dir", type=Path, default=Path(os.environ.get("TSM_BENCH_DIR", "/tmp/tsm-bench")) / "schema-heavy"
    )
    args = parser.parse_args(argv)
    ensure_servers()
    servers = servers_from_env()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    migrate_metadata_db(args.work_dir / "airflow")
    cases = []
    if args.partitions:
        cases.append(
            (
                "partitions",
                servers.pg15,
                f"bench_sh_partitions_{args.partitions}",
                PARTITIONS_SQL,
                args.partitions,
                False,
            )
        )
    if args.chunks:
        cases.append(("chunks", servers.tsdb_source, f"bench_sh_chunks_{args.chunks}", CHUNKS_SQL, args.chunks, True))
    compressed = args.chunks if args.compressed_chunks is None else args.compressed_chunks
    if compressed and servers.community_source is None:
        if args.compressed_chunks:
            parser.error(
                "--compressed-chunks needs the community build's servers (README: TimescaleDB's community build)"
            )
        log("compressed chunks: skipped, no community build of TimescaleDB here")
    elif compressed:
        cases.append(
            (
                "compressed chunks",
                servers.community_source,
                f"bench_sh_compressed_{compressed}",
                CHUNKS_SQL + "\n\n" + COMPRESSION_SQL,
                compressed,
                True,
            )
        )
    report, data = [], {}
    with ExitStack() as stack:
        if args.partitions:  # a source as PostgreSQL configures itself: max_locks_per_transaction 64 (issue 28)
            default = stack.enter_context(scratch_cluster(servers.bin_dir))
            cases[0] = (cases[0][0], default, *cases[0][2:])
        for name, server, dbname, script, count, timescaledb in cases:
            target = servers.community_target if name == "compressed chunks" else servers.tsdb_target
            assert target is not None  # the community target runs wherever the community source does
            before = len(report)
            report_case(name, server, target, dbname, script, count, timescaledb, servers, args, report, data)
            data[name]["args"] = {k: str(v) for k, v in vars(args).items()}
            data[name]["report"] = "\n".join(report[before:])
    header = (
        f"## Schema-heavy benchmark, {dt.date.today().isoformat()}; load average at the end "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )
    print("\n".join([header, "", *report]))
    path = write_results(data, header)
    print(f"\nresults written to {path} (with the day's earlier cases that this run did not repeat)")
    failed = [r for case in data.values() for r in case["results"] if not r["ok"]]
    return 1 if failed else 0


def write_results(data: dict[str, Any], header: str) -> Path:
    """The day's results file: this run's cases, and the cases of the day's earlier runs that it did not repeat
    (one case at a time is how the long ones are run)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{dt.date.today().isoformat()}-schema-heavy.json"
    earlier = json.loads(path.read_text()).get("cases", {}) if path.exists() else {}
    cases = {**{k: v for k, v in earlier.items() if "report" in v}, **data}
    text = "\n".join([header, "", *(case["report"] for case in cases.values())])
    path.write_text(json.dumps({"cases": cases, "report": text}, indent=2, default=str))
    return path


def report_case(
    name: str,
    server: Server,
    target: Server,
    dbname: str,
    script: str,
    count: int,
    timescaledb: bool,
    servers: Any,
    args: argparse.Namespace,
    report: list[str],
    data: dict[str, Any],
) -> None:
    """Generate or reuse one case's source, run every method on it, add its table and results."""
    info = ensure_database(server, dbname, script, count)
    ctx = Context(
        source=server,
        target=target,
        bin_dir=servers.bin_dir,
        work=args.work_dir,
        airflow_home=args.work_dir / "airflow",
        source_info=info,
        keep=False,
        timeout=3600,
        source_has_timescaledb=timescaledb,
        drop_at_end=True,
    )
    try:
        results = run_case(name, ctx, args.runs, pgcopydb_installed() and not args.skip_pgcopydb)
    finally:
        ctx.cleanup()
    report += [*table(name, info, results), ""]
    data[name] = {
        "source": asdict(info),
        "median_wall_seconds": median_walls(results),
        "results": [
            {k: v for k, v in asdict(r).items() if k != "target_check"}
            | {"pre_data_seconds": pre_data_seconds(r) if r.method.startswith("dag") else None}
            for r in results
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
