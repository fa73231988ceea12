"""End-to-end: a PostgreSQL 13 source (Debian bullseye's server, no TimescaleDB; many self-hosted databases are that
old) into the Timescale-like targets, as their login without superuser, through `airflow dags test`."""

from __future__ import annotations

import pytest

from tests.e2e.test_migrate_database import SAMPLES, SUCCESS, assert_same_content, migrate

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("target_name", "dump_format"), [("tsdb_target", "parallel"), ("tsdb18_target", "plain")], ids=["17", "18"]
)
def test_postgres_13_into_timescale_like_target(airflow_home, servers, unique, work_dir, target_name, dump_format):
    """The shop sample from PostgreSQL 13 arrives whole, owners and reads as on the source, and verify agrees."""
    source, target = servers.pg13, getattr(servers, target_name)
    src_db, tgt_db = f"Shop 13 ☕ {unique}", f"Tsdb 'From 13' {unique}"
    with source.database(src_db), target.timescale_like_database(tgt_db):
        source.psql_file(src_db, SAMPLES / "postgres_sample.sql")
        result = migrate(
            airflow_home, servers, source, src_db, target, tgt_db, work_dir, login=True, dump_format=dump_format
        )
        assert result.returncode == 0, result.output[-5000:]
        assert result.task_states() == SUCCESS
        summary = result.xcom("verify")
        assert summary["differences"] == [] and summary["tables"] >= 10 and summary["rows"] > 3000
        assert_same_content(source, src_db, target, tgt_db)
