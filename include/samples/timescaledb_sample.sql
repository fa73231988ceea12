-- =============================================================================
-- timescaledb_sample.sql -- sample TimescaleDB database for the migration DAG
-- =============================================================================
-- Purpose: a small TimescaleDB 2.19 source database (PostgreSQL 17) used to
-- test the pg_dumpall --roles-only + pg_dump --format=plain
-- --quote-all-identifiers --no-tablespaces --no-owner --no-privileges | psql
-- migration into a TimescaleDB target (timescaledb_pre_restore() before and
-- timescaledb_post_restore() after loading the dump).
--
-- Load into a fresh, empty database:
--     psql -X -v ON_ERROR_STOP=1 -d <db> -f timescaledb_sample.sql
-- The file can be loaded into many databases of the same cluster: roles are
-- cluster-wide and are created idempotently.
--
-- Works with the Apache-licensed TimescaleDB build (timescaledb.license =
-- 'apache'): hypertables and add_dimension only. Deliberately NOT used,
-- because that build refuses them with 'function "..." is not supported
-- under the current "apache" license' (checked on 2.19.3):
--   * add_retention_policy / add_reorder_policy / add_job (so no background
--     job at all in this sample),
--   * compression (ALTER TABLE ... SET (timescaledb.compress)),
--   * continuous aggregates.
--
-- Contents: plain table "devices" (identity column) referenced by a foreign
-- key from the hypertable "conditions" (1-day chunks + 4-way hash dimension
-- on device_id); hypertable "Metrics ☕"."Device ""Readings""" with a bigint
-- time column, 1-day (86400) chunk interval, an integer-now function, a
-- bigserial column and a composite primary key; views over both hypertables.
-- Data: deterministic (generate_series), 10 days (2024-03-01 .. 2024-03-10),
-- ~3,400 rows, 50 chunks (40 for "conditions", 10 for "Device ""Readings""").
-- =============================================================================

CREATE EXTENSION IF NOT EXISTS timescaledb;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- -----------------------------------------------------------------------------
-- Roles (cluster-wide, therefore idempotent)
-- -----------------------------------------------------------------------------
DO $do$
BEGIN
    CREATE ROLE tsm_app_owner NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_app_owner already exists, skipping';
END
$do$;

DO $do$
BEGIN
    CREATE ROLE tsm_app_reader LOGIN PASSWORD 'tsm-sample-reader-pw' CONNECTION LIMIT 5;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_app_reader already exists, skipping';
END
$do$;

-- NOLOGIN group role with an awkward name
DO $do$
BEGIN
    CREATE ROLE "TSM Reporting ""Role""" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role "TSM Reporting ""Role""" already exists, skipping';
END
$do$;

-- group memberships (re-granting an existing membership is only a notice)
DO $do$
BEGIN
    GRANT "TSM Reporting ""Role""" TO tsm_app_reader;
    GRANT "TSM Reporting ""Role""" TO tsm_app_owner;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'membership already granted, skipping';
END
$do$;

-- -----------------------------------------------------------------------------
-- Plain (non-hypertable) reference table
-- -----------------------------------------------------------------------------
CREATE TABLE public.devices (
    device_id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial_no    text NOT NULL,
    name         text NOT NULL,
    location     text,
    model        varchar(32),
    installed_on date NOT NULL,
    tags         text[] NOT NULL DEFAULT '{}',
    metadata     jsonb,
    CONSTRAINT devices_serial_no_key UNIQUE (serial_no)
);
COMMENT ON TABLE public.devices IS 'Sensor devices (plain table referenced by hypertables)';
COMMENT ON COLUMN public.devices.device_id IS 'GENERATED ALWAYS identity';

INSERT INTO public.devices (serial_no, name, location, model, installed_on, tags, metadata)
SELECT format('SN-%s-%s', lpad(g::text, 4, '0'), upper(left(md5('device-' || g), 6))),
       (ARRAY['Thermo', 'Hygro', 'Combo', 'Outdoor'])[1 + g % 4] || ' sensor #' || g,
       (ARRAY['Küche', 'Lager "Nord"', 'Büro 3', 'Dach'])[1 + g % 4],
       (ARRAY['TX-100', 'TX-200', 'HX-9'])[1 + g % 3],
       date '2023-06-01' + g * 10,
       CASE WHEN g % 2 = 0 THEN ARRAY['indoor'] ELSE ARRAY['outdoor', 'battery'] END,
       jsonb_build_object('firmware', '1.' || g % 3, 'calibrated', g % 3 = 0)
FROM generate_series(1, 8) AS g
ORDER BY g;

-- -----------------------------------------------------------------------------
-- Hypertable "conditions": 1-day chunks + 4 hash partitions on device_id
-- -----------------------------------------------------------------------------
CREATE TABLE public.conditions (
    "time"      timestamptz NOT NULL,
    device_id   integer NOT NULL,
    temperature double precision,
    humidity    real,
    CONSTRAINT conditions_device_id_fkey FOREIGN KEY (device_id)
        REFERENCES public.devices (device_id) ON DELETE CASCADE,
    CONSTRAINT conditions_humidity_check CHECK (humidity BETWEEN 0 AND 100)
);
SELECT public.create_hypertable('public.conditions', public.by_range('time', INTERVAL '1 day'));
SELECT public.add_dimension('public.conditions', public.by_hash('device_id', 4));
CREATE INDEX conditions_device_id_time_idx ON public.conditions (device_id, "time" DESC);
COMMENT ON TABLE public.conditions IS 'Hypertable: 1-day chunks, 4 hash partitions on device_id';
COMMENT ON COLUMN public.conditions.humidity IS 'Relative humidity in percent (NULL every 13th reading)';

-- hourly readings of 8 devices over 10 days
INSERT INTO public.conditions ("time", device_id, temperature, humidity)
SELECT timestamptz '2024-03-01 00:00:00+00' + h * interval '1 hour',
       d,
       round((18 + d + 6 * sin(h * pi() / 12))::numeric, 3)::double precision,
       CASE WHEN (h + d) % 13 = 0 THEN NULL ELSE (40 + (h * 7 + d * 3) % 50)::real END
FROM generate_series(0, 239) AS h
CROSS JOIN generate_series(1, 8) AS d
ORDER BY h, d;

-- -----------------------------------------------------------------------------
-- Hypertable with awkward schema/table/column names and an integer time column
-- -----------------------------------------------------------------------------
CREATE SCHEMA "Metrics ☕";
COMMENT ON SCHEMA "Metrics ☕" IS 'Schema with a space and a unicode character';

CREATE FUNCTION "Metrics ☕"."unix now"() RETURNS bigint
    LANGUAGE sql STABLE
    RETURN extract(epoch FROM now())::bigint;
COMMENT ON FUNCTION "Metrics ☕"."unix now"() IS 'integer_now function of "Device ""Readings"""';

CREATE TABLE "Metrics ☕"."Device ""Readings""" (
    "Epoch Seconds" bigint NOT NULL,
    reading_id      bigserial NOT NULL,
    device_id       integer NOT NULL REFERENCES public.devices (device_id),
    "Metric Name"   text NOT NULL,
    "Value"         numeric(12,4),
    "Flags"         smallint NOT NULL DEFAULT 0,
    payload         jsonb,
    CONSTRAINT "Device ""Readings"" pkey" PRIMARY KEY ("Epoch Seconds", device_id, "Metric Name")
);
SELECT public.create_hypertable('"Metrics ☕"."Device ""Readings"""',
                                public.by_range('Epoch Seconds', 86400));
SELECT public.set_integer_now_func('"Metrics ☕"."Device ""Readings"""', '"Metrics ☕"."unix now"()'::regprocedure);
CREATE INDEX "Readings by metric" ON "Metrics ☕"."Device ""Readings""" ("Metric Name", "Epoch Seconds" DESC);
COMMENT ON TABLE "Metrics ☕"."Device ""Readings""" IS 'Hypertable with bigint time (seconds since epoch), 86400-second chunks';
COMMENT ON COLUMN "Metrics ☕"."Device ""Readings"""."Epoch Seconds" IS 'Unix time in seconds';

-- every 2 hours, 4 devices, 3 metrics, 10 days (1709251200 = 2024-03-01 00:00:00 UTC)
INSERT INTO "Metrics ☕"."Device ""Readings""" ("Epoch Seconds", device_id, "Metric Name", "Value", "Flags", payload)
SELECT 1709251200 + s * 7200,
       d,
       m.name,
       CASE WHEN m.name = 'battery %' AND s % 17 = 0 THEN NULL
            ELSE round((m.base + d * 1.5 + (s % 12) * m.step)::numeric, 4) END,
       ((s + d) % 4)::smallint,
       CASE WHEN s % 10 = 0 THEN jsonb_build_object('note', 'calibration "ok"', 'seq', s) END
FROM generate_series(0, 119) AS s
CROSS JOIN generate_series(1, 4) AS d
CROSS JOIN (VALUES ('battery %', 60.0, 2.5), ('rssi dBm', -90.0, 1.25), ('Luftdruck hPa', 1000.0, 0.5)) AS m(name, base, step)
ORDER BY s, d, m.name;

-- -----------------------------------------------------------------------------
-- Views over the hypertables
-- -----------------------------------------------------------------------------
CREATE VIEW public.conditions_daily AS
SELECT public.time_bucket(INTERVAL '1 day', c."time") AS bucket,
       c.device_id,
       d.name AS device_name,
       count(*) AS readings,
       avg(c.temperature) AS avg_temperature,
       min(c.temperature) AS min_temperature,
       max(c.temperature) AS max_temperature,
       avg(c.humidity) AS avg_humidity
  FROM public.conditions AS c
  JOIN public.devices AS d USING (device_id)
 GROUP BY 1, 2, 3;
COMMENT ON VIEW public.conditions_daily IS 'Daily aggregates over the conditions hypertable (plain view, no continuous aggregate)';

CREATE VIEW "Metrics ☕"."Latest ""Readings""" AS
SELECT DISTINCT ON (device_id, "Metric Name")
       device_id,
       "Metric Name",
       to_timestamp("Epoch Seconds") AS "Read At",
       "Value"
  FROM "Metrics ☕"."Device ""Readings"""
 ORDER BY device_id, "Metric Name", "Epoch Seconds" DESC;

-- -----------------------------------------------------------------------------
-- Ownership and privileges (stripped by --no-owner / --no-privileges)
-- -----------------------------------------------------------------------------
ALTER VIEW "Metrics ☕"."Latest ""Readings""" OWNER TO tsm_app_owner;
GRANT USAGE ON SCHEMA "Metrics ☕" TO tsm_app_reader, "TSM Reporting ""Role""";
GRANT SELECT ON public.devices, public.conditions, public.conditions_daily TO tsm_app_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA "Metrics ☕" TO "TSM Reporting ""Role""";
GRANT SELECT, INSERT, UPDATE, DELETE ON public.devices, public.conditions TO tsm_app_owner;
GRANT SELECT, INSERT ON "Metrics ☕"."Device ""Readings""" TO tsm_app_owner;
