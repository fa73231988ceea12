"""Every TimescaleDB catalog query the run and its verification use (checks/timescaledb.py CATALOG_QUERIES), on every
TimescaleDB version the test servers have: Debian's Apache builds of 2.19.3 (PostgreSQL 17) and of the current
release 2.31 (PostgreSQL 18), and the community builds of 2.19.3 and 2.20.3 (PostgreSQL 17) and 2.29.2 (PostgreSQL
18, the catalog that keeps chunks by relid). A query a version does not answer fails here, and the preflight
refuses a run on that version naming the query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.servers import Server, Servers
from tests.support import samples
from timescale_migration.checks import timescaledb as checks
from timescale_migration.db import catalog, privileges, timescale_features

pytestmark = pytest.mark.integration

VERSIONS = [
    pytest.param(("tsdb_source", None, samples.SAMPLES / "timescaledb_sample.sql"), id="2.19.3-apache-pg17"),
    pytest.param(("tsdb18_source", None, samples.SAMPLES / "timescaledb_sample.sql"), id="2.31-apache-pg18"),
    pytest.param(
        ("community_source", "2.19.3", samples.COMMUNITY), id="2.19.3-community-pg17", marks=pytest.mark.community
    ),
    pytest.param(
        ("community_source", "2.20.3", samples.COMMUNITY), id="2.20.3-community-pg17", marks=pytest.mark.community
    ),
    pytest.param(
        ("community18_source", "2.29.2", samples.COMMUNITY), id="2.29.2-community-pg18", marks=pytest.mark.community18
    ),
]


@pytest.fixture(params=VERSIONS)
def loaded(request, servers: Servers, unique: str) -> Iterator[tuple[Server, str, bool]]:
    """A database holding a sample on one TimescaleDB version: (server, database, community build)."""
    name, version, sample = request.param
    server: Server = getattr(servers, name)
    db = f"catalog {unique}"
    server.create_database(db)
    try:
        names = samples.load(server, db, sample, suffix=unique, timescaledb=version)
        yield server, db, sample == samples.COMMUNITY
    finally:
        server.drop_database(db)
        samples.drop_roles(server, names)


def test_every_catalog_query_answers(loaded) -> None:
    """No catalog query fails, and what they say matches the sample: its hypertables, its chunks, and on a
    community build its compressed chunks (with their twins), its continuous aggregates and its jobs."""
    server, db, community = loaded
    with server.connect(db) as conn:
        assert checks.failing_queries(conn) == {}
        version = catalog.installed_extensions(conn)["timescaledb"]["version"]
        used = timescale_features.features(conn)
        managed = privileges.timescaledb_relations(conn)
        chunks = catalog.rows(conn, "timescaledb/all_chunks")
        states = catalog.rows(conn, "timescaledb/chunk_states")
        jobs = catalog.rows(conn, "timescaledb/job_owners")
    roles = {row["role"] for row in managed.values()}
    if community:
        assert (used.license, used.compressed_chunks, used.continuous_aggregates) == ("timescale", 9, 2), version
        assert {"chunk", "internal", "continuous aggregate"} <= roles
        twins = [name for _, name in ((r["schema_name"], r["table_name"]) for r in chunks) if "compress" in name]
        assert len(twins) == 9, (version, twins)  # each compressed chunk's twin, named by every catalog version
        assert sorted(r["detail"].split()[1] for r in states) == ["1"] * 8 + ["9"]
        assert [j["scheduled"] for j in jobs] == [True, True, True, True, False]
        parents = {row["parent_name"] for row in managed.values() if row["role"] == "chunk"}
        assert parents == {"readings", "events", "readings_hourly", "readings_daily"}
    else:
        assert used.compressed_chunks == 0 and used.license == "apache"
        assert roles == {"chunk"} and len(chunks) == 50


def test_a_catalog_the_queries_do_not_know_refuses_naming_version_and_query(servers: Servers, unique: str) -> None:
    """A TimescaleDB whose catalog lacks a column the queries read (here: bgw_job.proc_name renamed in a scratch
    database, as a future release might) is a blocking finding per query, naming the version and the server's
    error, before the gate."""
    server = servers.tsdb_source
    db = f"catalog future {unique}"
    server.create_database(db, extensions=("timescaledb",))
    try:
        with server.connect(db) as conn:
            conn.execute("ALTER TABLE _timescaledb_config.bgw_job RENAME COLUMN proc_name TO procedure_name")
            found = checks.query_findings(conn, "source", "2.19.3")
        subjects = {f.subject for f in found}
        assert {
            "source: catalog query timescaledb/jobs",
            "source: catalog query timescaledb/job_owners",
            "source: catalog query timescaledb/user_jobs",
        } <= subjects
        assert all(f.severity == "blocking" for f in found)
        assert "column j.proc_name does not exist (SQLSTATE 42703)" in found[0].message or any(
            "proc_name does not exist" in f.message for f in found
        )
        assert all("TimescaleDB 2.19.3 on the source" in f.message for f in found)
    finally:
        server.drop_database(db)
