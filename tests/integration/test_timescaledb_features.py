"""TimescaleDB's community features as pg_dump carries them, on the real (Apache-licensed) servers: user jobs
and compression settings are catalog rows a superuser can write; they must arrive exactly, in every format.

What only the community build can do (alter_job, compressed batches, continuous aggregates refreshing) is
covered by unit tests with fakes (tests/unit/test_timescale_features.py, tests/unit/operators/test_source_jobs.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_operators import SAMPLES, phases
from timescale_migration.copy import parallel
from timescale_migration.db import catalog
from timescale_migration.exceptions import VerificationError
from timescale_migration.operators import VerifyOperator

pytestmark = pytest.mark.integration

PLANT = """
CREATE PROCEDURE public.tsm_rollup(job_id integer, config jsonb) LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
INSERT INTO _timescaledb_config.bgw_job (application_name, schedule_interval, max_runtime, max_retries, retry_period,
       proc_schema, proc_name, owner, scheduled, fixed_schedule, initial_start, hypertable_id, config, timezone)
SELECT 'User-Defined Action [tsm]', interval '1 hour', interval '5 minutes', 3, interval '10 minutes',
       'public', 'tsm_rollup', 'tsm_app_owner'::regrole, true, true, timestamptz '2999-01-01 00:00+00', h.id,
       '{"lookback": "7 days", "drop_after": 30}'::jsonb, 'Europe/Berlin'
FROM _timescaledb_catalog.hypertable h WHERE h.table_name = 'conditions';
INSERT INTO _timescaledb_config.bgw_job (application_name, schedule_interval, max_runtime, max_retries, retry_period,
       proc_schema, proc_name, owner, scheduled, fixed_schedule, initial_start, config)
VALUES ('User-Defined Action [tsm paused]', interval '1 day', interval '0', -1, interval '1 hour',
        'public', 'tsm_rollup', 'postgres'::regrole, false, false, NULL, '{"note": "paused by its owner"}');
INSERT INTO _timescaledb_catalog.compression_settings (relid, segmentby, orderby, orderby_desc, orderby_nullsfirst)
VALUES ('public.conditions'::regclass, '{device_id}', '{time}', '{t}', '{f}');
UPDATE _timescaledb_catalog.chunk SET status = 4 WHERE id = (SELECT min(id) FROM _timescaledb_catalog.chunk);
"""


def plant_community_rows(server, dbname: str) -> None:
    """Two user jobs (one paused by its owner, one with a start far ahead), a hypertable's compression settings
    and a frozen chunk (status bit 4), written into the catalog as pg_dump would carry them from a community
    build."""
    with server.connect(dbname) as conn:
        conn.execute(PLANT)


def jobs_as_stored(server, dbname: str) -> list[tuple]:
    """Every field of the user jobs that must arrive (ids stay: configs and chunk names embed them)."""
    with server.connect(dbname) as conn:
        return conn.execute(
            "SELECT id, application_name, schedule_interval, max_runtime, max_retries, retry_period, proc_schema,"
            " proc_name, owner::text, scheduled, fixed_schedule, initial_start, hypertable_id, config, check_schema,"
            " check_name, timezone FROM _timescaledb_config.bgw_job WHERE id >= 1000 ORDER BY id"
        ).fetchall()


def compression_as_stored(server, dbname: str) -> list[tuple]:
    """compression_settings with its regclass printed schema-qualified."""
    with server.connect(dbname) as conn:
        conn.execute("SET search_path = pg_catalog")
        return conn.execute(
            "SELECT relid::text, compress_relid::text, segmentby, orderby, orderby_desc,"
            " orderby_nullsfirst FROM _timescaledb_catalog.compression_settings ORDER BY 1"
        ).fetchall()


@pytest.mark.parametrize("dump_format", ["plain", "directory", "stream", "parallel"])
def test_jobs_and_compression_settings_arrive_in_every_format(make_migration, servers, dump_format, monkeypatch):
    """User jobs arrive with every field as the source had them, compression settings load after the tables they
    name (directory used to fail on them), and verify compares both."""
    monkeypatch.setattr(parallel, "BULK_MIN_BYTES", 0)
    m = make_migration(servers.tsdb_source, servers.tsdb_target, dump_format=dump_format, drain=False)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    plant_community_rows(servers.tsdb_source, m.src_db)
    before = jobs_as_stored(servers.tsdb_source, m.src_db)
    assert len(before) == 2
    for op in phases():
        m.run(op)
    assert jobs_as_stored(servers.tsdb_target, m.tgt_db) == before
    assert jobs_as_stored(servers.tsdb_source, m.src_db) == before
    assert compression_as_stored(servers.tsdb_target, m.tgt_db) == compression_as_stored(servers.tsdb_source, m.src_db)
    summary = m.ti.xcoms["verify"]
    assert summary["differences"] == []
    assert m.ti.xcoms["pause_source_jobs"]["paused"] == []  # the apache build cannot run them: nothing to pause
    report = json.loads(Path(summary["report_json"]).read_text(encoding="utf-8"))
    sections = {c["section"] for c in report["checks"]}
    assert {
        "timescaledb jobs",
        "timescaledb jobs as before the pause",
        "timescaledb chunk states",
        "timescaledb compression",
    } <= sections
    [frozen] = [c for c in report["checks"] if c["section"] == "timescaledb chunk states"]
    assert frozen["ok"] and "status 4 frozen" in frozen["source"]


def test_verify_fails_on_a_job_changed_on_the_target(make_migration, servers):
    """A job whose config differs on the target after the load fails verification, naming the job."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target, dump_format="parallel", drain=False)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    plant_community_rows(servers.tsdb_source, m.src_db)
    for op in phases():
        if op.task_id == "verify":
            break
        m.run(op)
    with servers.tsdb_target.connect(m.tgt_db) as conn:
        conn.execute(
            "UPDATE _timescaledb_config.bgw_job SET config = config || '{\"drop_after\": 31}',"
            " timezone = 'UTC' WHERE scheduled"
        )
        conn.execute("UPDATE _timescaledb_catalog.chunk SET status = 0 WHERE status = 4")
    with pytest.raises(VerificationError) as err:
        m.run(VerifyOperator(task_id="verify"))
    assert "public.tsm_rollup" in str(err.value) and "drop_after" in str(err.value)
    assert "timescaledb chunk states _timescaledb_internal._hyper_" in str(err.value)


def test_chunks_are_never_split_by_block_ranges(make_migration, servers):
    """The parallel copy's table list marks TimescaleDB chunks (and anything in its schemas) as not splittable:
    a SELECT of a compressed chunk would decompress rows its compressed twin carries too."""
    m = make_migration(servers.tsdb_source, servers.tsdb_target)
    servers.tsdb_source.psql_file(m.src_db, SAMPLES / "timescaledb_sample.sql")
    with servers.tsdb_source.connect(m.src_db) as conn:
        conn.execute("CREATE TABLE public.plain_child () INHERITS (public.devices)")
        rows = catalog.rows(conn, "copy/bulk_data_tables", {"min_bytes": 0, "max_tables": 10_000})
    split = {(r["schema_name"], r["table_name"]): r["splittable"] for r in rows}
    chunks = [key for key in split if key[1].startswith("_hyper_")]
    assert chunks and not any(split[key] for key in chunks)
    assert split[("public", "devices")] is True
