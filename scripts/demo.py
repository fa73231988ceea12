"""`make demo`: migrate a sample PostgreSQL 15 database and a sample TimescaleDB database through the
migrate_database DAG (real Airflow CLI, real servers) into Timescale-like targets, each connected as the login
tsdbadmin (CREATEDB CREATEROLE, no superuser, as on Timescale): PostgreSQL 17 with TimescaleDB 2.19 and PostgreSQL 18
with the current TimescaleDB release; then print what verification found.

Expects the local servers to run (`make demo` starts and stops them). Leaves the migrated target databases
(shop_target, metrics_target on both target servers) for you to look at until `make clean`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from devtools.airflow_cli import dags_test, migrate_metadata_db
from devtools.servers import servers_from_env

REPO = Path(__file__).resolve().parents[1]

HOME = REPO / ".airflow" / "demo"
SAMPLES = REPO / "include" / "samples"


def main() -> int:
    servers = servers_from_env()
    print("preparing Airflow metadata DB in", HOME)
    migrate_metadata_db(HOME)
    demos = [
        (
            "PostgreSQL 15 -> Timescale-like PostgreSQL 17 + TimescaleDB 2.19",
            servers.pg15,
            "shop",
            "postgres_sample.sql",
            servers.tsdb_target,
            "shop_target",
        ),
        (
            "TimescaleDB 2.19 -> Timescale-like TimescaleDB 2.19",
            servers.tsdb_source,
            "metrics",
            "timescaledb_sample.sql",
            servers.tsdb_target,
            "metrics_target",
        ),
        (
            "PostgreSQL 15 -> Timescale-like PostgreSQL 18 + the current TimescaleDB",
            servers.pg15,
            "shop",
            "postgres_sample.sql",
            servers.tsdb18_target,
            "shop_target",
        ),
        (
            "TimescaleDB, current release -> Timescale-like, same release (PostgreSQL 18)",
            servers.tsdb18_source,
            "metrics",
            "timescaledb_sample.sql",
            servers.tsdb18_target,
            "metrics_target",
        ),
    ]
    failures = 0
    for title, source, src_db, sample, target, tgt_db in demos:
        print(f"\n=== {title}: {source.name}/{src_db} -> {target.name}/{tgt_db} as {target.login} (no superuser)")
        source.create_database(src_db)
        source.psql_file(src_db, SAMPLES / sample)
        target.create_timescale_like_database(tgt_db)  # owned by the login, timescaledb created, as on Timescale
        bin_dir = servers.bin18_dir if max(source.major, target.major) >= 18 else servers.bin_dir
        started = time.monotonic()
        result = dags_test(
            HOME,
            "migrate_database",
            {"require_approval": False, "pg_bin_dir": bin_dir, "work_dir": str(HOME / "work")},
            {"migration_source": source.conn_json(src_db), "migration_target": target.login_conn_json(tgt_db)},
        )
        wall = time.monotonic() - started
        states = result.task_states()
        durations = result.durations()
        print(f"airflow dags test exit code {result.returncode} in {wall:.1f}s")
        print(f"{'task':<18} {'state':<16} seconds")
        for task, state in states.items():
            print(f"{task:<18} {state or '-':<16} {durations.get(task, 0):.1f}")
        summary = result.xcom("verify")
        if result.returncode != 0 or not summary:
            failures += 1
            print("MIGRATION FAILED; the end of its output:\n" + result.output[-3000:])
            continue
        print(
            f"verification: {summary['tables']} tables, {summary['rows']} rows, {summary['sequences']} sequences "
            f"identical on both sides; differences: {len(summary['differences'])}"
        )
        for line in verification_table(result.output):
            print("  " + line)
    print("\nall demo migrations verified" if not failures else f"\n{failures} demo migration(s) failed")
    return 1 if failures else 0


def verification_table(output: str) -> list[str]:
    """The per-table verification table that the verify task logged."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "verification of" in line:
            table = []
            for row in lines[i + 1 :]:
                table.append(row.split(" [airflow.task")[0])
                if "[airflow.task" in row:
                    break
            return table
    return []


if __name__ == "__main__":
    sys.exit(main())
