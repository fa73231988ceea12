-- TimescaleDB: which build runs here (timescaledb.license: 'apache' cannot run policies, custom jobs,
-- compression or continuous aggregates) and which of those features this database uses.
SELECT current_setting('timescaledb.license', true) AS license,
       (SELECT count(*) FROM _timescaledb_config.bgw_job WHERE id >= 1000) AS user_jobs,
       (SELECT count(*) FROM {{timescaledb_chunks}} c WHERE c.compressed_relid IS NOT NULL AND NOT c.is_twin)
         AS compressed_chunks,
       (SELECT count(*) FROM _timescaledb_catalog.continuous_agg) AS continuous_aggregates;
