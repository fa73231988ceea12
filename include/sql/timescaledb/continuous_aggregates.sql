-- TimescaleDB: every continuous aggregate with a hash of its view's definition, materialized_only, finalized,
-- its materialization hypertable, its watermark and invalidation threshold (its rows are compared as data).
-- finalized is read through to_jsonb(): 2.29 removed the column (every aggregate is finalized there).
SELECT quote_ident(a.user_view_schema) || '.' || quote_ident(a.user_view_name) AS name,
       concat_ws(' ', 'definition', md5(pg_get_viewdef(format('%I.%I', a.user_view_schema,
                                                                a.user_view_name)::regclass)),
                 'materialized_only', a.materialized_only::text, 'finalized', coalesce(to_jsonb(a) ->> 'finalized', 'true'),
                 'on', quote_ident(raw.schema_name) || '.' || quote_ident(raw.table_name),
                 'materialization', quote_ident(mat.schema_name) || '.' || quote_ident(mat.table_name),
                 'watermark', coalesce(w.watermark::text, '-'),
                 'invalidation_threshold', coalesce(t.watermark::text, '-')) AS detail
FROM _timescaledb_catalog.continuous_agg a
JOIN _timescaledb_catalog.hypertable mat ON mat.id = a.mat_hypertable_id
JOIN _timescaledb_catalog.hypertable raw ON raw.id = a.raw_hypertable_id
LEFT JOIN _timescaledb_catalog.continuous_aggs_watermark w ON w.mat_hypertable_id = a.mat_hypertable_id
LEFT JOIN _timescaledb_catalog.continuous_aggs_invalidation_threshold t ON t.hypertable_id = a.raw_hypertable_id
ORDER BY 1;
