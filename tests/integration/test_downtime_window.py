"""The downtime window against real servers: drain and release, the load lock, room for the dump."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.test_operators import phases, run_until
from timescale_migration.db import sqlfiles
from timescale_migration.exceptions import MigrationError, PermanentError
from timescale_migration.operators import (
    CheckVersionsOperator,
    DrainSourceOperator,
    LoadOperator,
    ReleaseSourceOperator,
)

pytestmark = pytest.mark.integration
LOCK_SQL = sqlfiles.text("databases/advisory_lock_target")


@pytest.fixture
def app_role(servers, unique):
    """An application login on the source server (no superuser), dropped afterwards."""
    role, password = f"app_{unique}", f"app-pw-{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    yield role, password
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def app_connect(server, db: str, role: str, password: str) -> psycopg.Connection:
    """A session as the application would open it."""
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=role,
        password=password,
        dbname=db,
        application_name="shop-api",
        autocommit=True,
    )


def can_connect(privileges: psycopg.Connection, role: str, db: str) -> bool:
    """has_database_privilege(role, db, CONNECT) as the server sees it."""
    return privileges.execute("SELECT has_database_privilege(%s, %s, 'CONNECT')", [role, db]).fetchone()[0]


def test_drain_blocks_applications_and_release_restores_them(make_migration, servers, app_role):
    """After drain_source the application cannot connect, the migration can; release_source undoes it exactly."""
    role, password = app_role
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=1)
    with servers.pg15.connect() as conn:
        before = {r: can_connect(conn, r, m.src_db) for r in (role, "postgres")}
        acl_before = conn.execute("SELECT datacl::text FROM pg_database WHERE datname = %s", [m.src_db]).fetchone()
    assert before == {role: True, "postgres": True}
    run_until(m, "stop_apps")
    result = m.run(DrainSourceOperator(task_id="drain_source"))
    assert result["drained"] and result["revoked"] == ["PUBLIC"]
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        app_connect(servers.pg15, m.src_db, role, password)
    run_until(m, "verify")  # the migration's own login keeps working through every later phase
    assert m.ti.xcoms["verify"]["differences"] == []
    assert "timescale_migration.connect_blocks in database 'postgres'" in result["record"]
    released = m.run(ReleaseSourceOperator(task_id="release_source"))
    assert released["released"] and released["restored"] == ["PUBLIC"]
    app_connect(servers.pg15, m.src_db, role, password).close()
    with servers.pg15.connect() as conn:
        assert {r: can_connect(conn, r, m.src_db) for r in (role, "postgres")} == before
        acl_after = conn.execute("SELECT datacl::text FROM pg_database WHERE datname = %s", [m.src_db]).fetchone()
    assert acl_before == (None,) and acl_after[0] is not None  # an explicit ACL now, with the same effect
    again = m.run(ReleaseSourceOperator(task_id="release_source"))
    assert again["released"] is False and again["released_by"].startswith("migrate_database/")


def test_drain_waits_then_names_open_sessions(make_migration, servers, app_role):
    """An application session still open after the timeout fails the drain, naming it; the block stays."""
    role, password = app_role
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=1)
    run_until(m, "stop_apps")
    app = app_connect(servers.pg15, m.src_db, role, password)
    try:
        with pytest.raises(MigrationError, match=rf"still open .*{role} \(shop-api\)"):
            m.run(DrainSourceOperator(task_id="drain_source"))
        assert not app.closed and app.execute("SELECT 1").fetchone() == (1,)
    finally:
        app.close()
    assert m.run(DrainSourceOperator(task_id="drain_source"))["drained"], "a retry after the session ended passes"
    m.run(ReleaseSourceOperator(task_id="release_source"))


def test_drain_waits_in_the_trigger_until_sessions_close(make_migration, servers, app_role):
    """The drain defers; SessionsClosedTrigger polls the real source and fires once the application's session
    ends (here after about 3 s, well before drain_timeout); drain_source then succeeds, its record kept."""
    role, password = app_role
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=60)
    run_until(m, "stop_apps")
    app = app_connect(servers.pg15, m.src_db, role, password)
    closer = threading.Timer(3.0, app.close)
    closer.start()
    started = time.monotonic()
    try:
        result = m.run(DrainSourceOperator(task_id="drain_source"))
    finally:
        closer.cancel()
        app.close()
    waited = time.monotonic() - started
    assert result["drained"] and result["revoked"] == ["PUBLIC"]
    assert 3.0 <= waited < 30, waited
    m.run(ReleaseSourceOperator(task_id="release_source"))


def test_drain_terminates_sessions_when_asked(make_migration, servers, app_role):
    """terminate_sessions ends what is still open after the timeout."""
    role, password = app_role
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0, terminate_sessions=True)
    run_until(m, "stop_apps")
    app = app_connect(servers.pg15, m.src_db, role, password)
    m.run(DrainSourceOperator(task_id="drain_source"))
    with pytest.raises(psycopg.OperationalError):
        app.execute("SELECT 1")
    m.run(ReleaseSourceOperator(task_id="release_source"))


def test_second_load_into_the_same_target_is_refused(make_migration, servers):
    """While one run holds the target's load lock, another run's load fails at once saying so."""
    m = make_migration(servers.pg15, servers.tsdb_target, drain=False)
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10) g")
    run_until(m, "pre_restore")
    holder = psycopg.connect(
        host=servers.tsdb_target.host,
        port=servers.tsdb_target.port,
        user="postgres",
        password=servers.tsdb_target.password,
        dbname=m.tgt_db,
        application_name="timescale-migration",
        autocommit=True,
    )
    try:
        assert holder.execute(LOCK_SQL).fetchone() == (True,)
        with pytest.raises(MigrationError, match=r"another migration is loading into .*\(session pid \d+ of postgres"):
            m.run(LoadOperator(task_id="load"))
    finally:
        holder.close()
    m.run(LoadOperator(task_id="load"))
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 10


def test_too_little_room_for_the_dump_is_refused_before_the_gate(make_migration, servers, small_disk):
    """A source with ~5 MB of table data and a 1 MB work directory: check_versions fails, naming both sizes."""
    m = make_migration(servers.pg15, servers.tsdb_target, work_dir=str(small_disk))
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE big AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 10000) g")
    run_until(m, "check_extensions")
    with pytest.raises(MigrationError, match=r"not enough room for the dump in .*: 1\.0 MB free, about [5-9]\.\d MB"):
        m.run(CheckVersionsOperator(task_id="check_versions"))
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").fetchone() == (
            0,
        )


def test_every_phase_is_safe_to_run_twice(make_migration, servers):
    """Running each phase again (a retry) before the next one leaves a verified target."""
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE t (id serial PRIMARY KEY, v text)")
        conn.execute("INSERT INTO t (v) SELECT 'v' || g FROM generate_series(1, 500) g")
    for op in phases():
        m.run(op)
        if op.task_id in ("load",):
            continue  # load refuses a second run by design (tested elsewhere)
        m.run(type(op)(task_id=op.task_id))
    assert m.ti.xcoms["verify"]["differences"] == []
    m.run(ReleaseSourceOperator(task_id="release_source"))


def test_lock_is_free_again_after_a_failed_load(make_migration, servers):
    """A load that fails releases the target's lock with its session: the next attempt is not locked out."""
    m = make_migration(servers.pg15, servers.tsdb_target, drain=False)
    run_until(m, "pre_restore")
    dump = Path(m.ti.xcoms["dump_data"]["dump_file"])
    dump.write_text("SELECT 1/0;\n", encoding="utf-8")
    with pytest.raises(PermanentError, match="division by zero"):  # an SQL error: not retried
        m.run(LoadOperator(task_id="load"))
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute(LOCK_SQL).fetchone() == (True,)
