"""The preflight on the every-object sample: what a target cannot create, kind by kind, is found before the gate;
what it can is not reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from psycopg import sql

from devtools.servers import REPO
from tests.integration.test_operators import phases
from tests.integration.test_preflight import run
from tests.integration.test_verify_every_object import drop_subscriptions
from timescale_migration.checks import definitions, objects, preflight
from timescale_migration.checks.findings import BLOCKING, WARNING
from timescale_migration.operators import CheckExtensionsOperator, CheckVersionsOperator

pytestmark = pytest.mark.integration

SAMPLES = REPO / "include" / "samples"


def as_tsdbadmin(m, monkeypatch) -> None:
    """The target database owned by the target server's login without superuser, which connects as it."""
    with m.target.connect() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(m.tgt_db), sql.Identifier(m.target.login))
        )
    monkeypatch.setenv("AIRFLOW_CONN_IT_TARGET", m.target.login_conn_json(m.tgt_db))


def test_main_sample_has_nothing_only_a_superuser_may_create(make_migration, servers, monkeypatch):
    """Range types' constructors (language internal, made by CREATE TYPE), casts of user types, operators,
    aggregates, collations, conversions, dictionaries, publications FOR TABLE: nothing blocks tsdbadmin."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    m.source.psql_file(m.src_db, SAMPLES / "every_object.sql")
    as_tsdbadmin(m, monkeypatch)
    found = run(
        m,
        objects.superuser_only,
        objects.column_options,
        definitions.security_labels,
        definitions.compression,
        definitions.dictionaries,
        definitions.c_libraries,
    )
    assert found == []


def test_every_superuser_only_kind_is_refused_for_tsdbadmin(make_migration, servers, monkeypatch):
    """The superuser part of the sample: one blocking finding per kind for tsdbadmin; none for a superuser."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target)
    for sample in ("every_object.sql", "every_object_superuser.sql"):
        m.source.psql_file(m.src_db, SAMPLES / sample)
    try:
        assert run(m, objects.superuser_only, definitions.c_libraries) == []
        as_tsdbadmin(m, monkeypatch)
        found = run(m, objects.superuser_only)
        assert {f.severity for f in found} == {BLOCKING}
        kinds = {f.subject.split("(s):")[0].split(" ", 1)[1] for f in found}
        assert kinds == {
            "access method",
            "base type",
            "cast",
            "event trigger",
            "foreign-data wrapper",
            "function in language c",
            "function in language internal",
            "leakproof function",
            "operator class",
            "operator family",
            "procedural language",
            "text search parser",
            "text search template",
            "user mapping",
        }
        text = " ".join(f.describe() for f in found)
        assert "engine.celsius" in text and "engine.same_text(text,text)" in text
        assert "harbor.tide_range(numeric,numeric)" not in text, "a range type's constructor is not the user's"
    finally:
        drop_subscriptions(m.source, m.src_db)


def test_a_server_own_column_option_the_target_refuses_is_left_out(make_migration, servers):
    """PostgreSQL 17 here writes pg_attver on every column; PostgreSQL 18 refuses it: a warning, and the plan names
    it for the load to leave out; into PostgreSQL 17 nothing is found."""
    m = make_migration(servers.tsdb_source, servers.tsdb18_target, pg_bin_dir=servers.bin18_dir)
    with m.source.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE t (id int, v text)")
        conn.execute("ALTER TABLE t ALTER COLUMN v SET (n_distinct = 5)")
    op = CheckVersionsOperator(task_id="check_versions")
    source, target = op.endpoints(m.context)
    with preflight.opened(op.migration_options(m.context), source, target, op.run_dir(m.context), op.log) as pre:
        found = preflight.run([objects.column_options], pre)
        assert pre.notes[objects.STRIPPED_OPTIONS] == ["pg_attver"]
    assert [(f.severity, f.subject) for f in found] == [(WARNING, "column option pg_attver on 2 column(s)")]
    assert 'unrecognized parameter "pg_attver"' in found[0].message
    m.run(CheckExtensionsOperator(task_id="check_extensions"))
    plan = m.run(CheckVersionsOperator(task_id="check_versions"))
    assert plan["stripped_column_options"] == ["pg_attver"]


def test_definitions_the_target_server_cannot_create(make_migration, servers, monkeypatch):
    """Dictionaries whose files and a C function whose library the target has pass; a synonym dictionary naming a
    file and a C function naming a symbol that only the source's server has (written into the source's catalog by
    the superuser: what a source with other files and code holds) are blocking findings."""
    m = make_migration(servers.pg15, servers.tsdb_target)
    with m.source.connect(m.src_db) as conn:
        conn.execute("CREATE TEXT SEARCH DICTIONARY fine_synonyms (TEMPLATE = synonym, SYNONYMS = synonym_sample)")
        conn.execute(
            "CREATE TEXT SEARCH DICTIONARY fine_stems (TEMPLATE = snowball, Language = english, StopWords = english)"
        )
        conn.execute(
            "CREATE FUNCTION handler() RETURNS language_handler LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_call_handler'"
        )
        conn.execute("CREATE TABLE t (v text COMPRESSION lz4)")
    assert run(m, definitions.dictionaries, definitions.c_libraries, definitions.compression) == []
    with m.source.connect(m.src_db) as conn:  # what the dump would carry from a server with other files and code
        conn.execute(
            "UPDATE pg_ts_dict SET dictinitoption = 'synonyms = ''only_on_the_source''' "
            "WHERE dictname = 'fine_synonyms'"
        )
        conn.execute("UPDATE pg_proc SET prosrc = 'only_on_the_source' WHERE proname = 'handler'")
    found = run(m, definitions.dictionaries, definitions.c_libraries)
    assert [(f.severity, f.subject) for f in found] == [
        (BLOCKING, "1 text search dictionary(ies): public.fine_synonyms"),
        (BLOCKING, "1 C function(s): handler()"),
    ]
    assert "only_on_the_source" in found[0].message and "could not find function" in found[1].message


def test_an_index_that_is_not_valid_is_announced_and_accepted(make_migration, servers):
    """A failed concurrent build leaves an index that is not valid; pg_dump leaves it out: a warning at the gate,
    and verify accepts it missing on the target (naming why)."""
    m = make_migration(servers.pg15, servers.tsdb_target, dump_format="plain")
    with m.source.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE t (a int)")
        conn.execute("INSERT INTO t VALUES (1), (1)")
        with pytest.raises(Exception, match="could not create unique index"):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a)")
    for op in phases():
        m.run(op)
    found = [f for f in m.ti.xcoms["check_versions"]["findings"] if f["subject"] == "index public.t_a_key not valid"]
    assert [f["severity"] for f in found] == [WARNING]
    report = json.loads(Path(m.ti.xcoms["verify"]["report_json"]).read_text(encoding="utf-8"))
    accepted = [c for c in report["checks"] if c["section"] == "indexes" and c["name"] == "public.t_a_key"]
    assert accepted and accepted[0]["ok"] and accepted[0]["target"] is None
    assert "expected, shown at the stop_apps gate" in accepted[0]["problem"]
