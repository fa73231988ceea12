"""Each phase operator against the real PostgreSQL 15 and TimescaleDB servers."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from psycopg import sql

from devtools.servers import REPO
from timescale_migration import phases as registry
from timescale_migration.constants import DUMP_FILE, ROLES_FILE, SKELETON_FILE
from timescale_migration.copy import parallel, parallel_plan
from timescale_migration.exceptions import (
    ConnectionConfigError,
    PermanentError,
    PreflightRefused,
    TargetNotEmptyError,
    VerificationError,
)
from timescale_migration.fleet import ledger
from timescale_migration.fleet.assets import targets_alias
from timescale_migration.operators import (
    AnalyzeOperator,
    ApplyPrivilegesOperator,
    ApplySettingsOperator,
    CheckExtensionsOperator,
    CheckVersionsOperator,
    DrainSourceOperator,
    DumpDataOperator,
    DumpRolesOperator,
    LoadOperator,
    PauseSourceJobsOperator,
    PostRestoreOperator,
    PreRestoreOperator,
    ResumeSourceJobsOperator,
    StageSchemaOperator,
    StopAppsOperator,
    VerifyOperator,
)

pytestmark = pytest.mark.integration
SAMPLES = REPO / "include" / "samples"


def phases() -> list:
    """A fresh operator for every phase, in the registry's order (up to verify), then resume_source_jobs."""
    return [
        CheckExtensionsOperator(task_id=registry.CHECK_EXTENSIONS),
        CheckVersionsOperator(task_id=registry.CHECK_VERSIONS),
        StageSchemaOperator(task_id=registry.STAGE_SCHEMA),
        StopAppsOperator(task_id=registry.STOP_APPS),
        DrainSourceOperator(task_id=registry.DRAIN_SOURCE),
        PauseSourceJobsOperator(task_id=registry.PAUSE_SOURCE_JOBS),
        DumpRolesOperator(task_id=registry.DUMP_ROLES),
        DumpDataOperator(task_id=registry.DUMP_DATA),
        PreRestoreOperator(task_id=registry.PRE_RESTORE),
        LoadOperator(task_id=registry.LOAD),
        PostRestoreOperator(task_id=registry.POST_RESTORE),
        AnalyzeOperator(task_id=registry.ANALYZE),
        ApplyPrivilegesOperator(task_id=registry.APPLY_PRIVILEGES),
        ApplySettingsOperator(task_id=registry.APPLY_SETTINGS),
        VerifyOperator(task_id=registry.VERIFY),
        ResumeSourceJobsOperator(task_id=registry.RESUME_SOURCE_JOBS),
    ]


def run_until(migration, last: str) -> None:
    """Run the phases up to and including `last`."""
    for op in phases():
        migration.run(op)
        if op.task_id == last:
            return


def test_every_phase_postgres_source(make_migration, servers):
    """PG 15 sample into a Timescale-like target, phase by phase, checking what each leaves behind."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",))
    servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    run_until(m, "stop_apps")
    plan = m.ti.xcoms["check_versions"]
    assert plan["source"]["major"] == 15 and plan["target"]["major"] == 17
    assert plan["client_tools"]["major"] == 17 and plan["timescaledb"] is None
    m.run(DumpRolesOperator(task_id="dump_roles"))
    roles_file = m.ti.xcoms["dump_roles"]["roles_file"]
    text = Path(roles_file).read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(roles_file).st_mode) == 0o600
    assert 'ROLE "postgres"' not in text and "SUPERUSER" not in text
    assert 'CREATE ROLE "tsm_app_reader"' in text and "duplicate_object" in text
    m.run(DumpDataOperator(task_id="dump_data"))
    dump = m.ti.xcoms["dump_data"]["dump_file"]
    assert m.ti.xcoms["dump_data"]["bytes"] > 10_000
    assert m.run(PreRestoreOperator(task_id="pre_restore"))["restoring"].startswith("not needed")
    m.run(LoadOperator(task_id="load"))
    m.run(PostRestoreOperator(task_id="post_restore"))
    m.run(AnalyzeOperator(task_id="analyze"))
    assert m.run(ApplyPrivilegesOperator(task_id="apply_privileges"))["grants"] > 0  # the sample's GRANTs
    m.run(ApplySettingsOperator(task_id="apply_settings"))
    summary = m.run(VerifyOperator(task_id="verify"))
    assert summary["differences"] == [] and summary["tables"] >= 10 and summary["structure_items"] > 100
    assert not os.path.exists(dump), "dump removed after a verified migration"
    assert m.outlet_events[targets_alias()].added == []  # the asset event is cutover's
    assert ledger.read(m.params.get("work_dir"), m.params["target_conn_id"], m.tgt_db)["rows"] == summary["rows"]
    assert Path(summary["report_html"]).read_text(encoding="utf-8").count("DIFFERS") == 0
    assert json.loads(Path(summary["report_json"]).read_text(encoding="utf-8"))["summary"]["ok"] is True
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        analyzed = conn.execute("SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        assert analyzed.fetchone()[0] >= 10


def test_restore_mode_is_left_even_when_the_load_fails(make_migration, servers):
    """pre_restore turns timescaledb.restoring on; a failed load; post_restore turns it off again."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    run_until(m, "dump_data")
    assert m.run(PreRestoreOperator(task_id="pre_restore"))["restoring"] == "on"
    dump = m.ti.xcoms["dump_data"]["dump_file"]
    with open(dump, "a", encoding="utf-8") as f:
        f.write("\nSELECT 1/0;\n")
    with pytest.raises(PermanentError, match="division by zero"):  # an SQL error: not retried
        m.run(LoadOperator(task_id="load"))
    assert m.run(PostRestoreOperator(task_id="post_restore"))["restoring"] is None
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT current_setting('timescaledb.restoring')").fetchone()[0] == "off"


def test_load_refuses_a_target_left_non_empty(make_migration, servers):
    """A second load into a target whose load succeeded (its claim is gone) stops before psql, saying what to do
    instead of duplicating rows; nothing is dropped."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g")
    run_until(m, "load")
    with pytest.raises(TargetNotEmptyError, match=r"already holds table public\.t; no load of this run created them"):
        m.run(LoadOperator(task_id="load"))
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 100


@pytest.mark.parametrize("dump_format", ["plain", "parallel"])
def test_a_failed_load_is_emptied_and_loaded_again_by_the_same_run(make_migration, servers, dump_format):
    """A TimescaleDB load that failed half-way leaves hypertables, chunks and its claim; the same run's next
    attempt (a retry, or the task cleared) drops what it left, TimescaleDB included and created again at the
    same version, loads again and verifies; the claim is gone after the load."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target, dump_format=dump_format)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    run_until(m, "pre_restore")
    if dump_format == "plain":
        dump = Path(m.ti.xcoms["dump_data"]["dump_file"])
        good = dump.read_text(encoding="utf-8")
        dump.write_text(good + "\nSELECT 1/0;\n", encoding="utf-8")
        with pytest.raises(PermanentError, match="division by zero"):
            m.run(LoadOperator(task_id="load"))
        dump.write_text(good, encoding="utf-8")
    else:  # the post-data restore fails: the rows are in, the indexes are not
        original = parallel.ParallelCopy._restore_argv

        def failing_post_data(self, *, section, **kwargs):
            argv = original(self, section=section, **kwargs)
            return [*argv[:-1], "/nonexistent"] if section == "post-data" else argv

        parallel.ParallelCopy._restore_argv = failing_post_data
        try:
            with pytest.raises(Exception, match="nonexistent"):
                m.run(LoadOperator(task_id="load"))
        finally:
            parallel.ParallelCopy._restore_argv = original
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        claim = conn.execute("SELECT run FROM _timescale_migration_claim.load").fetchall()
        assert claim == [(f"{m.ti.dag_id}/{m.ti.run_id}",)]
        assert conn.execute("SELECT count(*) FROM timescaledb_information.hypertables").fetchone()[0] >= 2
    result = m.run(LoadOperator(task_id="load"))
    assert result["format"] == dump_format
    names = [op.task_id for op in phases()]
    for op in phases()[names.index("post_restore") : names.index("verify") + 1]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT to_regnamespace('_timescale_migration_claim')").fetchone()[0] is None
        version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]
        assert version == m.ti.xcoms["check_versions"]["timescaledb"]["version"]


def test_verify_names_each_difference(make_migration, servers):
    """A deleted row, a sequence set back and a dropped large object are each named."""
    m = make_migration(servers.pg15, servers.tsdb_target, keep_dump=True)
    servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    run_until(m, "analyze")
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute(
            'DELETE FROM "Sales Data"."Order ""Items""" WHERE ctid IN '
            '(SELECT ctid FROM "Sales Data"."Order ""Items""" LIMIT 1)'
        )
        conn.execute("SELECT setval('shop.invoice_number_seq', 10)")
        conn.execute("SELECT lo_unlink(424244)")
    with pytest.raises(VerificationError) as err:
        m.run(VerifyOperator(task_id="verify"))
    message = str(err.value)
    assert 'data "Sales Data"."Order ""Items""": source 1501 rows, target 1500 rows' in message
    assert "sequences shop.invoice_number_seq: source last_value=250000" in message
    assert "large objects pg_largeobject: source 3 object(s), target 2" in message
    assert (m.ti.xcoms["dump_data"]["dump_file"]).endswith(DUMP_FILE)


def test_client_tools_older_than_the_target_are_refused(make_migration, servers):
    """pg_bin_dir with PostgreSQL 15 tools cannot serve a PostgreSQL 17 target: the message says what to install."""
    m = make_migration(servers.pg15, servers.tsdb_target, pg_bin_dir="/usr/lib/postgresql/15/bin")
    m.run(CheckExtensionsOperator(task_id="check_extensions"))
    with pytest.raises(PreflightRefused, match="install postgresql-client-17"):
        m.run(CheckVersionsOperator(task_id="check_versions"))


def test_wrong_password_names_the_connection_not_the_password(make_migration, servers, monkeypatch):
    """Authentication failure names side and conn id; the wrong password is nowhere in the message."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", servers.pg15.conn_json(m.src_db, password="Wr0ng-Secret-9"))
    with pytest.raises(ConnectionConfigError) as err:
        m.run(CheckExtensionsOperator(task_id="check_extensions"))
    assert "source 'it_source'" in str(err.value) and "password authentication failed" in str(err.value)
    assert "Wr0ng-Secret-9" not in str(err.value)


def test_missing_database_is_named(make_migration, servers):
    """A target_database that does not exist fails the first check, naming it."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_database="no such db")
    with pytest.raises(ConnectionConfigError, match='database "no such db" does not exist'):
        m.run(CheckExtensionsOperator(task_id="check_extensions"))


def test_on_kill_stops_the_running_tool(make_migration, servers):
    """on_kill ends a running psql promptly and the operator reports the signal."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    run_until(m, "dump_data")
    op = AnalyzeOperator(task_id="analyze")
    plan_tools = m.ti.xcoms["check_versions"]["client_tools"]
    _, target = op.endpoints(m.context)
    argv = [f"{plan_tools['bin_dir']}/psql", "-X", "-c", "SELECT pg_sleep(60)"]
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(errors, op.runner.run, argv, target.libpq_env()))
    started = time.monotonic()
    thread.start()
    time.sleep(1.0)
    op.on_kill()
    thread.join(timeout=15)
    assert not thread.is_alive() and time.monotonic() - started < 15
    assert errors and "killed by signal" in str(errors[0])


def _capture(errors: list[BaseException], fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as err:
        errors.append(err)


def test_roles_false_writes_no_roles_file(make_migration, servers):
    """roles=false: dump_roles writes nothing and the load skips roles."""
    m = make_migration(servers.pg15, servers.tsdb_target, roles=False)
    run_until(m, "dump_roles")
    assert m.ti.xcoms["dump_roles"] == {"roles_file": None}
    run_dir = Path(m.params["work_dir"]) / "migrate_database"
    assert not list(run_dir.glob(f"*/{ROLES_FILE}"))


@pytest.fixture
def nonsuper_target(servers, unique):
    """A Timescale-like login on the target server: no superuser, CREATEROLE, owns the target database."""
    role, password = f"tsdbadmin_{unique}", f"pw-{unique}-x"
    with servers.tsdb_target.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN CREATEROLE CREATEDB PASSWORD '{password}'")
    yield role, password
    servers.tsdb_target.drop_database(f"it tgt {unique}")  # before its roles: it holds their policies
    with servers.tsdb_target.connect() as conn:
        conn.execute(f"DROP OWNED BY {role}")
        for (name,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [f"nsr_{unique}%"]):
            conn.execute(f'DROP ROLE "{name}"')
        conn.execute(f"DROP ROLE {role}")


def _as_nonsuper(m, servers, monkeypatch, role: str, password: str) -> None:
    with servers.tsdb_target.connect() as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(m.tgt_db), sql.Identifier(role)))
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
    monkeypatch.setenv("AIRFLOW_CONN_IT_TARGET", servers.tsdb_target.conn_json(m.tgt_db, user=role, password=password))


@pytest.mark.parametrize("dump_format", ["plain", "parallel"])
def test_non_superuser_target_gets_roles_and_data(
    make_migration, servers, monkeypatch, nonsuper_target, unique, dump_format
):
    """As on Timescale: the target login is no superuser; roles it creates and all rows arrive (parallel: the
    copy's TRUNCATE ONLY and COPY FREEZE run as that login)."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), dump_format=dump_format)
    role, password = nonsuper_target
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute(
            f"DO $$BEGIN CREATE ROLE nsr_{unique}_app LOGIN PASSWORD 'x1'; "
            f"EXCEPTION WHEN duplicate_object THEN NULL; END$$"
        )
        conn.execute(f"CREATE TABLE accounts (id serial PRIMARY KEY, owner_name text DEFAULT 'nsr_{unique}_app')")
        conn.execute("INSERT INTO accounts (owner_name) SELECT 'n' || g FROM generate_series(1, 50) g")
        conn.execute("ALTER TABLE accounts ENABLE ROW LEVEL SECURITY")
        conn.execute(f"CREATE POLICY own ON accounts TO nsr_{unique}_app USING (owner_name = current_user)")
    _as_nonsuper(m, servers, monkeypatch, role, password)
    try:
        for op in phases():
            m.run(op)
        assert m.ti.xcoms["verify"]["differences"] == []
        with servers.tsdb_target.connect(m.tgt_db) as conn:
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [f"nsr_{unique}_app"]).fetchone()
            policies = conn.execute("SELECT roles::text FROM pg_policies WHERE tablename = 'accounts'").fetchall()
            assert policies == [(f"{{nsr_{unique}_app}}",)]
    finally:
        with servers.pg15.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{m.src_db}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS nsr_{unique}_app")


def test_parallel_analyze_by_a_login_without_superuser(make_migration, servers, monkeypatch, nonsuper_target):
    """A Timescale-like login (owns the database, no superuser, so TimescaleDB cannot step aside for it) analyzes
    each hypertable with its chunks in one statement: every relation exactly once, the roots' inherited
    statistics included."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target, dump_format="parallel", drain=False)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    run_until(m, "post_restore")
    role = nonsuper_target[0]
    _as_nonsuper(m, servers, monkeypatch, *nonsuper_target)
    with servers.tsdb_target.connect(m.tgt_db) as conn:  # as if it had restored them itself: it may name them
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"):
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), sql.Identifier(role)))
    result = m.run(AnalyzeOperator(task_id="analyze"))
    assert result["sessions"] == 2 and result["relations"] >= 20
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        counts = conn.execute("SELECT relid::regclass::text, analyze_count FROM pg_stat_user_tables").fetchall()
        inherited = conn.execute("SELECT count(*) FROM pg_stats WHERE inherited AND tablename = 'conditions'")
        assert inherited.fetchone()[0] >= 3
    assert len(counts) >= 20 and {count for _, count in counts} == {1}, counts


def test_rows_hidden_by_forced_row_security_are_read_by_their_owner(
    make_migration, servers, monkeypatch, nonsuper_target
):
    """FORCE ROW LEVEL SECURITY hides rows from a non-superuser owner (row_security = off makes that an error):
    verify reads them in a transaction that sets NO FORCE and is rolled back; the table stays forced."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), roles=False)
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE secrets AS SELECT g AS id FROM generate_series(1, 40) g")
        conn.execute("ALTER TABLE secrets ENABLE ROW LEVEL SECURITY")
        conn.execute("ALTER TABLE secrets FORCE ROW LEVEL SECURITY")
    _as_nonsuper(m, servers, monkeypatch, *nonsuper_target)
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] == 40
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        forced = conn.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'secrets'")
        assert forced.fetchone() == (True, True)
        conn.execute("DELETE FROM secrets WHERE id = 40")
    with pytest.raises(VerificationError, match=r"data public\.secrets: source 40 rows, target 39 rows"):
        m.run(VerifyOperator(task_id="verify"))


@pytest.mark.parametrize("dump_format", ["directory", "stream", "parallel"])
@pytest.mark.parametrize("kind", ["postgres", "timescaledb"])
def test_faster_formats_migrate_and_verify(make_migration, servers, dump_format, kind, monkeypatch):
    """directory (parallel pg_dump/pg_restore, TimescaleDB catalog first), stream (pg_dump | psql) and parallel
    (tables copied from one snapshot; here every table, awkward names included, goes through the workers) each
    give a verified target for both samples."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    if kind == "postgres":
        m = make_migration(
            servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), dump_format=dump_format, drain=False
        )
        servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    else:
        m = make_migration(servers.tsdb_source, servers.tsdb_target, dump_format=dump_format, drain=False)
        servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["load"]["format"] == dump_format
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] > 3000
    dump = m.ti.xcoms["dump_data"]["dump_file"]
    assert (dump is None) == (dump_format in ("stream", "parallel"))
    analyzed = m.ti.xcoms["analyze"]  # not `plain`, jobs 2: every relation ANALYZEd, over two sessions
    assert analyzed["sessions"] == 2 and analyzed["relations"] >= 20
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        never = conn.execute("SELECT relid::regclass::text FROM pg_stat_user_tables WHERE last_analyze IS NULL")
        assert never.fetchall() == []
        twice = conn.execute("SELECT relid::regclass::text FROM pg_stat_user_tables WHERE analyze_count > 1")
        assert twice.fetchall() == []  # naming a hypertable would have analyzed its chunks a second time
        if kind == "timescaledb":  # a hypertable's root gets the inherited statistics of all its chunks
            inherited = conn.execute("SELECT count(*) FROM pg_stats WHERE inherited AND tablename = 'conditions'")
            assert inherited.fetchone()[0] >= 3
    if dump_format == "parallel":
        load = m.ti.xcoms["load"]
        assert load["workers"] == 2 and load["bulk_tables"] >= 10
        # PostgreSQL 15 into 17: text only; 17 into 17: binary for every table of built-in types
        assert (load["binary_tables"] == 0) == (kind == "postgres")
        assert not (Path(m.ti.xcoms["verify"]["report_json"]).parent / SKELETON_FILE).exists()
    if dump:
        assert not Path(dump).exists(), "the dump is removed after a verified migration"


def test_parallel_binary_and_text_tables_from_one_source(make_migration, servers, monkeypatch):
    """The PostgreSQL sample on a 17 source into a 17 target: tables of built-in types travel in binary,
    those with an enum, domain, composite or citext column in text; a dominant inheritance parent is split into
    block ranges (its child's rows not copied twice); a table without columns still carries its rows; all
    through the workers' sessions but a table whose name has a line break (a psql pipeline of its own); the
    whole verifies."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_plan, "SPLIT_MIN_BYTES", 0)
    m = make_migration(
        servers.tsdb_source,
        servers.tsdb_target,
        target_extensions=("timescaledb",),
        dump_format="parallel",
        drain=False,
    )
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    with servers.tsdb_source.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE big_parent (id bigint PRIMARY KEY, payload text)")
        conn.execute("CREATE TABLE big_child () INHERITS (big_parent)")
        conn.execute("INSERT INTO big_parent SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 60000) g")
        conn.execute("INSERT INTO big_child SELECT g, 'child' FROM generate_series(60001, 60100) g")
        conn.execute("CREATE TABLE no_columns ()")
        conn.execute("INSERT INTO no_columns SELECT FROM generate_series(1, 700)")
        conn.execute("CREATE TABLE tuned (id int) WITH (autovacuum_enabled = false, fillfactor = 80)")
        conn.execute("INSERT INTO tuned SELECT generate_series(1, 500)")
        conn.execute('CREATE TABLE "two\nlines\\x" ("a\\b" int)')  # no one-line \copy: a pipeline of its own
        conn.execute('INSERT INTO "two\nlines\\x" SELECT generate_series(1, 300)')
    for op in phases():
        m.run(op)
    load = m.ti.xcoms["load"]
    assert 0 < load["binary_tables"] < load["bulk_tables"] and load["split_tables"] >= 1
    assert load["piped_copies"] == 1
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] > 60000
    with servers.tsdb_target.connect(m.tgt_db) as conn:  # autovacuum was off during the load: reset, not lost
        autovacuum_set = conn.execute(
            "SELECT c.oid::regclass::text, c.reloptions FROM pg_class c "
            "WHERE array_to_string(c.reloptions, ',') LIKE '%autovacuum%'"
        ).fetchall()
        assert autovacuum_set == [("tuned", ["autovacuum_enabled=false", "fillfactor=80"])]
        assert conn.execute("SELECT count(*) FROM ONLY big_parent").fetchone() == (60000,)
        assert conn.execute("SELECT count(*) FROM big_parent").fetchone() == (60100,)
        assert conn.execute("SELECT count(*) FROM no_columns").fetchone() == (700,)


@pytest.mark.parametrize("dump_format", ["plain", "parallel"])
def test_latin1_source_into_utf8_target_verifies(make_migration, servers, unique, dump_format, monkeypatch):
    """A LATIN1 source and a UTF8 target: the text is converted by the load (parallel: the copy's sessions use
    the source's encoding as client encoding) and verification hashes UTF-8 bytes on both sides, so nothing is
    falsely reported; a changed accent is still found."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    m = make_migration(servers.pg15, servers.tsdb_target, drain=False, dump_format=dump_format)
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(m.src_db)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0").format(
                sql.Identifier(m.src_db)
            )
        )
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("SET client_encoding = 'UTF8'")
        conn.execute("CREATE TABLE words (id int PRIMARY KEY, w text, n numeric)")
        conn.execute("INSERT INTO words VALUES (1, 'Grüße', 1.5), (2, 'café crème', 2), (3, 'ñandú ©®', 3)")
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT w FROM words WHERE id = 1").fetchone() == ("Grüße",)
        conn.execute("UPDATE words SET w = 'Grusse' WHERE id = 1")
    with pytest.raises(VerificationError, match=r"data public\.words: same 3 rows but their contents differ"):
        m.run(VerifyOperator(task_id="verify"))


@pytest.mark.parametrize(("by_chunk", "hole"), [(True, False), (False, False), (True, True)])
def test_a_split_table_loaded_as_a_hypertable_has_its_chunks_created_first(
    make_migration, servers, monkeypatch, by_chunk, hole
):
    """A PostgreSQL 15 table split into block ranges and loaded as a hypertable: its chunks exist before the rows
    load (none is created during the copy, which would make the copies wait for each other), each chunk is filled
    straight from its range on the source with its rows frozen, no seed row stays, and the whole verifies row for
    row. Chunks too small for a copy each (CHUNK_COPY_MIN_BYTES): the parts route their rows into them instead.
    A chunk range the copy does not know of (`hole`): its rows travel with those in no chunk, through the
    hypertable, and none is lost."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_plan, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_COPY_MIN_BYTES", 0 if by_chunk else 1 << 40)
    if hole:
        seed_run = parallel.ChunkSeed.run

        def without_a_middle_range(self, specs):
            return [dataclasses.replace(s, ranges=s.ranges[:3] + s.ranges[4:]) for s in seed_run(self, specs)]

        monkeypatch.setattr(parallel.ChunkSeed, "run", without_a_middle_range)
    m = make_migration(
        servers.pg15,
        servers.tsdb_target,
        target_extensions=("timescaledb",),
        dump_format="parallel",
        drain=False,
        hypertables=[{"table": "metrics", "time_column": "at", "chunk_interval": "6 hours"}],
    )
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute(
            "CREATE TABLE metrics (at timestamptz NOT NULL, sensor int NOT NULL, v float8, PRIMARY KEY (sensor, at))"
        )
        conn.execute("CREATE INDEX metrics_at ON metrics (at)")
        conn.execute(
            "INSERT INTO metrics SELECT timestamptz '2026-05-01 00:00+00' + g * interval '1 minute', "
            "g % 13, g / 7.0 FROM generate_series(1, 40000) g"
        )
        slices = conn.execute("SELECT count(DISTINCT floor(extract(epoch FROM at) / 21600)) FROM metrics").fetchone()[0]
    for op in phases():
        m.run(op)
    load = m.ti.xcoms["load"]
    assert load["split_tables"] == 1 and load["seeded_chunks"] == slices
    assert load.get("chunk_copies") == ((slices - hole) if by_chunk else None)
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] >= 40000
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM show_chunks('metrics')").fetchone() == (slices,)
        assert conn.execute("SELECT count(*) FROM metrics").fetchone() == (40000,)
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
        frozen = conn.execute(
            "SELECT bool_and(all_frozen) FROM show_chunks('metrics') AS c, pg_visibility_map(c) AS v"
        ).fetchone()[0]
        assert frozen == (by_chunk and not hole), "frozen exactly when each chunk was copied into (COPY FREEZE)"
