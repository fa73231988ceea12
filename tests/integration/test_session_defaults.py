"""Session defaults on real servers: database and role-in-database settings and the database's comment arrive on
the target, what the target refuses is shown at the gate, verify compares them and the source keeps its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from devtools.servers import Server
from tests.integration.test_operators import SAMPLES, phases, run_until
from timescale_migration.checks import findings
from timescale_migration.exceptions import VerificationError
from timescale_migration.operators import ReleaseSourceOperator, StopAppsOperator, VerifyOperator

pytestmark = pytest.mark.integration
SHOWN = ("search_path", "TimeZone", "statement_timeout", "work_mem")


def session_defaults(server: Server, db: str, role: str, password: str) -> dict[str, str]:
    """What a new session of `role` (logged in with its password, as the application does) shows."""
    with psycopg.connect(
        host=server.host, port=server.port, user=role, password=password, dbname=db, autocommit=True
    ) as conn:
        return {name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0] for name in SHOWN}


def stored_settings(server: Server, db: str) -> list[tuple[str | None, str]]:
    """pg_db_role_setting of `db` as (role, setting) pairs, and its comment as ("comment", text)."""
    with server.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.rolname, unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
            "s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = current_database()"
        ).fetchall()
        comment = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        ).fetchone()[0]
    return [*sorted([(role, setting) for role, setting in rows], key=str), ("comment", comment)]


def run_sql(server: Server, db: str, *statements: sql.Composable | str) -> None:
    """Each statement in its own autocommit step, as the superuser."""
    with server.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def roles(servers, unique) -> Iterator[dict[str, str]]:
    """An application login (created on the source, migrated) and a non-superuser target login like tsdbadmin
    (CREATEROLE, CREATEDB, owner of the target database); both dropped from both servers afterwards."""
    names = {
        "app": f"Cfg User {unique}",
        "app_password": f"app-pw-{unique}",
        "admin": f"tsm_admin_{unique}",
        "admin_password": f"admin-pw-{unique}",
    }
    yield names
    for server in (servers.pg15, servers.tsdb_source, servers.tsdb_target):
        with server.connect() as conn:
            for db in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"%{unique}"]).fetchall():
                server.drop_database(db[0])
            for role in (names["app"], names["admin"]):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def plant_settings(server: Server, db: str, app: str, password: str) -> None:
    """The issue's source: search_path and TimeZone on the database, statement_timeout for the application's role,
    a comment; plus a superuser-only parameter and a setting of the reserved role postgres."""
    ident = sql.Identifier(db)
    run_sql(
        server,
        db,
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(app), sql.Literal(password)),
        "CREATE SCHEMA app",
        "CREATE TABLE app.items (id int PRIMARY KEY, name text)",
        "INSERT INTO app.items SELECT g, 'item ' || g FROM generate_series(1, 100) g",
        sql.SQL("ALTER DATABASE {} SET search_path = app, public").format(ident),
        sql.SQL("ALTER DATABASE {} SET TimeZone = 'America/New_York'").format(ident),
        sql.SQL("ALTER ROLE {} IN DATABASE {} SET statement_timeout = '5s'").format(sql.Identifier(app), ident),
        sql.SQL("ALTER ROLE {} IN DATABASE {} SET work_mem = '8MB'").format(sql.Identifier(app), ident),
        sql.SQL("COMMENT ON DATABASE {} IS 'the shop''s database'").format(ident),
    )


def test_settings_arrive_refusals_are_shown_at_the_gate(make_migration, servers, roles, monkeypatch):
    """PostgreSQL 15 into a target whose login is no superuser: the application's session on the target shows the
    source's search_path, TimeZone and per-role settings; what the target refuses is listed at the gate and
    accepted by verify; release_source leaves the source's settings as they were."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), drain_timeout=1)
    app, password = roles["app"], roles["app_password"]
    plant_settings(servers.pg15, m.src_db, app, password)
    src = sql.Identifier(m.src_db)
    run_sql(
        servers.pg15,
        m.src_db,
        sql.SQL("ALTER DATABASE {} SET lc_messages = 'C'").format(src),  # only a superuser may set it
        sql.SQL("ALTER DATABASE {} SET tsm_ext.mode = 'fast'").format(src),  # an extension the target lacks
        sql.SQL("ALTER ROLE postgres IN DATABASE {} SET maintenance_work_mem = '77MB'").format(src),
    )
    admin = sql.Identifier(roles["admin"])
    run_sql(
        servers.tsdb_target,
        "postgres",
        sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB PASSWORD {}").format(
            admin, sql.Literal(roles["admin_password"])
        ),
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(m.tgt_db), admin),
        sql.SQL("ALTER DATABASE {} SET idle_in_transaction_session_timeout = '1h'").format(sql.Identifier(m.tgt_db)),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_IT_TARGET",
        servers.tsdb_target.conn_json(m.tgt_db, user=roles["admin"], password=roles["admin_password"]),
    )
    on_source = session_defaults(servers.pg15, m.src_db, app, password)
    assert on_source["search_path"] == "app, public" and on_source["TimeZone"] == "America/New_York"
    assert on_source["statement_timeout"] == "5s" and on_source["work_mem"] == "8MB"
    stored_before = stored_settings(servers.pg15, m.src_db)

    run_until(m, "check_versions")
    with servers.tsdb_target.connect(m.tgt_db) as conn:  # the check tried them all and rolled back
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                "WHERE d.datname = current_database() AND s.setrole = 0"
            ).fetchone()[0]
            == 1
        )
    gate = StopAppsOperator(task_id="stop_apps")
    m.run(gate)
    found = findings.collect(m.ti)  # besides these, roles other tests left on the shared target ("roles" check)
    assert len([f for f in found if f.check != "roles"]) == 5 and f"**{len(found)} preflight finding(s)**" in gate.body
    # and the objects of "postgres" going to the login:
    assert (
        '| warning | privileges | role "postgres" (reserved on the target) | 2 object(s) owned by it and 0 with '
        f'privileges of it on the source belong to the target\'s login {roles["admin"]} there: schema "app", '
        'table "app"."items" |'
    ) in gate.body
    assert "| warning | database settings | lc_messages = C (database-wide) |" in gate.body
    assert (
        'permission denied to set parameter \\"lc_messages\\"' in gate.body
        or 'permission denied to set parameter "lc_messages"' in gate.body
    )
    assert (
        "| warning | database settings | tsm_ext.mode = fast (database-wide) | the target refuses it (permission "
        'denied to set parameter "tsm_ext.mode"): the target does not know this parameter'
    ) in gate.body
    assert 'maintenance_work_mem = 77MB (for role "postgres") | not applied: role "postgres" is reserved' in gate.body
    assert "idle_in_transaction_session_timeout = 1h (target only)" in gate.body
    assert "statement_timeout" not in gate.body and "search_path" not in gate.body

    for op in phases()[[p.task_id for p in phases()].index("drain_source") :]:
        m.run(op)
    summary = m.ti.xcoms["verify"]
    assert summary["differences"] == []
    applied = m.ti.xcoms["apply_settings"]["applied"]
    assert "search_path = app, public (database-wide)" in applied
    assert f'statement_timeout = 5s (for role "{app}")' in applied and "the database's comment" in applied
    on_target = session_defaults(servers.tsdb_target, m.tgt_db, app, password)
    assert on_target == on_source
    page = Path(summary["report_html"]).read_text(encoding="utf-8")
    assert "Session defaults: database and role-in-database settings" in page
    assert "<code>database TimeZone</code></td><td>America/New_York</td><td>America/New_York</td>" in page
    assert "expected, shown at the stop_apps gate" in page
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert (
            conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
            ).fetchone()[0]
            == "the shop's database"
        )

    m.run(ReleaseSourceOperator(task_id="release_source"))
    assert stored_settings(servers.pg15, m.src_db) == stored_before
    assert session_defaults(servers.pg15, m.src_db, app, password) == on_source


def test_verify_fails_on_a_setting_changed_after_the_load(make_migration, servers, roles):
    """A database setting that differs on the target, not announced at the gate, fails verification naming it."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",))
    plant_settings(servers.pg15, m.src_db, roles["app"], roles["app_password"])
    run_until(m, "apply_settings")
    run_sql(
        servers.tsdb_target,
        m.tgt_db,
        sql.SQL("ALTER ROLE {} IN DATABASE {} SET statement_timeout = '1min'").format(
            sql.Identifier(roles["app"]), sql.Identifier(m.tgt_db)
        ),
    )
    with pytest.raises(
        VerificationError,
        match=r"database settings role \"Cfg User .*\" statement_timeout: "
        r"differs: source '5s', target '1min'",
    ):
        m.run(VerifyOperator(task_id="verify"))


def test_rehearsal_scratch_database_gets_the_settings(make_migration, servers, roles, unique):
    """A TimescaleDB source rehearsed into a scratch database (parallel format): the scratch database gets the
    settings, timescaledb.restoring (set by pre_restore) is neither copied nor left, the source is untouched."""
    scratch = f"tsm_rehearsal_it_{unique}"
    m = make_migration(
        servers.tsdb_source,
        servers.tsdb_target,
        tgt_db=scratch,
        target_database=scratch,
        rehearsal=True,
        dump_format="parallel",
        target_extensions=("timescaledb",),
    )
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    app, password = roles["app"], roles["app_password"]
    plant_settings(servers.tsdb_source, m.src_db, app, password)
    on_source = session_defaults(servers.tsdb_source, m.src_db, app, password)
    stored_before = stored_settings(servers.tsdb_source, m.src_db)
    run_until(m, "load")
    with servers.tsdb_target.connect(scratch) as conn:  # restore mode: the migration's own database setting
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_db_role_setting s, unnest(s.setconfig) c "
                "WHERE c LIKE 'timescaledb.restoring%' "
                "AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()[0]
            == 1
        )
    for op in phases()[[p.task_id for p in phases()].index("post_restore") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    assert session_defaults(servers.tsdb_target, scratch, app, password) == on_source
    assert not [s for r, s in stored_settings(servers.tsdb_target, scratch) if s and "timescaledb.restoring" in s]
    assert stored_settings(servers.tsdb_source, m.src_db) == stored_before
