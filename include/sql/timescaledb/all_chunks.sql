-- TimescaleDB: every chunk table, the internal compressed ones included (a hypertable's ANALYZE covers them).
SELECT schema_name::text AS schema_name, table_name::text AS table_name
FROM _timescaledb_catalog.chunk
WHERE NOT dropped;
