-- TimescaleDB's chunk catalog as every version from 2.13 to the current release shows it: one row per chunk
-- table (compressed ones included) with id, hypertable_id, relid, schema_name, table_name, status, dropped,
-- compressed_relid, compressed_schema, compressed_table (its compressed twin, NULL if none) and is_twin (it is
-- another chunk's compressed twin; 2.29 on give a twin no id of its own).
-- The one place the catalog's versions meet: 2.26 dropped `dropped`; 2.29 replaced schema_name/table_name with
-- relid, and a compressed twin's own chunk row and `compressed_chunk_id` with compression_settings.compress_relid.
-- Columns a version lacks are read through jsonb_to_record(to_jsonb(row)), which leaves them NULL: one
-- conversion per row (`j ->> key` on a subquery's to_jsonb() converted the row again for every key: 0.36 s for
-- 10,000 chunks against 0.06 s). A query includes it as {{timescaledb_chunks}} in its FROM list, aliased.
(WITH raw AS (
    SELECT x.id, x.hypertable_id,
           coalesce(x.relid, to_regclass(format('%I.%I', x.schema_name, x.table_name))) AS relid,
           x.status, coalesce(x.dropped, false) AS dropped, x.compressed_chunk_id,
           x.schema_name AS catalog_schema, x.table_name AS catalog_table
    FROM _timescaledb_catalog.chunk c,
         jsonb_to_record(to_jsonb(c)) AS x(id integer, hypertable_id integer, relid regclass, schema_name text,
                                          table_name text, status integer, dropped boolean,
                                          compressed_chunk_id integer)
)
SELECT ch.id, ch.hypertable_id, ch.relid, coalesce(n.nspname, ch.catalog_schema)::text AS schema_name,
       coalesce(r.relname, ch.catalog_table)::text AS table_name, ch.status, ch.dropped,
       tr.oid::regclass AS compressed_relid, tn.nspname::text AS compressed_schema, tr.relname::text AS compressed_table,
       EXISTS (SELECT 1 FROM raw p WHERE p.compressed_chunk_id = ch.id) AS is_twin
FROM raw ch
LEFT JOIN pg_class r ON r.oid = ch.relid
LEFT JOIN pg_namespace n ON n.oid = r.relnamespace
LEFT JOIN raw twin ON twin.id = ch.compressed_chunk_id
LEFT JOIN _timescaledb_catalog.compression_settings s ON s.relid = ch.relid AND s.compress_relid IS NOT NULL
LEFT JOIN pg_class tr ON tr.oid = coalesce(twin.relid, s.compress_relid)
LEFT JOIN pg_namespace tn ON tn.oid = tr.relnamespace
UNION ALL
SELECT NULL, ch.hypertable_id, s.compress_relid, n.nspname::text, r.relname::text, 0, false, NULL, NULL, NULL, true
FROM raw ch
JOIN _timescaledb_catalog.compression_settings s ON s.relid = ch.relid AND s.compress_relid IS NOT NULL
JOIN pg_class r ON r.oid = s.compress_relid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE ch.compressed_chunk_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM raw t WHERE t.relid = s.compress_relid))
