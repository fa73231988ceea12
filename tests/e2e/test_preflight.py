"""The issue's scenarios through `airflow dags test`: every problem found before the downtime, all of them in one
run, and a run that would have failed at post-data refused before the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from psycopg import sql

from devtools.airflow_cli import dags_test
from timescale_migration import phases

pytestmark = pytest.mark.e2e

PG15_TOOLS = "/usr/lib/postgresql/15/bin"
NOT_RUN = ("upstream_failed", None)


def migrate(airflow_home, source, src_db, target, tgt_db, work_dir: Path, target_login=None, **conf):
    """One run; `target_login`: (role, password) of the target's connection instead of postgres."""
    user, password = target_login or (None, None)
    return dags_test(
        airflow_home,
        "migrate_database",
        {"require_approval": False, "work_dir": str(work_dir), **conf},
        {
            "migration_source": source.conn_json(src_db),
            "migration_target": target.conn_json(tgt_db, user=user, password=password),
        },
    )


def preflight_json(work_dir: Path) -> dict:
    (run_dir,) = list((work_dir / "migrate_database").iterdir())
    return json.loads((run_dir / "preflight.json").read_text(encoding="utf-8"))


def test_three_problems_one_refusal(airflow_home, servers, unique, work_dir):
    """A source with an extension the target lacks (adminpack, gone in PostgreSQL 17), a TimescaleDB version the
    target cannot install (2.99.0, as the source's catalog says), migrated with PostgreSQL 15 client tools into a
    PostgreSQL 17 target: check_extensions finds the first, check_versions runs anyway and refuses the run once,
    naming all three in its log and in the run's failure message; the gate never opens and nothing changed (no
    TimescaleDB created on the empty target)."""
    src_db, tgt_db = f"three_src_{unique}", f"three_tgt_{unique}"
    with servers.pg15.database(src_db, extensions=("adminpack",)), servers.tsdb_target.database(tgt_db):
        with servers.pg15.connect(src_db) as conn:
            conn.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)")
            conn.execute(
                "INSERT INTO pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion) "
                "VALUES (99999, 'timescaledb', 10, 'public'::regnamespace, false, '2.99.0')"
            )
        result = migrate(
            airflow_home, servers.pg15, src_db, servers.tsdb_target, tgt_db, work_dir, pg_bin_dir=PG15_TOOLS
        )
        assert result.returncode != 0
        states = result.task_states()
        assert (states[phases.CHECK_EXTENSIONS], states[phases.CHECK_VERSIONS]) == ("success", "failed")
        assert all(states.get(t) in NOT_RUN for t in phases.TASKS[2:]), states
        failure = result.xcom(phases.CHECK_VERSIONS, phases.FAILURE_KEY)
        assert failure["task_id"] == phases.CHECK_VERSIONS
        message = failure["error"]
        assert "PreflightRefused: the preflight found 3 blocking problem(s) before the downtime" in message
        expected = [
            "1. extensions: extension adminpack 2.1: installed in source",
            "2. versions: client tools: pg_dump 15.",
            "3. versions: TimescaleDB version: TimescaleDB differs: source 2.99.0, target not installed",
        ]
        for line in expected:
            assert line in message, message
            assert line in result.output
        assert "install postgresql-client-17" in message and "ALTER EXTENSION timescaledb UPDATE" in message
        report = preflight_json(work_dir)
        assert report["refused"] is True and report["blocking"] == 3
        with servers.tsdb_target.connect(tgt_db) as conn:
            assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone() == (0,)
            assert conn.execute(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            ).fetchone() == (0,)
        with servers.pg15.connect(src_db) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone() == (1,)
            assert conn.execute(
                "SELECT has_database_privilege('public', current_database(), 'CONNECT')"
            ).fetchone() == (True,)


@pytest.fixture
def timescale_login(servers, unique):
    """A Timescale-like login on the target server: no superuser, CREATEROLE and CREATEDB."""
    role, password = f"tsdbadmin_{unique}", f"pw-{unique}-x"
    with servers.tsdb_target.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    yield role, password
    with servers.tsdb_target.connect() as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_an_event_trigger_is_refused_before_the_downtime(airflow_home, servers, unique, work_dir, timescale_login):
    """The source holds an event trigger and the target's login is no superuser (as on Timescale): before, every
    check passed and the load failed at post-data (`permission denied to create event trigger "log_ddl"`); now
    check_versions refuses the run naming it and what to do, and the gate never opens."""
    src_db, tgt_db = f"evt_src_{unique}", f"evt_tgt_{unique}"
    role, _ = timescale_login
    with servers.pg15.database(src_db), servers.tsdb_target.database(tgt_db, extensions=("timescaledb",)):
        with servers.tsdb_target.connect() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(tgt_db), sql.Identifier(role)))
        with servers.tsdb_target.connect(tgt_db) as conn:
            conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
        with servers.pg15.connect(src_db) as conn:
            conn.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 10) g")
            conn.execute(
                "CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'ddl'; END$$"
            )
            conn.execute("CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl()")
        result = migrate(
            airflow_home,
            servers.pg15,
            src_db,
            servers.tsdb_target,
            tgt_db,
            work_dir,
            target_login=timescale_login,
            pg_bin_dir=servers.bin_dir,
            roles=False,
        )
        assert result.returncode != 0
        states = result.task_states()
        assert states[phases.CHECK_VERSIONS] == "failed" and states[phases.STOP_APPS] in NOT_RUN
        message = result.xcom(phases.CHECK_VERSIONS, phases.FAILURE_KEY)["error"]
        assert "1. objects: 1 event trigger(s): log_ddl: only a superuser may create them" in message, message
        assert f"the target's login {role} is none" in message and "DROP EVENT TRIGGER" in message
        with servers.tsdb_target.connect(tgt_db) as conn:
            assert conn.execute(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            ).fetchone() == (0,)
