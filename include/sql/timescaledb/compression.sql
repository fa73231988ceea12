-- TimescaleDB: compression settings as the catalog keeps them, per hypertable and per compressed chunk: the
-- compressed table, segment by, order by with each column's direction and nulls placement, the sparse index
-- configuration of 2.22 on (read through to_jsonb(): older versions lack the column) (run with
-- search_path = pg_catalog, so that every regclass prints schema-qualified on both sides).
SELECT s.relid::text AS name,
       concat_ws(' ', 'into', coalesce(s.compress_relid::text, '-'),
                 'segmentby', coalesce(array_to_string(s.segmentby, ',', '-'), '-'),
                 'orderby', coalesce((SELECT string_agg(concat_ws(' ', o.col,
                                                                   CASE WHEN o.descending THEN 'desc' ELSE 'asc' END,
                                                                   CASE WHEN o.nulls_first THEN 'nulls first'
                                                                        ELSE 'nulls last' END), ',' ORDER BY o.n)
                                      FROM unnest(s.orderby, s.orderby_desc, s.orderby_nullsfirst)
                                           WITH ORDINALITY AS o(col, descending, nulls_first, n)), '-'),
                 'index', coalesce(to_jsonb(s) ->> 'index', '-')) AS detail
FROM _timescaledb_catalog.compression_settings s
ORDER BY 1;
