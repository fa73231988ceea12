"""Benchmark of the migrate_database DAG against the documented commands run by hand (and pgcopydb, if installed).

    make bench BENCH_ARGS="--size-mb 2000 --runs 1"
    (or PYTHONPATH=.:plugins .venv/bin/python bench/run.py --size-mb 2000 --runs 1)

1. Generates (or reuses) a source database of about --size-mb on the TimescaleDB source server: orders (wide),
   events (narrow), documents (bytea/text blobs) and the hypertable metrics (~40% of the data), all generated
   server-side and deterministically. The database is kept for reuse; its name encodes the size.
2. Times, into fresh target databases on the TimescaleDB target server: the guide's commands by hand
   ("documented"), `airflow dags test migrate_database` for each --modes dump_format ("dag <mode>", with the
   peak RSS of the Airflow process tree), and `pgcopydb clone` when it is installed in the trixie root.
3. Prints markdown tables and writes bench/results/<date>-<size>mb.json.

Only databases named bench_* are created; the target databases are dropped when done (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench.common import REPO, BenchError, log
from bench.context import SERVER_GONE, Context, MethodResult, ensure_servers
from bench.dag import run_dag
from bench.documented import run_documented
from bench.machine import facts_timescaledb, foreign_activity, machine_facts
from bench.pgcopydb import TRIXIE_ROOT, install_pgcopydb, pgcopydb_installed, run_pgcopydb
from bench.report import markdown, write_json
from bench.source import ensure_source
from devtools.airflow_cli import migrate_metadata_db
from devtools.servers import servers_from_env
from timescale_migration.constants import DEFAULT_DUMP_FORMAT, DUMP_FORMATS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line options."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=2000, help="approximate source database size (default 2000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each method (default 1)")
    parser.add_argument("--skip-documented", action="store_true", help="do not time the documented commands")
    parser.add_argument("--skip-dag", action="store_true", help="do not time the DAG")
    parser.add_argument(
        "--modes",
        default=DEFAULT_DUMP_FORMAT,
        help=f"comma list of dump_format values for the DAG (default {DEFAULT_DUMP_FORMAT}, the DAG's "
        f"default; all: {','.join(DUMP_FORMATS)})",
    )
    parser.add_argument("--jobs", type=int, default=2, help="the DAG's jobs param (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the target databases")
    parser.add_argument("--source-db-name", help="source database (default bench_src_<size>mb)")
    parser.add_argument(
        "--install-pgcopydb", action="store_true", help="apt-get install pgcopydb into the trixie root first"
    )
    parser.add_argument("--skip-pgcopydb", action="store_true", help="do not run pgcopydb even when installed")
    parser.add_argument(
        "--work-dir",
        default=os.environ.get("TSM_BENCH_DIR", "/tmp/tsm-bench"),
        help="dumps, logs and the Airflow home (default /tmp/tsm-bench or $TSM_BENCH_DIR)",
    )
    parser.add_argument(
        "--timeout", type=float, default=0, help="seconds one method may take (default: max(1800, 3 s per MB))"
    )
    args = parser.parse_args(argv)
    if args.size_mb < 10:
        parser.error("--size-mb must be at least 10")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes and not args.skip_dag:
        parser.error("--modes is empty")
    return args


def check_disk(work: Path, source_bytes: int) -> None:
    """Enough free space for a dump and a target copy (about 3x the source)."""
    free = shutil.disk_usage(work).free
    need = 3 * source_bytes
    if free < need:
        raise BenchError(
            f"only {free / 1e9:.1f} GB free under {work}; about {need / 1e9:.1f} GB are needed "
            "(dump file and target database): free space or use a smaller --size-mb"
        )


def main(argv: list[str] | None = None) -> int:
    """Generate or reuse the source, time each method, print and save the report."""
    args = parse_args(argv)
    unknown = [m for m in args.modes if m not in DUMP_FORMATS]
    if unknown and not args.skip_dag:
        print(
            f"error: --modes {', '.join(unknown)} not among the DAG's dump formats ({', '.join(DUMP_FORMATS)})",
            file=sys.stderr,
        )
        return 2
    notes: list[str] = []
    if args.install_pgcopydb:
        try:
            install_pgcopydb()
        except BenchError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    log("starting the local servers (idempotent)")
    try:
        ensure_servers()
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    servers = servers_from_env()
    source_db = args.source_db_name or f"bench_src_{args.size_mb}mb"
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = ensure_source(servers.tsdb_source, source_db, args.size_mb)
    except (BenchError, psycopg.Error) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    log(f"source {source.name}: {source.bytes / 1048576:,.0f} MB, rows {source.rows}, {source.chunks} chunks")
    ctx = Context(
        source=servers.tsdb_source,
        target=servers.tsdb_target,
        bin_dir=servers.bin_dir,
        work=work,
        airflow_home=work / "airflow",
        source_info=source,
        keep=args.keep,
        timeout=args.timeout or max(1800.0, 3.0 * args.size_mb),
        jobs=args.jobs,
        source_has_timescaledb=bool(facts_timescaledb(servers.tsdb_source, source.name)),
    )
    facts = machine_facts(ctx)
    results: list[MethodResult] = []
    try:
        check_disk(work, source.bytes)
        if not args.skip_dag:
            log(f"preparing the Airflow metadata DB in {ctx.airflow_home}")
            migrate_metadata_db(ctx.airflow_home)
        run_pg = pgcopydb_installed() and not args.skip_pgcopydb
        if not pgcopydb_installed():
            message = (
                f"pgcopydb: not installed (install with: chroot {TRIXIE_ROOT} apt-get install pgcopydb after "
                "copying /etc/resolv.conf; or run with --install-pgcopydb)"
            )
            print(message)
            notes.append(message)
        for run in range(1, args.runs + 1):
            if not args.skip_documented:
                results.append(timed(ctx, lambda run=run: run_documented(ctx, run)))
            if not args.skip_dag:
                for mode in args.modes:
                    results.append(timed(ctx, lambda mode=mode, run=run: run_dag(ctx, mode, run)))
            if run_pg:
                results.append(timed(ctx, lambda run=run: run_pgcopydb(ctx, run)))
    except (BenchError, psycopg.Error) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        ctx.cleanup()
    facts["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    facts["other_activity_at_end"] = foreign_activity()
    busy = sorted(set(facts["other_activity_at_start"]) | set(facts["other_activity_at_end"]))
    if busy:
        notes.append(
            "other sessions were running tests on this machine and these servers during the benchmark "
            f"(timings are disturbed): {'; '.join(busy[:5])}"
        )
    retried = [f"{r.method} run {r.run}" for r in results if r.attempts > 1]
    if retried:
        notes.append(f"run again after a server went away under it: {', '.join(retried)}")
    disturbed = [f"{r.method} run {r.run} ({r.disturbed})" for r in results if r.disturbed]
    if disturbed:
        notes.append(f"disturbed by a server restart even on the second attempt: {'; '.join(disturbed)}")
    if ctx.keep and ctx.targets:
        notes.append(f"kept target databases on port {ctx.target.port}: {', '.join(ctx.targets)}")
    notes.append(f"source database {source.name} left on port {ctx.source.port} for reuse")
    report = markdown(results, source, facts, args, notes)
    print(report)
    path = write_json(results, source, facts, args, notes)
    print(f"\nresults written to {path.relative_to(REPO)}")
    return 0 if results and all(r.ok for r in results) else 1


SETTLE_TIMEOUT_S = 90.0


def settle(ctx: Context) -> None:
    """Before each method: a checkpoint on both servers, the kernel's dirty pages written out (the test servers
    run with fsync=off, so a checkpoint leaves gigabytes for the kernel to flush while the next method runs),
    and no autovacuum worker running on either server (up to SETTLE_TIMEOUT_S): no method pays for the one
    before it."""
    started = time.monotonic()
    for server in (ctx.source, ctx.target):
        with server.connect() as conn:
            conn.execute("CHECKPOINT")
    os.sync()
    while time.monotonic() - started < SETTLE_TIMEOUT_S:
        busy = 0
        for server in (ctx.source, ctx.target):
            with server.connect() as conn:
                busy += conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                ).fetchone()[0]
        if not busy:
            break
        time.sleep(1)
    log(f"servers settled in {time.monotonic() - started:.1f}s (checkpoint, sync, no autovacuum running)")


def timed(ctx: Context, method: Callable[[], MethodResult]) -> MethodResult:
    """Run one method with the servers up and settled; once more if a server went away under it; log the
    outcome."""
    for attempt in (1, 2):
        ensure_servers()
        settle(ctx)
        result = method()
        result.attempts = attempt
        text = f"{result.error or ''}\n{result.output_tail}"
        gone = result.disturbed or (not result.ok and any(message in text for message in SERVER_GONE))
        if attempt == 2 or not gone:
            break
        log(
            f"{result.method} run {result.run}: a server went away during the run (another session's test?) "
            f"{result.disturbed or ''}; starting the servers and running it again"
        )
    state = "ok" if result.ok else f"FAILED: {result.error}"
    log(f"{result.method} run {result.run}: {result.wall_seconds:.1f}s {state}")
    return result


if __name__ == "__main__":
    sys.exit(main())
