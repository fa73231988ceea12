-- The TimescaleDB build this server runs ('apache' or 'timescale'; NULL where TimescaleDB is not loaded).
SELECT current_setting('timescaledb.license', true) AS license;
