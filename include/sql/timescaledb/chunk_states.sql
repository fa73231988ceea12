-- TimescaleDB: every chunk that is not a plain uncompressed one (status bits 1 compressed, 2 unordered,
-- 4 frozen, 8 partial), with its compressed twin and the row counts before and after compression.
-- Compressed twins themselves are listed through the chunk they belong to.
SELECT quote_ident(c.schema_name) || '.' || quote_ident(c.table_name) AS name,
       concat_ws(' ', 'status', c.status::text,
                 CASE WHEN c.status & 1 <> 0 THEN 'compressed' END,
                 CASE WHEN c.status & 2 <> 0 THEN 'unordered' END,
                 CASE WHEN c.status & 4 <> 0 THEN 'frozen' END,
                 CASE WHEN c.status & 8 <> 0 THEN 'partial' END,
                 CASE WHEN c.dropped THEN 'dropped' END,
                 'twin', coalesce(quote_ident(c.compressed_schema) || '.' || quote_ident(c.compressed_table), '-'),
                 'rows', coalesce(s.numrows_pre_compression::text, '-'),
                 'compressed_rows', coalesce(s.numrows_post_compression::text, '-'),
                 'frozen_immediately', coalesce(s.numrows_frozen_immediately::text, '-')) AS detail
FROM {{timescaledb_chunks}} c
LEFT JOIN _timescaledb_catalog.compression_chunk_size s ON s.chunk_id = c.id
WHERE (c.status <> 0 OR c.compressed_relid IS NOT NULL OR c.dropped OR s.chunk_id IS NOT NULL) AND NOT c.is_twin
ORDER BY 1;
