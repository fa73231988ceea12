"""End-to-end through `airflow dags test`: migrate, cut over, migrate again through another connection id, release:
the applications' original grants are back; a release with no record fails; retention removes only what it lists."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from psycopg import sql

from devtools.airflow_cli import dags_test
from devtools.servers import REPO
from timescale_migration import workdir

pytestmark = pytest.mark.e2e
SAMPLE = REPO / "include" / "samples" / "postgres_sample.sql"
DAY = 86400.0


def who_may_connect(server, db: str, role: str) -> tuple[bool, bool]:
    """(PUBLIC, role) may connect to db, as the server sees it."""
    with server.connect() as conn:
        return conn.execute(
            "SELECT has_database_privilege('public', %(db)s, 'CONNECT'), "
            "has_database_privilege(%(role)s, %(db)s, 'CONNECT')",
            {"db": db, "role": role},
        ).fetchone()


def latest_run_id(home: Path, dag_id: str) -> str:
    """The run id of the DAG's latest run in the test metadata DB."""
    with closing(sqlite3.connect(home / "airflow.db")) as db:
        query = "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1"
        return db.execute(query, (dag_id,)).fetchone()[0]


def test_migrate_cut_over_migrate_again_release(airflow_home, servers, unique, work_dir):
    """The first run cuts over and leaves the source drained; a second run through another connection id (another
    host name) to the same database finds it blocked and keeps the first record; release_source, through a third
    id and with the work directory gone, gives CONNECT back to PUBLIC and the application role exactly."""
    src_db, tgt1, tgt2 = f"blk_src_{unique}", f"blk_tgt1_{unique}", f"blk_tgt2_{unique}"
    role = f"blk_app_{unique}"
    src = servers.pg15
    with src.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        with src.database(src_db), servers.tsdb_target.database(tgt1), servers.tsdb_target.database(tgt2):
            src.psql_file(src_db, SAMPLE)
            with src.connect() as conn:
                conn.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(src_db), sql.Identifier(role))
                )
            assert who_may_connect(src, src_db, role) == (True, True)
            conf = {
                "require_approval": False,
                "pg_bin_dir": servers.bin_dir,
                "work_dir": str(work_dir),
                "drain_timeout": 0,
            }
            first = dags_test(
                airflow_home,
                "migrate_database",
                conf,
                {"migration_source": src.conn_json(src_db), "migration_target": servers.tsdb_target.conn_json(tgt1)},
            )
            assert first.returncode == 0, first.output[-4000:]
            assert first.task_states()["cutover"] == "success"
            assert first.xcom("drain_source")["action"] == "new"
            assert who_may_connect(src, src_db, role) == (False, False), "cut over: the source stays drained"
            alias = json.loads(src.conn_json(src_db))
            alias["host"] = "localhost"
            second = dags_test(
                airflow_home,
                "migrate_database",
                {**conf, "source_conn_id": "other_source"},
                {"other_source": json.dumps(alias), "migration_target": servers.tsdb_target.conn_json(tgt2)},
            )
            assert second.returncode == 0, second.output[-4000:]
            drained = second.xcom("drain_source")
            assert drained["action"] == "kept"
            assert drained["blocked_by_run"] == first.xcom("drain_source")["blocked_by_run"]
            assert sorted(drained["revoked"]) == sorted(["PUBLIC", role])
            for path in work_dir.iterdir():  # another worker, or the work directory lost
                workdir.remove(path)
            released = dags_test(
                airflow_home,
                "release_source",
                {"source_conn_id": "third_source"},
                {"third_source": src.conn_json(src_db)},
            )
            assert released.returncode == 0, released.output[-4000:]
            assert released.xcom("release_source")["released"] is True
            assert who_may_connect(src, src_db, role) == (True, True)
            again = dags_test(
                airflow_home,
                "release_source",
                {"source_conn_id": "third_source"},
                {"third_source": src.conn_json(src_db)},
            )
            assert again.returncode == 0 and "was already released by release_source/" in again.output
            assert who_may_connect(src, src_db, role) == (True, True)
    finally:
        with src.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_release_without_a_record_fails(airflow_home, servers, unique):
    """release_source on a database nobody drained exits non-zero and says it found no record."""
    with servers.pg15.database(f"never_drained_{unique}") as db:
        result = dags_test(
            airflow_home, "release_source", {"source_conn_id": "never"}, {"never": servers.pg15.conn_json(db)}
        )
        assert result.returncode != 0
        assert "no block record for source 'never'" in result.output
        assert result.task_states() == {"release_source": "failed"}


def fabricate(base: Path, dag_id: str, run_id: str, files: list[str], *, age_days: float, indexed: bool = True) -> Path:
    """A run directory as a run leaves it, last changed `age_days` ago."""
    path = workdir.run_dir(str(base), dag_id, run_id) if indexed else base / dag_id / workdir.safe_name(run_id)
    path.mkdir(parents=True, exist_ok=True)
    for name in files:
        (path / name).write_text(f"{name} of {run_id}")
    stamp = time.time() - age_days * DAY
    for p in [path, *path.iterdir()]:
        os.utime(p, (stamp, stamp))
    return path


def test_retention_removes_only_what_it_lists(airflow_home, servers, unique, work_dir):
    """clean_migration_work lists the failed, the forgotten and the unindexed old run directories (a dry run
    removes nothing), then removes exactly those files; a successful run, a recent one and the reports stay."""
    with servers.pg15.database(f"ret_{unique}") as db:
        failed = dags_test(
            airflow_home, "release_source", {"source_conn_id": "ret"}, {"ret": servers.pg15.conn_json(db)}
        )
    assert failed.returncode != 0
    failed_run = latest_run_id(airflow_home, "release_source")
    dump = ["dump.sql", "roles.sql", "skeleton.dump", "verification.html"]
    dirs = {
        "failed": fabricate(work_dir, "release_source", failed_run, dump, age_days=20),
        "gone": fabricate(work_dir, "migrate_database", f"manual__gone_{unique}", dump, age_days=30),
        "legacy": fabricate(
            work_dir, "migrate_database", f"manual__legacy_{unique}", ["dump.sql"], age_days=30, indexed=False
        ),
        "recent": fabricate(work_dir, "migrate_database", f"manual__recent_{unique}", dump, age_days=2),
    }
    conf = {"work_dir": str(work_dir), "older_than_days": 7}
    dry = dags_test(airflow_home, "clean_migration_work", {**conf, "dry_run": True}, {})
    assert dry.returncode == 0, dry.output[-4000:]
    listed = {Path(e["run_dir"]).name: e["files"] for e in dry.xcom("list_removable")}
    assert listed == {
        dirs["failed"].name: ["dump.sql", "roles.sql", "skeleton.dump"],
        dirs["gone"].name: ["dump.sql", "roles.sql", "skeleton.dump"],
        dirs["legacy"].name: ["dump.sql"],
    }
    assert "would remove" in dry.output and str(dirs["gone"]) in dry.output
    assert dry.task_states()["remove_listed"] == "success" and dry.xcom("remove_listed") == []
    assert all((path / "dump.sql").exists() for path in dirs.values()), "a dry run removes nothing"
    dirs["success"] = fabricate(
        work_dir, "clean_migration_work", latest_run_id(airflow_home, "clean_migration_work"), ["dump.sql"], age_days=30
    )
    real = dags_test(airflow_home, "clean_migration_work", conf, {})
    assert real.returncode == 0, real.output[-4000:]
    listed = real.xcom("list_removable")
    removed = sorted(real.xcom("remove_listed"))
    assert removed == sorted(str(Path(e["run_dir"]) / name) for e in listed for name in e["files"])
    assert {Path(e["run_dir"]).name for e in listed} == {dirs[k].name for k in ("failed", "gone", "legacy")}
    for key in ("failed", "gone"):
        assert sorted(p.name for p in dirs[key].iterdir()) == ["verification.html"]
    assert not dirs["legacy"].joinpath("dump.sql").exists()
    assert sorted(p.name for p in dirs["recent"].iterdir()) == sorted(dump)
    assert (dirs["success"] / "dump.sql").exists(), "a successful run keeps what keep_dump kept"
