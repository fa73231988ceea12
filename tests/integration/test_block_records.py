"""The drain's block record on real servers: kept on the source server, it survives the work directory, serves
every connection id to one database, keeps the earliest grants, and release refuses without one."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.test_downtime_window import app_connect, can_connect
from tests.integration.test_operators import run_until
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators import (
    CheckExtensionsOperator,
    CheckVersionsOperator,
    DrainSourceOperator,
    ReleaseSourceOperator,
)

pytestmark = pytest.mark.integration
RECORD = (
    "SELECT revoked, granted, first_run, runs, released_at IS NOT NULL FROM timescale_migration.connect_blocks "
    "WHERE database_name = %s"
)


@pytest.fixture
def roles(servers, unique):
    """Two application logins on the source server: `app` connects through PUBLIC, `report` by its own grant."""
    names = {"app": f"app_{unique}", "report": f"Report {unique}"}
    with servers.pg15.connect() as conn:
        for name in names.values():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'pw'").format(sql.Identifier(name)))
    yield names
    with servers.pg15.connect() as conn:
        for name in names.values():  # DROP OWNED also revokes its CONNECT on databases
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def acl_effect(server, db: str, names: dict[str, str]) -> dict[str, bool]:
    """Who may connect to `db`: the application roles and PUBLIC."""
    with server.connect() as conn:
        effect = {key: can_connect(conn, name, db) for key, name in names.items()}
        effect["PUBLIC"] = conn.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", [db]).fetchone()[0]
    return effect


def record_row(server, db: str) -> tuple | None:
    """The block record of `db` as a DBA reads it in the postgres database."""
    with server.connect("postgres") as conn:
        return conn.execute(RECORD, [db]).fetchone()


def grant_report(server, db: str, names: dict[str, str]) -> None:
    """Give `report` CONNECT of its own."""
    with server.connect() as conn:
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), sql.Identifier(names["report"]))
        )


def test_record_survives_the_loss_of_the_work_directory(make_migration, servers, roles, work_dir):
    """The record is on the source server: with the work directory gone (another worker, a reboot), release_source
    still gives CONNECT back exactly, and marks the record released."""
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
    grant_report(servers.pg15, m.src_db, roles)
    before = acl_effect(servers.pg15, m.src_db, roles)
    assert before == {"app": True, "report": True, "PUBLIC": True}
    run_until(m, "stop_apps")
    drained = m.run(DrainSourceOperator(task_id="drain_source"))
    assert drained["action"] == "new"
    assert acl_effect(servers.pg15, m.src_db, roles) == {"app": False, "report": False, "PUBLIC": False}
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        app_connect(servers.pg15, m.src_db, roles["app"], "pw")
    shutil.rmtree(work_dir)
    assert not Path(work_dir).exists()
    released = m.run(ReleaseSourceOperator(task_id="release_source"))
    assert released["released"] is True
    assert sorted(released["restored"]) == sorted(["PUBLIC", roles["report"]])
    assert acl_effect(servers.pg15, m.src_db, roles) == before
    app_connect(servers.pg15, m.src_db, roles["app"], "pw").close()
    assert record_row(servers.pg15, m.src_db)[4] is True


def test_two_connection_ids_to_one_database(make_migration, servers, roles, monkeypatch, unique):
    """A second drain through another connection id (another host name and login) to the same database finds the
    first block: it keeps the earliest record, and a release through a third id restores the original grants."""
    other = f"mig2_{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD 'pw2'").format(sql.Identifier(other)))
    try:
        m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
        grant_report(servers.pg15, m.src_db, roles)
        before = acl_effect(servers.pg15, m.src_db, roles)
        first = m.run(DrainSourceOperator(task_id="drain_source"))
        monkeypatch.setenv(
            "AIRFLOW_CONN_IT_SOURCE_ALIAS",
            servers.pg15.conn_json(m.src_db, user=other, password="pw2").replace('"127.0.0.1"', '"localhost"'),
        )
        m.params["source_conn_id"] = "it_source_alias"
        m.ti.run_id = "manual__second_run"
        second = m.run(DrainSourceOperator(task_id="drain_source"))
        assert second["action"] == "kept"
        assert second["revoked"] == first["revoked"] and second["blocked_by_run"] == first["blocked_by_run"]
        revoked, granted, first_run, runs, released = record_row(servers.pg15, m.src_db)
        assert revoked == first["revoked"] and granted == [] and not released
        assert runs == [first_run, "migrate_database/manual__second_run"]
        monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE_THIRD", servers.pg15.conn_json(m.src_db))
        m.params["source_conn_id"] = "it_source_third"
        assert m.run(ReleaseSourceOperator(task_id="release_source"))["released"] is True
        assert acl_effect(servers.pg15, m.src_db, roles) == before
    finally:
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(other)))


def test_release_without_a_record_refuses(make_migration, servers, roles):
    """A database no drain blocked: release fails saying where it looked, and changes nothing."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    before = acl_effect(servers.pg15, m.src_db, roles)
    with pytest.raises(MigrationError, match=r"no block record for source 'it_source' .*Nothing was granted"):
        m.run(ReleaseSourceOperator(task_id="release_source"))
    assert acl_effect(servers.pg15, m.src_db, roles) == before
    assert record_row(servers.pg15, m.src_db) is None


def test_owner_login_without_rights_on_the_records_revokes_nothing(make_migration, servers, roles, unique, monkeypatch):
    """A database owner that is not a superuser may block its database, but not write the records kept by a
    superuser: the drain stops before revoking; once a DBA grants what the message says, drain and release work."""
    owner = f"owner_{unique}"
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'pw'").format(sql.Identifier(owner)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(m.src_db), sql.Identifier(owner)))
    try:
        m.run(DrainSourceOperator(task_id="drain_source"))  # as postgres: the table exists from now on
        m.run(ReleaseSourceOperator(task_id="release_source"))
        before = acl_effect(servers.pg15, m.src_db, roles)
        monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", servers.pg15.conn_json(m.src_db, user=owner, password="pw"))
        m.ti.run_id = "manual__as_owner"
        m.run(CheckExtensionsOperator(task_id="check_extensions"))
        with pytest.raises(MigrationError, match=rf"login {owner} may not write that table. Nothing was changed"):
            m.run(CheckVersionsOperator(task_id="check_versions"))  # refused before the gate
        with pytest.raises(MigrationError, match=rf"login {owner} may not write that table. Nothing was revoked"):
            m.run(DrainSourceOperator(task_id="drain_source"))
        assert acl_effect(servers.pg15, m.src_db, roles) == before
        with servers.pg15.connect("postgres") as conn:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA timescale_migration TO {}").format(sql.Identifier(owner)))
            conn.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE ON timescale_migration.connect_blocks TO {}").format(
                    sql.Identifier(owner)
                )
            )
        m.run(CheckVersionsOperator(task_id="check_versions"))
        assert m.run(DrainSourceOperator(task_id="drain_source"))["granted"] == []
        assert acl_effect(servers.pg15, m.src_db, roles)["app"] is False
        m.run(ReleaseSourceOperator(task_id="release_source"))
        assert acl_effect(servers.pg15, m.src_db, roles) == before
    finally:
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO postgres").format(sql.Identifier(m.src_db)))
        with servers.pg15.connect("postgres") as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(owner)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))


def test_release_after_a_role_was_dropped(make_migration, servers, roles, unique):
    """A role dropped while the source was blocked gets nothing back; everyone else does, and the release passes."""
    retired = f"retired_{unique}"
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(retired)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(m.src_db), sql.Identifier(retired))
        )
    assert retired in m.run(DrainSourceOperator(task_id="drain_source"))["revoked"]
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(retired)))  # its CONNECT went with the block
    assert m.run(ReleaseSourceOperator(task_id="release_source"))["released"] is True
    assert acl_effect(servers.pg15, m.src_db, roles) == {"app": True, "report": True, "PUBLIC": True}


def test_rollback_of_a_second_run_keeps_the_first_block(make_migration, servers, roles):
    """A run that finds the source blocked by an earlier one (a cutover) and is rolled back at switch_apps leaves
    it blocked, as before it; the release_source DAG's task then gives everything back."""
    m = make_migration(servers.pg15, servers.tsdb_target, drain_timeout=0)
    before = acl_effect(servers.pg15, m.src_db, roles)
    m.ti.run_id = "manual__cut_over"
    m.run(DrainSourceOperator(task_id="drain_source"))
    m.ti.run_id = "manual__rolled_back"
    assert m.run(DrainSourceOperator(task_id="drain_source"))["action"] == "kept"
    rollback = m.run(ReleaseSourceOperator(task_id="release_source", forget_migration=True))
    assert rollback == {"released": False, "blocked_by_run": "migrate_database/manual__cut_over"}
    assert acl_effect(servers.pg15, m.src_db, roles) == {"app": False, "report": False, "PUBLIC": False}
    assert m.run(ReleaseSourceOperator(task_id="release_source"))["released"] is True
    assert acl_effect(servers.pg15, m.src_db, roles) == before
