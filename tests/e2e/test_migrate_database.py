"""End-to-end: `airflow dags test migrate_database` against the real local servers."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from psycopg import sql

from devtools.airflow_cli import dags_test
from devtools.servers import REPO, Server, Servers
from tests.support import fingerprint as fp
from timescale_migration import phases

pytestmark = pytest.mark.e2e

SAMPLES = REPO / "include" / "samples"
ALL_TASKS = list(phases.TASKS)
SUCCESS = {**dict.fromkeys(ALL_TASKS, "success"), phases.RELEASE_SOURCE: "skipped"}


def migrate(
    home: Path,
    servers: Servers,
    source: Server,
    src_db: str,
    target: Server,
    tgt_db: str,
    work_dir: Path,
    *,
    login: bool = False,
    **conf: object,
):
    """Run one migration through the Airflow CLI (`login`: connected to the target as its migration login,
    tsdbadmin, not superuser; client tools of the newer server's version)."""
    bin_dir = servers.bin18_dir if max(source.major, target.major) >= 18 else servers.bin_dir
    return dags_test(
        home,
        "migrate_database",
        {"require_approval": False, "pg_bin_dir": bin_dir, "work_dir": str(work_dir), **conf},
        {
            "migration_source": source.conn_json(src_db),
            "migration_target": target.login_conn_json(tgt_db) if login else target.conn_json(tgt_db),
        },
    )


def assert_same_content(source: Server, src_db: str, target: Server, tgt_db: str) -> None:
    """Independent of the project's verify: every table's rows hashed, sequences, large objects, objects."""
    with source.connect(src_db) as src, target.connect(tgt_db) as tgt:
        src_fp, tgt_fp = fp.fingerprint(src), fp.fingerprint(tgt)
        assert src_fp, "the source sample holds tables"
        assert tgt_fp == src_fp
        assert fp.sequences(tgt) == fp.sequences(src)
        assert fp.large_objects(tgt) == fp.large_objects(src)
        assert fp.objects(tgt) == fp.objects(src)


@pytest.mark.parametrize("target_name", ["tsdb_target", "tsdb18_target"])
def test_postgres_15_into_timescale_like_target(airflow_home, servers, unique, work_dir, target_name):
    """PostgreSQL 15 -> a Timescale-like target (PostgreSQL 17 + TimescaleDB 2.19, and 18 + the current release):
    the database owned by the login tsdbadmin (CREATEDB CREATEROLE, no superuser), timescaledb pre-created, awkward
    database names on both sides; owners and the application's reads as on the source."""
    target = getattr(servers, target_name)
    src_db, tgt_db = f'Shop "Prod" ☕ {unique}', f"Tsdb 'Target' Ü {unique}"
    with servers.pg15.database(src_db), target.timescale_like_database(tgt_db):
        servers.pg15.psql_file(src_db, SAMPLES / "postgres_sample.sql")
        result = migrate(airflow_home, servers, servers.pg15, src_db, target, tgt_db, work_dir, login=True)
        assert result.returncode == 0, result.output[-5000:]
        assert result.task_states() == SUCCESS
        summary = result.xcom("verify")
        assert summary["differences"] == [] and summary["tables"] >= 10 and summary["rows"] > 3000
        assert_same_content(servers.pg15, src_db, target, tgt_db)
        with target.connect(tgt_db) as conn:
            roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", ["%TSM%"])}
            roles |= {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'tsm_%'")}
            login = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [target.login]).fetchone()
        assert {"tsm_app_owner", "tsm_app_reader", 'TSM Reporting "Role"'} <= roles and login == (False,)
    run_dirs = list((work_dir / "migrate_database").iterdir())
    assert len(run_dirs) == 1 and stat.S_IMODE(run_dirs[0].stat().st_mode) == 0o700
    left = sorted(p.name for p in run_dirs[0].iterdir())
    assert left == ["preflight.json", "verification.html", "verification.json"], (
        "dump files are removed, the reports stay"
    )
    page = (run_dirs[0] / "verification.html").read_text(encoding="utf-8")
    assert "<h2 id='preflight'>Preflight</h2>" in page
    assert json.loads((run_dirs[0] / "preflight.json").read_text(encoding="utf-8"))["refused"] is False


@pytest.mark.parametrize(
    "pair",
    [("tsdb_source", "tsdb_target", "2.19.3"), ("tsdb18_source", "tsdb18_target", "2.31.0")],
    ids=["pg17-2.19", "pg18-current"],
)
def test_timescaledb_into_timescaledb_with_hypertables(airflow_home, servers, unique, work_dir, pair):
    """TimescaleDB -> TimescaleDB of the same version (2.19 on PostgreSQL 17, the current release on 18), into a
    Timescale-like database as tsdbadmin (no superuser), kept dump."""
    source, target = getattr(servers, pair[0]), getattr(servers, pair[1])
    src_db, tgt_db = f"metrics_src_{unique}", f"Metrics Target {unique}"
    with source.database(src_db), target.timescale_like_database(tgt_db):
        source.psql_file(src_db, SAMPLES / "timescaledb_sample.sql")
        with source.connect(src_db) as conn:
            version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]
        assert version == pair[2]
        result = migrate(airflow_home, servers, source, src_db, target, tgt_db, work_dir, keep_dump=True, login=True)
        assert result.returncode == 0, result.output[-5000:]
        assert result.task_states() == SUCCESS
        assert result.xcom("check_versions")["aligned"] is None
        assert_same_content(source, src_db, target, tgt_db)
        dims = (
            "SELECT hypertable_schema, hypertable_name, column_name, dimension_type, time_interval, "
            "integer_interval, num_partitions FROM timescaledb_information.dimensions ORDER BY 1, 2, 3"
        )
        chunks = (
            "SELECT hypertable_schema, hypertable_name, count(*) FROM timescaledb_information.chunks "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        )
        with source.connect(src_db) as src, target.connect(tgt_db) as tgt:
            assert tgt.execute(dims).fetchall() == src.execute(dims).fetchall()
            assert len(src.execute(dims).fetchall()) >= 3
            assert tgt.execute(chunks).fetchall() == src.execute(chunks).fetchall()
            restoring = tgt.execute("SELECT current_setting('timescaledb.restoring')").fetchone()[0]
            assert restoring == "off"
            tgt.execute(
                "INSERT INTO conditions (time, device_id, temperature) "
                "SELECT max(time) + interval '1 day', 1, 20 FROM conditions"
            )
    kept = sorted(p.name for p in next((work_dir / "migrate_database").iterdir()).iterdir())
    # paused_jobs.json: the jobs before the pause (no secret), kept as a record; preflight.json: the checks' findings
    assert kept == [
        "paused_jobs.json",
        "preflight.json",
        "roles.sql",
        "skeleton.dump",
        "source_fingerprint.json",
        "staged-schema.consumed.json",
        "staged-schema.dump",
        "verification.html",
        "verification.json",
    ]
    for name in kept:
        path = next((work_dir / "migrate_database").iterdir()) / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_timescaledb_aligned_on_an_empty_target(airflow_home, servers, unique, work_dir):
    """TimescaleDB 2.19 -> an empty database of a superuser's target: the DAG creates the extension at the source's
    version before the gate (a login without superuser may too, on a target whose platform lets it restore)."""
    src_db, tgt_db = f"metrics_src_{unique}", f"Metrics Empty {unique}"
    with servers.tsdb_source.database(src_db), servers.tsdb_target.database(tgt_db):
        servers.tsdb_source.psql_file(src_db, SAMPLES / "timescaledb_sample.sql")
        result = migrate(airflow_home, servers, servers.tsdb_source, src_db, servers.tsdb_target, tgt_db, work_dir)
        assert result.returncode == 0, result.output[-5000:]
        assert result.xcom("check_versions")["aligned"] == "none -> 2.19.3"
        assert_same_content(servers.tsdb_source, src_db, servers.tsdb_target, tgt_db)


def test_failed_check_changes_nothing(airflow_home, servers, unique, work_dir):
    """A target that is not empty stops the run at check_versions; neither side is touched."""
    src_db, tgt_db = f"src_{unique}", f"busy_target_{unique}"
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db):
        with servers.pg15.connect(src_db) as conn:
            conn.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)")
        with servers.tsdb_target.connect(tgt_db) as conn:
            conn.execute("CREATE TABLE already_here (id int)")
        result = migrate(airflow_home, servers, servers.pg15, src_db, servers.tsdb_target, tgt_db, work_dir)
        assert result.returncode != 0
        assert "is not empty: it holds table public.already_here" in result.output
        states = result.task_states()
        assert states["check_versions"] == "failed"
        assert all(states[t] in ("upstream_failed", None) for t in ALL_TASKS[2:])
        with servers.tsdb_target.connect(tgt_db) as conn:
            public = "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            names = [r[0] for r in conn.execute(public)]
            assert names == ["already_here"]
            assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0] == 0
        with servers.pg15.connect(src_db) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 1


def test_missing_extension_fails_naming_it(airflow_home, servers, unique, work_dir):
    """adminpack exists in PostgreSQL 15 but not 17: check_extensions finds it, check_versions refuses the run
    naming it, nothing runs after."""
    src_db, tgt_db = f"adminpack_src_{unique}", f"adminpack_tgt_{unique}"
    with servers.pg15.database(src_db, extensions=("adminpack",)), servers.tsdb_target.database(tgt_db):
        result = migrate(airflow_home, servers, servers.pg15, src_db, servers.tsdb_target, tgt_db, work_dir)
        assert result.returncode != 0
        assert "extensions: extension adminpack 2.1: installed in source" in result.output
        assert "but not available on target" in result.output
        states = result.task_states()
        assert (states["check_extensions"], states["check_versions"]) == ("success", "failed")
        assert states["stop_apps"] == "upstream_failed"
        with servers.tsdb_target.connect(tgt_db) as conn:
            count = conn.execute(sql.SQL("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"))
            assert count.fetchone()[0] == 0
