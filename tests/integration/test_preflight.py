"""Each check before the downtime on the real servers: the problem planted in a real database finds it, the clean
case passes; and both check tasks together refuse a run once, naming every blocking finding."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from psycopg import sql

from tests.support.fakes import RecordingLog
from timescale_migration.checks import extensions, locales, locks, objects, preflight, replication, space
from timescale_migration.checks.findings import BLOCKING, PREFLIGHT_FILE, WARNING, Finding
from timescale_migration.checks.preflight import Preflight
from timescale_migration.exceptions import PreflightRefused
from timescale_migration.operators import CheckExtensionsOperator, CheckVersionsOperator

pytestmark = pytest.mark.integration


@contextmanager
def checks_on(m) -> Iterator[Preflight]:
    """A Preflight on the migration's two databases, as check_versions opens it."""
    op = CheckVersionsOperator(task_id="check_versions")
    source, target = op.endpoints(m.context)
    with preflight.opened(
        op.migration_options(m.context), source, target, op.run_dir(m.context), RecordingLog()
    ) as pre:
        yield pre


def run(m, *checks) -> list[Finding]:
    """The findings of these checks on the migration's databases."""
    with checks_on(m) as pre:
        return preflight.run(checks, pre)


def on_source(m, *statements: str) -> None:
    with m.source.connect(m.src_db) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture
def target_login(servers, monkeypatch, unique):
    """Factory: the target's connection becomes a login without superuser (with the given attributes) that owns
    the target database and its public schema, as on Timescale; dropped afterwards with what it owns."""
    made: list[tuple[str, str]] = []

    def make(m, *attributes: str, roles: tuple[str, ...] = ()) -> str:
        role, password = f"tsm_login_{unique}", f"pw-{unique}-x"
        with servers.tsdb_target.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN {} PASSWORD {}").format(
                    sql.Identifier(role), sql.SQL(" ".join(attributes)), sql.Literal(password)
                )
            )
            for granted in roles:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(granted), sql.Identifier(role)))
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(m.tgt_db), sql.Identifier(role))
            )
        with servers.tsdb_target.connect(m.tgt_db) as conn:
            conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
        monkeypatch.setenv(
            "AIRFLOW_CONN_IT_TARGET", servers.tsdb_target.conn_json(m.tgt_db, user=role, password=password)
        )
        made.append((role, m.tgt_db))
        return role

    yield make
    for role, database in made:
        servers.tsdb_target.drop_database(database)
        with servers.tsdb_target.connect() as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- objects only a superuser may create ------------------------------------------------------------------------------


SUPERUSER_ONLY = (
    "CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'ddl'; END$$",
    "CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl()",
    "CREATE FUNCTION my_abs(int) RETURNS int AS 'int4abs' LANGUAGE internal IMMUTABLE STRICT",
    "CREATE FUNCTION my_handler() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE c",
    "CREATE CAST (text AS bytea) WITHOUT FUNCTION",
    "CREATE OPERATOR FAMILY my_family USING btree",
)


def test_objects_only_a_superuser_may_create_block_a_target_without_superuser(make_migration, servers, target_login):
    """An event trigger, an internal and a C function, a binary cast between built-in types and an operator family:
    one blocking finding per kind, each naming its objects; the same source passes into a superuser target."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, *SUPERUSER_ONLY, "CREATE FUNCTION fine() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    assert run(m, objects.superuser_only) == []  # the target's login is postgres
    target_login(m, "CREATEROLE")
    found = run(m, objects.superuser_only)
    assert {f.severity for f in found} == {BLOCKING}
    subjects = sorted(f.subject for f in found)
    assert subjects == [
        "1 cast(s): (text AS bytea)",
        "1 event trigger(s): log_ddl",
        "1 function in language c(s): my_handler()",
        "1 function in language internal(s): my_abs(integer)",
        "1 operator family(s): public.my_family",
    ]
    trigger = next(f for f in found if "event trigger" in f.subject)
    assert "only a superuser may create them" in trigger.message and "DROP EVENT TRIGGER" in trigger.remedy
    assert "fine()" not in " ".join(f.describe() for f in found)


def test_a_clean_source_has_nothing_only_a_superuser_may_create(make_migration, servers, target_login):
    """Tables, plpgsql and sql functions, an aggregate (its pg_proc row says language internal), a trusted
    extension: nothing to report for a login without superuser."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(
        m,
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "CREATE EXTENSION pg_trgm",
        "CREATE AGGREGATE joined(text) (sfunc = textcat, stype = text)",
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$",
        "CREATE INDEX ON t USING gin (v gin_trgm_ops)",
    )
    target_login(m, "CREATEROLE")
    assert run(m, objects.superuser_only, objects.subscriptions, extensions.creatable) == []


def test_foreign_servers_need_usage_on_their_wrapper(make_migration, servers, target_login, unique):
    """postgres_fdw created in the target database by a superuser: a foreign server of the source blocks for a login
    without USAGE on the wrapper, and passes once it is granted."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(
        m,
        "CREATE EXTENSION postgres_fdw",
        "CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', dbname 'x')",
    )
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute("CREATE EXTENSION postgres_fdw")
    login = target_login(m, "CREATEROLE")
    found = run(m, objects.foreign_servers)
    assert [(f.severity, f.subject) for f in found] == [(BLOCKING, "foreign server(s) elsewhere")]
    assert f"GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO {login}" in found[0].remedy
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute(sql.SQL("GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO {}").format(sql.Identifier(login)))
    assert run(m, objects.foreign_servers) == []


def test_subscriptions_need_a_login_that_may_create_them(make_migration, servers, target_login, unique):
    """A subscription on the source: blocking for a login without pg_create_subscription, a warning (created
    disabled) for one with it."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    name = f"tsm_sub_{unique}"
    on_source(
        m,
        f"CREATE SUBSCRIPTION {name} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p "
        "WITH (connect = false)",
    )
    try:
        target_login(m, "CREATEROLE")
        found = run(m, objects.subscriptions)
        assert [(f.severity, f.subject) for f in found] == [(BLOCKING, f"subscription(s) {name}")]
        assert "pg_create_subscription" in found[0].message
        with servers.tsdb_target.connect() as conn:
            conn.execute(f"GRANT pg_create_subscription TO tsm_login_{unique}")
        found = run(m, objects.subscriptions)
        assert [f.severity for f in found] == [WARNING] and "disabled" in found[0].message
    finally:
        on_source(m, f"ALTER SUBSCRIPTION {name} SET (slot_name = NONE)", f"DROP SUBSCRIPTION {name}")


# --- roles ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def source_roles(servers, unique):
    """Roles of the source server (cluster-wide), dropped afterwards: one with CREATEDB, one with REPLICATION."""
    names = {"createdb": f"tsm_cdb_{unique}", "replication": f"tsm_rep_{unique}"}
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(names["createdb"])))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN REPLICATION").format(sql.Identifier(names["replication"])))
    yield names
    with servers.pg15.connect() as conn:
        for name in names.values():
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_roles_the_login_cannot_create(make_migration, servers, target_login, source_roles):
    """No CREATEROLE: every role to create is blocking; CREATEROLE without CREATEDB: the CREATEDB role blocks
    (PostgreSQL 17 refuses to give it) and the REPLICATION role is a warning (roles.sql drops the attribute)."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    login = target_login(m)
    found = run(m, objects.roles)
    assert [f.severity for f in found] == [BLOCKING]
    assert source_roles["createdb"] in found[0].describe() and f"give {login} CREATEROLE" in found[0].remedy
    with servers.tsdb_target.connect() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(login)))
    found = run(m, objects.roles)
    blocking = [f for f in found if f.severity == BLOCKING]
    assert [f.subject for f in blocking] == [f"CREATEDB of role(s) {source_roles['createdb']}"]
    warned = " ".join(f.describe() for f in found if f.severity == WARNING)
    assert f"{source_roles['replication']} (REPLICATION)" in warned


def test_roles_a_login_with_the_attributes_creates_pass(make_migration, servers, target_login, source_roles):
    """CREATEROLE and CREATEDB: nothing blocks; roles=false: nothing is asked."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    target_login(m, "CREATEROLE", "CREATEDB")
    assert [f for f in run(m, objects.roles) if f.severity == BLOCKING] == []
    m.params["roles"] = False
    assert run(m, objects.roles) == []


# --- extensions -------------------------------------------------------------------------------------------------------


def test_extensions_missing_older_and_newer(make_migration, servers, target_login):
    """adminpack (PostgreSQL 15 only) is missing; pageinspect 1.11 becomes the target's newer default (a warning
    verify accepts) or meets an older version the target database has (blocking); an untrusted extension the
    target's login may not create blocks."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, "CREATE EXTENSION adminpack", "CREATE EXTENSION pageinspect")
    found = run(m, extensions.missing, extensions.versions)
    assert [(f.severity, f.subject) for f in found] == [
        (BLOCKING, "extension adminpack 2.1"),
        (WARNING, "extension pageinspect: source 1.11, target 1.12"),
    ]
    assert found[1].expected == ("extensions", "pageinspect")
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute("CREATE EXTENSION pageinspect VERSION '1.8'")
    found = run(m, extensions.versions)
    assert [(f.severity, f.subject) for f in found] == [(BLOCKING, "extension pageinspect: source 1.11, target 1.8")]
    assert "CREATE EXTENSION pageinspect VERSION '1.11'" in found[0].remedy
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute("DROP EXTENSION pageinspect")
    target_login(m, "CREATEROLE")
    found = run(m, extensions.creatable)
    assert [(f.severity, f.subject) for f in found] == [(BLOCKING, "extension(s) pageinspect")]
    assert "permission denied" in found[0].message
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pageinspect'").fetchone() == (0,)


def test_extensions_the_target_has_alike_pass(make_migration, servers):
    """pg_trgm and hstore exist at the same versions on both servers: nothing to report."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, "CREATE EXTENSION pg_trgm", "CREATE EXTENSION hstore")
    assert run(m, extensions.missing, extensions.versions, extensions.creatable) == []


# --- locks ------------------------------------------------------------------------------------------------------------


def test_more_relations_than_max_locks_per_transaction(make_migration, servers):
    """300 tables (and their sequences) on a server with max_locks_per_transaction 256: pg_dump borrows from the
    shared lock table, a warning naming the setting and the value to raise it to; 20 tables: nothing."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, "DO $$BEGIN FOR i IN 1..20 LOOP EXECUTE format('CREATE TABLE t%s (id serial)', i); END LOOP; END$$")
    assert run(m, locks.lock_table) == []
    on_source(m, "DO $$BEGIN FOR i IN 21..300 LOOP EXECUTE format('CREATE TABLE t%s (id int)', i); END LOOP; END$$")
    found = run(m, locks.lock_table)
    assert [(f.severity, f.subject) for f in found] == [
        (WARNING, f"lock table of source 'it_source' (127.0.0.1:{servers.pg15.port}/{m.src_db} as postgres)")
    ]
    assert (
        "pg_dump locks 320 relations in one transaction, more than max_locks_per_transaction 256" in found[0].message
        and "tried now: they fit" in found[0].message
    )
    assert "max_locks_per_transaction = 4" in found[0].remedy  # 320 * 1.2 / 100, rounded up


def test_a_lock_table_too_small_when_tried_blocks(small_lock_table, make_migration, servers):
    """A source whose lock table cannot hold what the dump locks: tried (rolled back), it fails with out of shared
    memory, as pg_dump itself does on it; blocking before the gate, naming the value to raise the setting to. The
    try holds no lock afterwards."""
    m = make_migration(small_lock_table, servers.tsdb_target)
    with small_lock_table.connect(m.src_db) as conn:
        for i in range(1500):  # each table in its own transaction: creating them must not need the locks
            conn.execute(sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(f"t{i}")))
    found = run(m, locks.lock_table)
    assert [f.severity for f in found] == [BLOCKING]
    assert "1,500 relations locked in 1 session(s)" in found[0].message
    assert "failed with 'out of shared memory'" in found[0].message
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(small_lock_table.port),
        "PGUSER": "postgres",
        "PGDATABASE": m.src_db,
    }
    dump = subprocess.run([f"{servers.bin_dir}/pg_dump", "--schema-only"], env=env, capture_output=True, text=True)
    assert dump.returncode != 0 and "out of shared memory" in dump.stderr  # what the check foresaw
    with small_lock_table.connect(m.src_db) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_locks WHERE relation IS NOT NULL AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            == 0
        )


# --- encoding, locale, collations, tablespaces ---------------------------------------------------------------------


def recreate(server, database: str, options: str) -> None:
    """Drop and create a database with encoding and locale options (from template0)."""
    with server.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 " + options).format(sql.Identifier(database)))


def test_another_encoding_and_locale(make_migration, servers):
    """A LATIN1 source with LC_COLLATE and LC_CTYPE C into a UTF8 C.UTF-8 target: three warnings; a UTF8 source
    into a LATIN1 target: blocking."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    recreate(servers.pg15, m.src_db, "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'")
    found = run(m, locales.encoding_and_locale)
    assert [(f.severity, f.subject) for f in found] == [
        (WARNING, "encoding: source LATIN1, target UTF8"),
        (WARNING, "LC_COLLATE: source C, target C.UTF-8"),
        (WARNING, "LC_CTYPE: source C, target C.UTF-8"),
    ]
    recreate(servers.pg15, m.src_db, "ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    recreate(servers.tsdb_target, m.tgt_db, "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'")
    found = run(m, locales.encoding_and_locale)
    assert (found[0].severity, found[0].subject) == (BLOCKING, "encoding: source UTF8, target LATIN1")


def test_an_icu_source_and_its_collations(make_migration, servers):
    """An ICU database on PostgreSQL 15 (ICU 72) into a libc target: the provider differs (a warning); a column of
    pg_catalog's "yi-001-x-icu", which the target's ICU does not have, blocks; a column of "de-x-icu" is a warning
    (another ICU version); a user collation the target can create passes."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    recreate(servers.pg15, m.src_db, "LOCALE_PROVIDER icu ICU_LOCALE 'und' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    found = run(m, locales.encoding_and_locale)
    assert [f.subject for f in found] == ["locale provider: source icu, target libc"]
    on_source(
        m,
        "CREATE COLLATION public.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
        'CREATE TABLE words (w text COLLATE public.nocase, g text COLLATE "de-x-icu")',
    )
    found = run(m, locales.collations)
    assert [(f.severity, f.subject) for f in found] == [(WARNING, 'collation version(s) of pg_catalog."de-x-icu"')]
    on_source(m, 'ALTER TABLE words ADD COLUMN y text COLLATE "yi-001-x-icu"')
    found = run(m, locales.collations)
    assert (found[0].severity, found[0].subject) == (BLOCKING, 'collation(s) pg_catalog."yi-001-x-icu"')


def test_same_locale_and_default_collations_pass(make_migration, servers):
    """Both databases UTF8 and C.UTF-8, columns of the default collation and of "C": nothing to report."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, 'CREATE TABLE t (a text, b text COLLATE "C")')
    assert run(m, locales.encoding_and_locale, locales.collations, locales.tablespaces) == []


def test_tablespaces_in_use(make_migration, servers, unique, tmp_path):
    """A table in a tablespace of its own: a warning that everything lands in the target's default tablespace."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    where = Path(f"/tmp/tsm_space_{unique}")
    where.mkdir()
    shutil.chown(where, "postgres", "postgres")
    name = f"tsm_space_{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(sql.Identifier(name), sql.Literal(str(where))))
    try:
        on_source(m, f"CREATE TABLE t (id int) TABLESPACE {name}")
        found = run(m, locales.tablespaces)
        assert [(f.severity, f.subject) for f in found] == [(WARNING, f"tablespace(s) {name}")]
        assert f"{name} (1 relation(s))" in found[0].message and "--no-tablespaces" in found[0].message
    finally:
        on_source(m, "DROP TABLE IF EXISTS t")
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(name)))
        shutil.rmtree(where, ignore_errors=True)


# --- replication ------------------------------------------------------------------------------------------------------


def test_replication_slots_and_publications(make_migration, servers, target_login, unique):
    """A physical slot (a warning: it does not move), a publication of one table (a warning: subscribers stay with
    the source) and one of all tables (blocking for a login without superuser)."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    slot = f"tsm_slot_{unique}"
    on_source(m, "CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION one FOR TABLE t")
    with servers.pg15.connect() as conn:
        conn.execute("SELECT pg_create_physical_replication_slot(%s)", [slot])
    try:
        found = run(m, replication.slots_and_publications)
        assert [(f.severity, f.subject) for f in found] == [
            (WARNING, f"replication slot {slot}"),
            (WARNING, "publication(s) one"),
        ]
        on_source(m, "CREATE PUBLICATION everything FOR ALL TABLES")
        target_login(m, "CREATEROLE")
        found = run(m, replication.slots_and_publications)
        assert (found[-1].severity, found[-1].subject) == (BLOCKING, "publication(s) everything")
    finally:
        with servers.pg15.connect() as conn:
            conn.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    assert run(m, replication.slots_and_publications)[0].subject == "publication(s) everything, one"


def test_no_slot_no_publication_passes(make_migration, servers):
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, "CREATE TABLE t (id int)")
    assert run(m, replication.slots_and_publications) == []


def test_a_check_that_cannot_read_its_catalog_is_a_finding(make_migration, servers, monkeypatch, unique):
    """A source login that may not read pg_publication (revoked in that database): the replication check is a
    blocking finding naming the server's refusal, never a silent pass."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    role = f"tsm_reader_{unique}"
    with servers.pg15.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'pw-x1'").format(sql.Identifier(role)))
    on_source(m, "REVOKE SELECT ON pg_catalog.pg_publication FROM PUBLIC")
    monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", servers.pg15.conn_json(m.src_db, user=role, password="pw-x1"))
    try:
        found = run(m, replication.slots_and_publications)
        assert [(f.check, f.severity, f.subject) for f in found] == [
            ("replication", BLOCKING, "replication slots and publications")
        ]
        assert found[0].message == (
            "the check could not run: permission denied for table pg_publication (SQLSTATE 42501)"
        )
    finally:
        servers.pg15.drop_database(m.src_db)
        with servers.pg15.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- room -------------------------------------------------------------------------------------------------------------


def test_room_for_the_dump_by_format(make_migration, servers, small_disk):
    """~5 MB of table data and a 1 MB work directory: plain and directory need room for all of it (blocking);
    stream writes no dump, parallel's skeleton holds only the tables under 1 MB (both pass)."""
    m = make_migration(servers.pg15, servers.tsdb_target, work_dir=str(small_disk))
    on_source(m, "CREATE TABLE big AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 10000) g")
    for fmt, severities in (("plain", [BLOCKING]), ("directory", [BLOCKING]), ("stream", []), ("parallel", [])):
        m.params["dump_format"] = fmt
        found = run(m, space.work_dir)
        assert [f.severity for f in found] == severities, fmt
    m.params["dump_format"] = "plain"
    assert "1.0 MB free, about" in run(m, space.work_dir)[0].message


def test_room_on_the_target(make_migration, servers, monkeypatch, target_login):
    """A superuser target reports its free space (df run by the server, in a rolled-back transaction): enough
    passes; a source larger than it (the margin made huge) blocks, naming both sizes; a login that may not run
    programs on the server is not asked (nothing to report)."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    with checks_on(m) as pre:
        assert space.target_free_bytes(pre) > 10_000_000
        assert preflight.run([space.target], pre) == []
    monkeypatch.setattr(space, "TARGET_SIZE_MARGIN", 1e9)
    found = run(m, space.target)
    assert [f.severity for f in found] == [BLOCKING] and "MB free; the source database takes" in found[0].message
    target_login(m, "CREATEROLE")
    assert run(m, space.target) == []
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'tsm_preflight_df'").fetchone() == (0,)


# --- both tasks: one refusal ------------------------------------------------------------------------------------------


def test_both_checks_run_and_the_run_is_refused_once(make_migration, servers, target_login):
    """A missing extension (found by check_extensions, which does not fail), an event trigger a login without
    superuser cannot create, and client tools older than the target: check_versions refuses once naming all three,
    writes preflight.json, and nothing changed on the target."""
    m = make_migration(servers.pg15, servers.tsdb_target, pg_bin_dir="/usr/lib/postgresql/15/bin")
    on_source(m, "CREATE EXTENSION adminpack", *SUPERUSER_ONLY[:2])
    target_login(m, "CREATEROLE", "CREATEDB")
    m.run(CheckExtensionsOperator(task_id="check_extensions"))
    assert [f["subject"] for f in m.ti.xcoms["check_extensions"]["findings"]] == ["extension adminpack 2.1"]
    with pytest.raises(PreflightRefused) as err:
        m.run(CheckVersionsOperator(task_id="check_versions"))
    lines = str(err.value).splitlines()
    assert "found 3 blocking problem(s) before the downtime" in lines[0]
    assert lines[1].startswith("1. extensions: extension adminpack 2.1: installed in source")
    assert lines[2].startswith("2. versions: client tools: pg_dump 15.") and "postgresql-client-17" in lines[2]
    assert lines[3].startswith("3. objects: 1 event trigger(s): log_ddl")
    run_dir = CheckVersionsOperator(task_id="check_versions").run_dir(m.context)
    report = json.loads((run_dir / PREFLIGHT_FILE).read_text())
    assert report["refused"] is True and report["blocking"] == 3
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").fetchone() == (
            0,
        )


MORE_SUPERUSER_ONLY = (
    "CREATE FOREIGN DATA WRAPPER my_wrapper",
    "CREATE SERVER my_server FOREIGN DATA WRAPPER my_wrapper",
    "CREATE USER MAPPING FOR PUBLIC SERVER my_server OPTIONS (password_required 'false')",
    "CREATE ACCESS METHOD my_am TYPE INDEX HANDLER bthandler",
    "CREATE TEXT SEARCH PARSER my_parser (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, "
    "LEXTYPES = prsd_lextype)",
    "CREATE TEXT SEARCH TEMPLATE my_template (INIT = dsimple_init, LEXIZE = dsimple_lexize)",
    "CREATE FUNCTION my_lang_handler() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' "
    "LANGUAGE c",
    "CREATE LANGUAGE my_lang HANDLER my_lang_handler",
)


def test_wrappers_mappings_access_methods_parsers_templates_languages_block(make_migration, servers, target_login):
    """A foreign-data wrapper and a procedural language outside extensions, a user mapping without
    password_required, an index access method, a text search parser and template: each kind is a blocking finding
    naming its object for a login without superuser; the same source passes into a superuser target."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    on_source(m, *MORE_SUPERUSER_ONLY)
    assert run(m, objects.superuser_only) == []  # the target's login is postgres
    target_login(m, "CREATEROLE")
    found = run(m, objects.superuser_only)
    assert {f.severity for f in found} == {BLOCKING}
    assert sorted(f.subject for f in found) == [
        "1 access method(s): my_am",
        "1 foreign-data wrapper(s): my_wrapper",
        "1 function in language c(s): my_lang_handler()",
        "1 procedural language(s): my_lang",
        "1 text search parser(s): public.my_parser",
        "1 text search template(s): public.my_template",
        "1 user mapping(s): public for server my_server",
    ]
