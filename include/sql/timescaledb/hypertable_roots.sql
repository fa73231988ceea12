-- TimescaleDB: every hypertable's root table, TimescaleDB's internal compressed ones included. Naming one in
-- ANALYZE makes TimescaleDB analyze all its chunks again; the analyze phase analyzes the chunks on their own.
SELECT schema_name::text AS schema_name, table_name::text AS table_name
FROM _timescaledb_catalog.hypertable;
