-- TimescaleDB: every compressed column of every compressed chunk (its batches are values of type
-- compressed_data in the chunk's compressed twin), with the hypertable and chunk it belongs to.
SELECT quote_ident(h.schema_name) || '.' || quote_ident(h.table_name) AS hypertable,
       quote_ident(c.schema_name) || '.' || quote_ident(c.table_name) AS chunk,
       c.compressed_schema AS twin_schema, c.compressed_table AS twin_name, a.attname AS column_name
FROM {{timescaledb_chunks}} c
JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
JOIN pg_attribute a ON a.attrelid = c.compressed_relid
WHERE NOT c.is_twin AND c.compressed_relid IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = '_timescaledb_internal.compressed_data'::regtype
ORDER BY 1, 2, 5;
