-- TimescaleDB: every chunk table, the internal compressed ones included (a hypertable's ANALYZE covers them).
SELECT c.schema_name, c.table_name
FROM {{timescaledb_chunks}} c
WHERE NOT c.dropped AND c.relid IS NOT NULL;
