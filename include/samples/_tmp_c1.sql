-- =============================================================================
-- timescaledb_community_sample.sql -- TimescaleDB community features, as a
-- self-hosted database of a few months holds them
-- =============================================================================
-- Needs TimescaleDB's community build (timescaledb.license = 'timescale'),
-- 2.19 or newer; the Apache build refuses compression, continuous aggregates,
-- policies and jobs. Load as a superuser into a fresh database:
--     psql -X -v ON_ERROR_STOP=1 -d <db> -f timescaledb_community_sample.sql
-- Roles are cluster-wide and created idempotently.
--
-- Everything below schema "telemetry" is owned by tsm_ts_owner_x6, a login that is
-- not superuser (so are the jobs and policies, which run as their owner):
--   * hypertable telemetry.readings, 1-day chunks (12 days, 2024-03-01 ..
--     2024-03-12), compression segmented by device_id, ordered by time DESC:
--     chunks 1-5 compressed, chunk 6 compressed then written to (partial,
--     status 9), chunks 7-12 uncompressed; a compression policy and a retention
--     policy (both far in the past: they never touch these rows);
--   * hypertable telemetry.events, integer time (1,000 per chunk), compressed
--     without segmentby (one batch per 1,000 rows), 3 of 4 chunks compressed;
--   * continuous aggregate telemetry.readings_hourly (materialized only, with a
--     refresh policy), telemetry.readings_daily on top of it (hierarchical,
--     real-time), both refreshed;
--   * a custom job (telemetry.tsm_housekeeping) with a config and a start far
--     ahead, and one paused by its owner;
--   * grants to tsm_app_reader_x6 on the hypertables and the aggregates.
-- Every compressed column holds a value in some row of every batch (a batch
-- whose column is NULL in every row would hit timescaledb#8893 on 2.19).
-- =============================================================================

SET client_encoding = 'UTF8';
SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE EXTENSION IF NOT EXISTS timescaledb;

DO $do$
BEGIN
    CREATE ROLE tsm_ts_owner_x6 LOGIN PASSWORD 'tsm-sample-owner-pw';
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_ts_owner_x6 already exists, skipping';
END
$do$;

DO $do$
BEGIN
    CREATE ROLE tsm_app_reader_x6 LOGIN PASSWORD 'tsm-sample-reader-pw' CONNECTION LIMIT 5;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_app_reader_x6 already exists, skipping';
END
$do$;

CREATE SCHEMA telemetry AUTHORIZATION tsm_ts_owner_x6;
GRANT USAGE ON SCHEMA telemetry TO tsm_app_reader_x6;

SET ROLE tsm_ts_owner_x6;

CREATE TABLE telemetry.readings (
    "time"      timestamptz NOT NULL,
    device_id   integer NOT NULL,
    value       double precision NOT NULL,
    battery     real,
    note        text
);
SELECT public.create_hypertable('telemetry.readings', public.by_range('time', INTERVAL '1 day'));
CREATE INDEX readings_device_time_idx ON telemetry.readings (device_id, "time" DESC);

INSERT INTO telemetry.readings ("time", device_id, value, battery, note)
SELECT timestamptz '2024-03-01 00:00+00' + (g % 1152) * INTERVAL '15 minutes',
       1 + g / 1152,
       round((20 + 5 * sin(g / 40.0) + (g % 7) * 0.1)::numeric, 3),
       CASE WHEN g % 5 <> 0 THEN (100 - (g % 1152) / 12.0)::real END,
       CASE WHEN g % 96 = 5 THEN 'maintenance ' || g END
FROM generate_series(0, 1152 * 6 - 1) AS g;

ALTER TABLE telemetry.readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id',
                                    timescaledb.compress_orderby = '"time" DESC');
SELECT public.compress_chunk(c)
FROM public.show_chunks('telemetry.readings', older_than => timestamptz '2024-03-07 00:00+00') AS c;
-- written to after compression: the chunk of 2024-03-06 becomes partial (status 9)
INSERT INTO telemetry.readings ("time", device_id, value, battery, note)
VALUES ('2024-03-06 12:07:00+00', 3, 21.5, 80, 'late arrival'), ('2024-03-06 13:07:00+00', 9, 22.5, 81, NULL);

SELECT public.add_compression_policy('telemetry.readings', compress_after => INTERVAL '100 years');
SELECT public.add_retention_policy('telemetry.readings', drop_after => INTERVAL '200 years');

CREATE TABLE telemetry.events (
    seq     bigint NOT NULL,
    kind    text NOT NULL,
    payload jsonb NOT NULL
);
SELECT public.create_hypertable('telemetry.events', public.by_range('seq', 1000));
CREATE FUNCTION telemetry.events_now() RETURNS bigint LANGUAGE sql STABLE AS
    $$ SELECT coalesce(max(seq), 0) FROM telemetry.events $$;
SELECT public.set_integer_now_func('telemetry.events', 'telemetry.events_now');
INSERT INTO telemetry.events (seq, kind, payload)
SELECT g, (ARRAY['start', 'stop', 'alarm'])[1 + g % 3], jsonb_build_object('n', g, 'ok', g % 11 <> 0)
FROM generate_series(0, 3999) AS g;
ALTER TABLE telemetry.events SET (timescaledb.compress, timescaledb.compress_orderby = 'seq');
SELECT public.compress_chunk(c) FROM public.show_chunks('telemetry.events', older_than => 3000) AS c;

CREATE MATERIALIZED VIEW telemetry.readings_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT public.time_bucket(INTERVAL '1 hour', "time") AS bucket, device_id,
       avg(value) AS avg_value, max(value) AS max_value, count(*) AS samples
FROM telemetry.readings
GROUP BY 1, 2
WITH NO DATA;

CREATE MATERIALIZED VIEW telemetry.readings_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT public.time_bucket(INTERVAL '1 day', bucket) AS day, device_id,
       max(max_value) AS max_value, sum(samples) AS samples
FROM telemetry.readings_hourly
GROUP BY 1, 2
WITH NO DATA;

CALL public.refresh_continuous_aggregate('telemetry.readings_hourly', NULL, timestamptz '2024-03-10 00:00+00');
CALL public.refresh_continuous_aggregate('telemetry.readings_daily', NULL, timestamptz '2024-03-09 00:00+00');
SELECT public.add_continuous_aggregate_policy('telemetry.readings_hourly', start_offset => INTERVAL '100 years',
                                              end_offset => INTERVAL '99 years',
                                              schedule_interval => INTERVAL '1 hour');

CREATE PROCEDURE telemetry.tsm_housekeeping(job_id integer, config jsonb) LANGUAGE plpgsql AS
$$ BEGIN RAISE NOTICE 'housekeeping % with %', job_id, config; END $$;
SELECT public.add_job('telemetry.tsm_housekeeping', INTERVAL '1 day',
                      config => '{"keep_days": 30, "label": "nightly"}',
                      initial_start => timestamptz '2999-01-01 03:00+00', timezone => 'Europe/Berlin');
SELECT public.alter_job(public.add_job('telemetry.tsm_housekeeping', INTERVAL '1 week',
                                       config => '{"label": "paused by its owner"}'),
                        scheduled => false);

GRANT SELECT ON telemetry.readings, telemetry.events TO tsm_app_reader_x6;
GRANT SELECT ON telemetry.readings_hourly, telemetry.readings_daily TO tsm_app_reader_x6;

RESET ROLE;
