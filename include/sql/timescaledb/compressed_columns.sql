-- TimescaleDB: every compressed column of every compressed chunk (its batches are values of type
-- compressed_data in the chunk's compressed twin), with the hypertable and chunk it belongs to.
SELECT quote_ident(h.schema_name) || '.' || quote_ident(h.table_name) AS hypertable,
       quote_ident(c.schema_name) || '.' || quote_ident(c.table_name) AS chunk,
       cc.schema_name AS twin_schema, cc.table_name AS twin_name, a.attname AS column_name
FROM _timescaledb_catalog.chunk c
JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
JOIN _timescaledb_catalog.chunk cc ON cc.id = c.compressed_chunk_id
JOIN pg_attribute a ON a.attrelid = format('%I.%I', cc.schema_name, cc.table_name)::regclass
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = '_timescaledb_internal.compressed_data'::regtype
ORDER BY 1, 2, 5;
