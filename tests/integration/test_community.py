"""TimescaleDB's community build on real servers (community_source / community_target: PostgreSQL 17 with the
community build of 2.19.3 and 2.20.3; community18_*: PostgreSQL 18 with 2.29.2): compression, continuous
aggregates, policies and jobs migrated phase by phase into a target as Timescale has it (the login tsdbadmin,
CREATEDB CREATEROLE, no superuser), and every refusal the community build needs. Left out where no community build
is here (tests/conftest.py says which and how to get it)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg import sql

from devtools.servers import Server, Servers
from tests.integration.test_operators import phases, run_until
from tests.support import samples
from timescale_migration.checks.ownership import OWNER_CHECK
from timescale_migration.db import privileges
from timescale_migration.db.timescale_features import JOBS_BEFORE_PAUSE
from timescale_migration.exceptions import PreflightRefused, VerificationError
from timescale_migration.operators import VerifyOperator

pytestmark = [pytest.mark.integration, pytest.mark.community]

JOBS = (
    "SELECT id, proc_name, scheduled, timezone, initial_start, config::text, owner::text "
    "FROM _timescaledb_config.bgw_job WHERE id >= 1000 ORDER BY id"
)
CHUNKS = (
    "SELECT hypertable_schema, hypertable_name, chunk_name, is_compressed, range_start, range_end, "
    "range_start_integer FROM timescaledb_information.chunks ORDER BY 1, 2, 3"
)
CHUNK_STATES = "SELECT status, count(*) FROM _timescaledb_catalog.chunk GROUP BY 1 ORDER BY 1"
AGGREGATES = (
    "SELECT (SELECT json_agg(h ORDER BY bucket, device_id) FROM telemetry.readings_hourly h)::text, "
    "(SELECT json_agg(d ORDER BY day, device_id) FROM telemetry.readings_daily d)::text, "
    "(SELECT json_agg(w ORDER BY mat_hypertable_id) FROM _timescaledb_catalog.continuous_aggs_watermark w)"
    "::text"
)
SCHEDULED = "SELECT count(*) FROM _timescaledb_config.bgw_job WHERE scheduled AND id >= 1000"
READINGS = "SELECT count(*), sum(value::numeric), count(battery), count(note) FROM telemetry.readings"


def read(server: Server, db: str, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """All rows of one query, as the superuser."""
    with server.connect(db) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def community(servers: Servers) -> tuple[Server, Server]:
    """The PostgreSQL 17 servers with the community build."""
    assert servers.community_source and servers.community_target, "the community marker left this out"
    return servers.community_source, servers.community_target


@pytest.fixture
def fresh_roles(servers: Servers, unique: str) -> Iterator[str]:
    """A suffix that gives the sample's roles names no server has yet; they are dropped afterwards (a test asks
    for it before make_migration, so that its databases are dropped first)."""
    yield unique
    names = {role: f"{role}_{unique}" for role in samples.COMMUNITY_ROLES}
    for server in (
        servers.community_source,
        servers.community_target,
        servers.community18_source,
        servers.community18_target,
    ):
        if server is not None:
            samples.drop_roles(server, names)


def community_migration(make_migration, source: Server, target: Server, suffix: str, version: str, **params: Any):
    """The community sample on `source` at TimescaleDB `version`, into a Timescale-like database of `target` at
    the same version, connected as its login; roles renamed with `suffix`."""
    m = make_migration(source, target, login=True, timescaledb=version, **params)
    samples.load(source, m.src_db, samples.COMMUNITY, suffix=suffix, timescaledb=version)
    return m


@pytest.mark.parametrize("dump_format", ["plain", "directory", "stream", "parallel"])
def test_community_database_arrives_whole(fresh_roles, make_migration, community, dump_format):
    """Compressed (fully and partially), uncompressed and integer-time chunks, two continuous aggregates (one on the
    other, materialized-only and real-time), policies and custom jobs owned by a login that is not superuser, into a
    target connected as tsdbadmin, with privileges as on the source: verified, with the jobs scheduled again on both
    sides as they were (time zones kept), and what the login may not own (hypertables and aggregates, whose chunks
    live in a schema only a superuser may let others create in) announced at the gate and accepted."""
    source, target = community
    m = community_migration(make_migration, source, target, fresh_roles, "2.19.3", dump_format=dump_format)
    owner, reader = f"tsm_ts_owner_{fresh_roles}", f"tsm_app_reader_{fresh_roles}"
    jobs_before = read(source, m.src_db, JOBS)
    assert [j[3] for j in jobs_before if j[1] == "tsm_housekeeping"] == ["Europe/Berlin", None]
    for op in phases():
        m.run(op)
    summary = m.ti.xcoms["verify"]
    assert summary["differences"] == [], summary["differences"]
    for query in (CHUNKS, CHUNK_STATES, AGGREGATES, READINGS):
        assert read(target, m.tgt_db, query) == read(source, m.src_db, query), query
    assert {s for s, _ in read(target, m.tgt_db, CHUNK_STATES)} == {0, 1, 9}  # plain, compressed, partial
    renamed = [(*j[:6], "tsdbadmin" if j[6] == "postgres" else j[6]) for j in jobs_before]
    assert read(target, m.tgt_db, JOBS) == renamed
    assert read(source, m.src_db, JOBS) == jobs_before  # resumed as it was: time zone, start, config
    with target.connect(m.tgt_db) as conn:
        owners = dict(
            conn.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.relnamespace = 'telemetry'::regnamespace AND c.relkind IN ('r', 'v')"
            )
        )
        schema_owner = conn.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'telemetry'"
        ).fetchone()[0]
        rights = conn.execute(
            "SELECT has_table_privilege(%s, 'telemetry.readings', 'SELECT'), "
            "has_table_privilege(%s, 'telemetry.readings', 'INSERT'), "
            "has_table_privilege(%s, 'telemetry.readings_daily', 'SELECT')",
            [reader, owner, reader],
        ).fetchone()
    assert schema_owner == owner
    assert owners["readings"] == owners["events"] == owners["readings_hourly"] == "tsdbadmin"
    assert rights == (True, True, True)
    announced = {f["subject"] for f in m.ti.xcoms["check_versions"]["findings"]}
    assert {'table "telemetry"."readings"', 'continuous aggregate "telemetry"."readings_daily"'} <= announced


def test_roles_another_administrator_made_stay_as_they_are(fresh_roles, make_migration, community, servers):
    """Roles that exist on the target already, made by its superuser: roles.sql's statements about them are tried
    before the gate, what the login may not do is announced, owners stay the login, the jobs stay paused on the
    target, and verify accepts exactly those differences."""
    source, target = community
    owner, reader = f"tsm_ts_owner_{fresh_roles}", f"tsm_app_reader_{fresh_roles}"
    with target.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 1").format(sql.Identifier(reader)))
    m = community_migration(make_migration, source, target, fresh_roles, "2.19.3", dump_format="parallel")
    for op in phases():
        m.run(op)
    found = {(f["check"], f["subject"]): f for f in m.ti.xcoms["check_versions"]["findings"]}
    assert found[("roles", f'role "{reader}"')]["expected"] == ["roles", reader]
    assert "permission denied to alter role" in found[("roles", f'role "{reader}"')]["message"]
    assert found[(OWNER_CHECK, 'schema "telemetry"')]["expected"] == [
        privileges.SECTION,
        'schema "telemetry"',
    ]
    paused = [f for f in found.values() if f["expected"] and f["expected"][0] == JOBS_BEFORE_PAUSE]
    assert len(paused) == 4  # the four the run paused: policies and the scheduled custom job
    summary = m.ti.xcoms["verify"]
    assert summary["differences"] == []
    assert read(target, m.tgt_db, "SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", [reader]) == [(1,)]
    assert read(target, m.tgt_db, SCHEDULED) == [(0,)]
    assert read(source, m.src_db, SCHEDULED) == [(4,)]


ALL_NULL_BATCH = """
CREATE TABLE public.sparse (time timestamptz NOT NULL, device int, value float, never_set text);
SELECT public.create_hypertable('public.sparse', public.by_range('time', INTERVAL '1 day'));
INSERT INTO public.sparse SELECT timestamptz '2024-01-01' + i * INTERVAL '1 minute', i % 3, i, NULL
FROM generate_series(1, 600) AS i;
ALTER TABLE public.sparse SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
SELECT public.compress_chunk(c) FROM public.show_chunks('public.sparse') AS c;
"""


@pytest.mark.parametrize("version", ["2.19.3", "2.20.3"])
def test_batches_null_in_every_row(make_migration, community, version):
    """timescaledb#8893: on 2.19 compressed batches whose column is NULL in every row cannot be loaded back; the
    preflight refuses them (naming hypertable, chunk and column) before anything changed. 2.20.3 loads them: the
    same database migrates and verifies."""
    source, target = community
    m = make_migration(source, target, login=True, timescaledb=version, dump_format="directory", roles=False)
    with source.connect(m.src_db) as conn:
        conn.execute(sql.SQL("CREATE EXTENSION timescaledb VERSION {}").format(sql.Literal(version)))
        conn.execute(ALL_NULL_BATCH)
    if version == "2.19.3":
        m.run(phases()[0])
        with pytest.raises(
            PreflightRefused,
            match=r"timescaledb#8893.*public\.sparse chunk "
            r"_timescaledb_internal\._hyper_\d+_\d+_chunk column never_set",
        ):
            m.run(phases()[1])
        assert read(target, m.tgt_db, "SELECT count(*) FROM pg_class WHERE relname = 'sparse'") == [(0,)]
        return
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    query = "SELECT count(*), count(never_set), sum(value) FROM public.sparse"
    assert read(target, m.tgt_db, query) == read(source, m.src_db, query) == [(600, 0, 180300.0)]


def test_alignment_between_two_installed_versions(fresh_roles, make_migration, community):
    """The target database has 2.20.3 (the server's default), the source 2.19.3: the empty target is aligned to
    2.19.3 (a new session: the checks' own had loaded 2.20.3's library) and the migration verifies."""
    source, target = community
    m = make_migration(source, target, target_extensions=("timescaledb",), dump_format="parallel")
    assert read(target, m.tgt_db, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'") == [("2.20.3",)]
    samples.load(source, m.src_db, samples.COMMUNITY, suffix=fresh_roles, timescaledb="2.19.3")
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["check_versions"]["aligned"] == "2.20.3 -> 2.19.3"
    assert m.ti.xcoms["verify"]["differences"] == []


def test_alignment_by_a_login_that_cannot_restore_is_refused_before_the_gate(fresh_roles, make_migration, community):
    """A login without superuser that aligns TimescaleDB itself recreates the extension without what the platform
    gave it: the restore-mode trial right after the alignment refuses the run before the gate, naming it, with
    only TimescaleDB changed."""
    source, target = community
    m = community_migration(make_migration, source, target, fresh_roles, "2.19.3", dump_format="parallel")
    with target.connect(m.tgt_db, user=target.login) as conn:
        conn.execute("DROP EXTENSION timescaledb")
        conn.execute("CREATE EXTENSION timescaledb VERSION '2.20.3'")
    target.grant_platform_privileges(m.tgt_db)
    m.run(phases()[0])
    with pytest.raises(
        PreflightRefused,
        match=r"(?s)only TimescaleDB was changed \(2\.20\.3 -> 2\.19\.3 on the empty "
        r"target\).*timescaledb_pre_restore\(\) on the target: the target's "
        r"login tsdbadmin may not put the target in restore mode",
    ):
        m.run(phases()[1])
    tables = "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
    assert read(target, m.tgt_db, tables) == [(0,)]


def test_apache_target_refuses_a_community_source(fresh_roles, make_migration, community, servers):
    """A source that uses compression, continuous aggregates and jobs into Debian's Apache build: refused before
    the gate, naming what the source uses."""
    source, _ = community
    m = make_migration(source, servers.tsdb_target, dump_format="parallel")
    samples.load(source, m.src_db, samples.COMMUNITY, suffix=fresh_roles, timescaledb="2.19.3")
    m.run(phases()[0])
    with pytest.raises(
        PreflightRefused,
        match=r"community features \(5 user job\(s\), 9 compressed chunk\(s\), 2 "
        r"continuous aggregate\(s\)\).*Apache-licensed build",
    ):
        m.run(phases()[1])


def test_a_source_login_that_cannot_pause_the_jobs_is_refused(fresh_roles, make_migration, community, monkeypatch):
    """The source's login may read everything but not alter_job() the jobs of another role: the pause would fail
    after the gate, so the preflight refuses the run, naming the jobs and their owner."""
    source, target = community
    m = community_migration(
        make_migration, source, target, fresh_roles, "2.19.3", dump_format="parallel", roles=False, privileges="none"
    )
    reader = f"tsm_app_reader_{fresh_roles}"
    with source.connect() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(reader), sql.Literal(source.password)))
        conn.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(sql.Identifier(reader)))
    monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", source.conn_json(m.src_db, user=reader))
    m.run(phases()[0])
    with pytest.raises(
        PreflightRefused,
        match=rf"4 job\(s\) on the source: job 1000 .*may not alter_job\(\) them "
        rf"\(owned by tsm_ts_owner_{fresh_roles}\)",
    ):
        m.run(phases()[1])
    assert read(source, m.src_db, SCHEDULED) == [(4,)]


def test_rehearsal_of_a_community_database(fresh_roles, make_migration, community):
    """A rehearsal into a scratch database: every phase but gates, drain and the jobs' pause; verified."""
    source, target = community
    scratch = f"tsm_rehearsal_{fresh_roles}"
    m = make_migration(
        source,
        target,
        login=True,
        timescaledb="2.19.3",
        dump_format="parallel",
        rehearsal=True,
        tgt_db=scratch,
        target_database=scratch,
    )
    samples.load(source, m.src_db, samples.COMMUNITY, suffix=fresh_roles, timescaledb="2.19.3")
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["pause_source_jobs"]["paused"] == []
    assert m.ti.xcoms["verify"]["differences"] == []


@pytest.mark.community18
@pytest.mark.parametrize("dump_format", ["directory", "parallel"])
def test_community_database_on_the_current_catalog(fresh_roles, make_migration, servers, dump_format):
    """PostgreSQL 18 with TimescaleDB 2.29.2's community build, whose catalog keeps chunks by relid and compressed
    chunks only in compression_settings: the community sample arrives whole and verifies, as tsdbadmin."""
    source, target = servers.community18_source, servers.community18_target
    assert source and target
    m = community_migration(make_migration, source, target, fresh_roles, "2.29.2", dump_format=dump_format)
    for op in phases():
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []
    for query in (CHUNKS, AGGREGATES, READINGS):
        assert read(target, m.tgt_db, query) == read(source, m.src_db, query), query


def test_verify_fails_on_a_compressed_chunk_changed_after_the_load(fresh_roles, make_migration, community):
    """A compressed chunk decompressed on the target after the load: its state and the rows' count per chunk differ,
    and verification fails naming the chunk."""
    source, target = community
    m = community_migration(make_migration, source, target, fresh_roles, "2.19.3", dump_format="parallel")
    run_until(m, "apply_settings")
    with target.connect(m.tgt_db) as conn:
        chunk = conn.execute(
            "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
            "WHERE is_compressed ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
        conn.execute("SELECT public.decompress_chunk(%s::regclass)", [chunk])
    with pytest.raises(VerificationError, match=rf"chunk states {chunk}"):
        m.run(VerifyOperator(task_id="verify"))


def test_verify_fails_on_a_row_changed_in_a_compressed_chunk(fresh_roles, make_migration, community):
    """A value changed after the load in a row of a compressed chunk (which the chunk is read through, decompressed):
    the hypertable's content checksum differs, as does the chunk's state (now partial)."""
    source, target = community
    m = community_migration(make_migration, source, target, fresh_roles, "2.19.3", dump_format="parallel")
    run_until(m, "apply_settings")
    with target.connect(m.tgt_db) as conn:
        chunk = conn.execute(
            "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'readings' AND is_compressed ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
        first = conn.execute(f"SELECT time, device_id FROM {chunk} ORDER BY 1, 2 LIMIT 1").fetchone()
        changed = conn.execute(
            "UPDATE telemetry.readings SET value = value + 1 WHERE time = %s AND device_id = %s", first
        ).rowcount
    assert changed >= 1
    with pytest.raises(VerificationError) as raised:
        m.run(VerifyOperator(task_id="verify"))
    assert re.search(r"telemetry\.readings\b.*checksum", str(raised.value)), str(raised.value)


CONVERT = [
    {
        "table": "Readings",
        "time_column": "recorded_at",
        "chunk_interval": "1 day",
        "hash_column": "device_id",
        "hash_partitions": 2,
        "compression": {"segmentby": ["device_id"], "orderby": ["recorded_at DESC"], "compress_after": "7 days"},
        "retention": {"drop_after": "100 years"},
    }
]
POLICIES = (
    "SELECT proc_name, scheduled, config::text FROM _timescaledb_config.bgw_job WHERE id >= 1000 ORDER BY proc_name"
)


@pytest.mark.parametrize("dump_format", ["parallel", "directory"])
def test_tables_converted_with_compression_and_policies(make_migration, community, servers, dump_format):
    """PostgreSQL 15 tables converted into hypertables with a hash dimension, segmentby, orderby, a compression and
    a retention policy, into the community build as tsdbadmin: verified (the compressed hypertable TimescaleDB
    makes is its own, not a difference), both policies paused until verification and scheduled after it; the
    compression policy then compresses the migrated chunks and the rows read the same."""
    from tests.e2e.test_hypertables import SOURCE_SQL

    _, target = community
    m = make_migration(
        servers.pg15, target, login=True, timescaledb="default", dump_format=dump_format, hypertables=CONVERT
    )
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute(SOURCE_SQL)
        conn.execute("DROP TABLE alerts")  # TimescaleDB cannot compress a chunk a foreign key points into
    run_until(m, "apply_settings")
    assert [(p, s) for p, s, _ in read(target, m.tgt_db, POLICIES)] == [
        ("policy_compression", False),
        ("policy_retention", False),
    ]
    m.run(VerifyOperator(task_id="verify"))
    assert m.ti.xcoms["verify"]["differences"] == []
    assert [(p, s) for p, s, _ in read(target, m.tgt_db, POLICIES)] == [
        ("policy_compression", True),
        ("policy_retention", True),
    ]
    rows = 'SELECT count(*), sum(value), count(note) FROM "Readings"'
    before = read(target, m.tgt_db, rows)
    assert before == read(servers.pg15, m.src_db, rows)
    chunks = (
        "SELECT count(*) FILTER (WHERE is_compressed), count(*) FROM timescaledb_information.chunks "
        "WHERE hypertable_name = 'Readings'"
    )
    deadline = time.monotonic() + 120  # the scheduler runs the policy as soon as verify scheduled it
    while (done := read(target, m.tgt_db, chunks)[0])[0] < done[1] and time.monotonic() < deadline:
        time.sleep(1)
    assert done[0] == done[1] > 0, f"the compression policy compressed {done[0]} of {done[1]} chunk(s)"
    assert read(target, m.tgt_db, rows) == before
