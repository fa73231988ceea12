"""Bad input through `airflow dags test`: a non-zero exit, a message naming the cause, nothing changed."""

from __future__ import annotations

import json

import pytest

from devtools.airflow_cli import dags_test

pytestmark = pytest.mark.e2e

PUBLIC_OBJECTS = "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"


def run(airflow_home, servers, source, src_db, target, tgt_db, work_dir, **conf):
    """One run with the given conf on top of the usual test settings."""
    return dags_test(
        airflow_home,
        "migrate_database",
        {"require_approval": False, "pg_bin_dir": servers.bin_dir, "work_dir": str(work_dir), **conf},
        {"migration_source": source.conn_json(src_db), "migration_target": target.conn_json(tgt_db)},
    )


@pytest.mark.parametrize(
    ("case", "conf", "expected"),
    [
        (
            "unknown connection",
            {"source_conn_id": "no_such_conn"},
            "source connection 'no_such_conn' is not defined in Airflow",
        ),
        (
            "pg_bin_dir without the tools",
            {"pg_bin_dir": "/usr/share"},
            "pg_bin_dir '/usr/share' lacks pg_dump, pg_dumpall, pg_restore, psql",
        ),
        ("jobs out of range", {"jobs": 0}, "Invalid input for param jobs: 0 is less than the minimum of 1"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_refused_before_any_change(airflow_home, servers, unique, work_dir, case, conf, expected):
    """Each refusal names its cause; the target stays empty, the source keeps its data."""
    src_db, tgt_db = f"bad_src_{unique}", f"bad_tgt_{unique}"
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db):
        with servers.pg15.connect(src_db) as conn:
            conn.execute("CREATE TABLE t AS SELECT 1 AS id")
        result = run(airflow_home, servers, servers.pg15, src_db, servers.tsdb_target, tgt_db, work_dir, **conf)
        assert result.returncode != 0
        assert expected in result.output, result.output[-3000:]
        with servers.tsdb_target.connect(tgt_db) as conn:
            assert conn.execute(PUBLIC_OBJECTS).fetchone()[0] == 0
        with servers.pg15.connect(src_db) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
            assert conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')")


def test_target_older_than_source_is_refused(airflow_home, servers, unique, work_dir):
    """A PostgreSQL 17 source cannot go into a PostgreSQL 15 target: the message names both versions."""
    src_db, tgt_db = f"new_src_{unique}", f"old_tgt_{unique}"
    with servers.tsdb_source.database(src_db), servers.pg15.database(tgt_db):
        result = run(airflow_home, servers, servers.tsdb_source, src_db, servers.pg15, tgt_db, work_dir)
        assert result.returncode != 0
        assert "target PostgreSQL 15 is older than source PostgreSQL 17" in result.output
        assert result.task_states()["check_versions"] == "failed"
        with servers.pg15.connect(tgt_db) as conn:
            assert conn.execute(PUBLIC_OBJECTS).fetchone()[0] == 0


def test_unknown_connection_extra_is_refused_first(airflow_home, servers, unique, work_dir):
    """A misspelt extra on the target connection fails the first task, naming the connection and the key; the
    source is not drained and the target stays empty."""
    src_db, tgt_db = f"extra_src_{unique}", f"extra_tgt_{unique}"
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db):
        target = json.dumps({**servers.tsdb_target.conn_dict(tgt_db), "extra": {"sslmod": "require"}})
        result = dags_test(
            airflow_home,
            "migrate_database",
            {"require_approval": False, "pg_bin_dir": servers.bin_dir, "work_dir": str(work_dir)},
            {"migration_source": servers.pg15.conn_json(src_db), "migration_target": target},
        )
        assert result.returncode != 0
        assert (
            "target connection 'migration_target' has extra 'sslmod', which neither libpq nor PostgresHook "
            "knows" in result.output
        ), result.output[-3000:]
        states = result.task_states()
        assert states["check_extensions"] == "failed" and states.get("drain_source") in (None, "upstream_failed")
        with servers.tsdb_target.connect(tgt_db) as conn:
            assert conn.execute(PUBLIC_OBJECTS).fetchone()[0] == 0
        with servers.pg15.connect(src_db) as conn:
            assert conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]
