"""stage_schema before the gate and the load that finds its schema, against the real servers: what the source
gains and loses while the run waits at the gate is followed, anything else makes the load restore it all."""

from __future__ import annotations

import pytest

from devtools.servers import REPO
from tests.integration.test_operators import phases, run_until
from timescale_migration import phases as registry

pytestmark = pytest.mark.integration
SAMPLES = REPO / "include" / "samples"

CHUNK_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = '_timescaledb_internal' AND c.relkind = 'r'
"""
CHUNK_INDEXES = """
SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = '_timescaledb_internal'
"""


def after_the_gate() -> list:
    """The phases after stop_apps, up to verify and resume_source_jobs."""
    ops = phases()
    return ops[[op.task_id for op in ops].index(registry.STOP_APPS) + 1 :]


def test_chunks_the_source_gains_and_drops_at_the_gate_are_followed(make_migration, servers):
    """The TimescaleDB sample staged in the target before the gate (chunk tables and their indexes, no catalog rows
    yet); then a new chunk on the source and a day of chunks dropped: the load restores the new one, drops the
    dropped ones, keeps the rest, and the migration verifies."""
    source, target = servers.tsdb_source, servers.tsdb_target
    m = make_migration(source, target, dump_format="parallel")
    source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    run_until(m, registry.STOP_APPS)
    staged = m.ti.xcoms[registry.STAGE_SCHEMA]
    assert staged["staged"] is True and staged["post_data"] > 0
    with target.connect(m.tgt_db) as conn:
        assert conn.execute(CHUNK_TABLES).fetchone()[0] > 0
        assert conn.execute(CHUNK_INDEXES).fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM _timescaledb_catalog.chunk").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM public.conditions").fetchone()[0] == 0
    with source.connect(m.src_db) as conn:
        conn.execute("INSERT INTO public.conditions VALUES ('2024-03-20 12:00+00', 1, 20.5, 50)")
        dropped = conn.execute(
            "SELECT public.drop_chunks('public.conditions', older_than => timestamptz '2024-03-02 00:00+00')"
        ).fetchall()
    assert len(dropped) >= 1
    for op in after_the_gate():
        m.run(op)
    load = m.ti.xcoms[registry.LOAD]
    assert load["staged_schema"] is True and "staged_unused" not in load
    assert load["staged_unchanged"] > 0
    assert load["staged_restored"] == 1 and load["staged_dropped"] == len(dropped)
    assert m.ti.xcoms[registry.VERIFY]["differences"] == []
    with target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM public.conditions WHERE time >= '2024-03-20'").fetchone()[0] == 1


def test_a_definition_changed_at_the_gate_makes_the_load_restore_it_all(make_migration, servers):
    """A column added on the source after the schema was staged: the load empties the target, restores the whole
    skeleton, and the migration verifies with the new column."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), dump_format="parallel")
    servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    run_until(m, registry.STOP_APPS)
    assert m.ti.xcoms[registry.STAGE_SCHEMA]["staged"] is True
    with servers.pg15.connect(m.src_db) as conn:
        conn.execute("ALTER TABLE shop.customers ADD COLUMN note text DEFAULT 'added at the gate'")
    for op in after_the_gate():
        m.run(op)
    assert m.ti.xcoms[registry.LOAD]["staged_unused"] == 1
    assert m.ti.xcoms[registry.VERIFY]["differences"] == []
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT DISTINCT note FROM shop.customers").fetchall() == [("added at the gate",)]


def test_stage_schema_false_leaves_the_target_untouched(make_migration, servers):
    """stage_schema=false: nothing is created in the target before the gate; the load creates it all."""
    m = make_migration(
        servers.pg15,
        servers.tsdb_target,
        target_extensions=("timescaledb",),
        dump_format="parallel",
        stage_schema=False,
    )
    servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    run_until(m, registry.STOP_APPS)
    assert m.ti.xcoms[registry.STAGE_SCHEMA] == {"staged": False, "reason": "stage_schema=false"}
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'shop'").fetchone()[0] == 0
    for op in after_the_gate():
        m.run(op)
    assert m.ti.xcoms[registry.LOAD]["staged_schema"] is False
    assert m.ti.xcoms[registry.VERIFY]["differences"] == []


def test_checks_and_staging_run_again_over_what_this_run_staged(make_migration, servers):
    """The run's checks cleared after stage_schema: the staged schema is no reason to refuse the target, and
    stage_schema empties it and stages it again; the migration verifies."""
    m = make_migration(servers.pg15, servers.tsdb_target, target_extensions=("timescaledb",), dump_format="parallel")
    servers.pg15.psql_file(m.src_db, SAMPLES / "postgres_sample.sql")
    run_until(m, registry.STOP_APPS)
    ops = {op.task_id: op for op in phases()}
    m.run(ops[registry.CHECK_VERSIONS])
    assert m.run(ops[registry.STAGE_SCHEMA])["staged"] is True
    for op in after_the_gate():
        m.run(op)
    assert m.ti.xcoms[registry.LOAD]["staged_unchanged"] > 0
    assert m.ti.xcoms[registry.VERIFY]["differences"] == []
