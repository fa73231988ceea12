"""End-to-end: the sample holding every kind of object pg_dump carries (include/samples/every_object*.sql), through
`airflow dags test migrate_database`, once for every source and target version pair the test servers offer
(PostgreSQL 15, 17 and 18; a target never older than its source), each pair with another dump format; and the
PostgreSQL 15 shop sample into PostgreSQL 18.

Logins: the pairs into a target as its login without superuser (tsdbadmin) load the main part of the sample, into a
Timescale-like database (owned by tsdbadmin, TimescaleDB created); the pairs as the target's superuser load both
parts (the superuser-only kinds need one). Owners and privileges as on the source in every pair. The PostgreSQL 15
shop sample into PostgreSQL 18 is tests/e2e/test_migrate_database.py's.
"""

from __future__ import annotations

import pytest

from devtools.airflow_cli import dags_test
from devtools.servers import REPO, Server
from tests.e2e.test_migrate_database import SUCCESS, assert_same_content
from tests.integration.test_verify_every_object import drop_subscriptions

pytestmark = pytest.mark.e2e

SAMPLES = REPO / "include" / "samples"
MAIN, SUPERUSER = SAMPLES / "every_object.sql", SAMPLES / "every_object_superuser.sql"

# (id, source server, target server, target login, dump format)
PAIRS = [
    ("15 into 17 as tsdbadmin, parallel", "pg15", "tsdb_target", "tsdbadmin", "parallel"),
    ("15 into 18 as superuser, plain", "pg15", "tsdb18_target", "superuser", "plain"),
    ("17 into 17 as superuser, directory", "tsdb_source", "tsdb_target", "superuser", "directory"),
    ("17 into 18 as tsdbadmin, stream", "tsdb_source", "tsdb18_target", "tsdbadmin", "stream"),
    ("18 into 18 as tsdbadmin, parallel", "tsdb18_source", "tsdb18_target", "tsdbadmin", "parallel"),
]


def target_database(target: Server, dbname: str, login: str) -> str:
    """The target database for `login`, and its Airflow connection."""
    if login == "superuser":
        target.create_database(dbname)
        return target.conn_json(dbname)
    target.create_timescale_like_database(dbname)
    return target.login_conn_json(dbname)


@pytest.mark.parametrize(
    ("source_name", "target_name", "login", "dump_format"), [p[1:] for p in PAIRS], ids=[p[0] for p in PAIRS]
)
def test_every_object_migrates_and_verifies(
    airflow_home, servers, unique, work_dir, source_name, target_name, login, dump_format
):
    """Every kind in every state arrives, verify finds no difference, and an independent check agrees."""
    source, target = getattr(servers, source_name), getattr(servers, target_name)
    src_db, tgt_db = f"Every Object ☕ {unique}", f"every 'object' target {unique}"
    source.create_database(src_db)
    try:
        target_conn = target_database(target, tgt_db, login)
        source.psql_file(src_db, MAIN)
        if login == "superuser":
            source.psql_file(src_db, SUPERUSER)
        conf = {
            "require_approval": False,
            "pg_bin_dir": servers.bin18_dir,
            "work_dir": str(work_dir),
            "dump_format": dump_format,
        }
        result = dags_test(
            airflow_home,
            "migrate_database",
            conf,
            {"migration_source": source.conn_json(src_db), "migration_target": target_conn},
        )
        assert result.returncode == 0, result.output[-5000:]
        assert result.task_states() == SUCCESS
        summary = result.xcom("verify")
        assert summary["differences"] == [] and summary["tables"] >= 25 and summary["rows"] > 6000, summary
        assert_same_content(source, src_db, target, tgt_db)
        with target.connect(tgt_db) as conn:
            populated = dict(
                conn.execute("SELECT matviewname, ispopulated FROM pg_matviews WHERE schemaname = 'harbor'").fetchall()
            )
            flag = conn.execute("SELECT typnotnull FROM pg_type WHERE typname = 'flag'").fetchone()[0]
        assert populated == {"calls_per_port": True, "kinds_in_service": True, "monthly_fees": False}
        assert flag is True
    finally:
        for server, db in ((source, src_db), (target, tgt_db)):
            if login == "superuser":
                drop_subscriptions(server, db)
            server.drop_database(db)
