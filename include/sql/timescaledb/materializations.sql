-- TimescaleDB: the materialization hypertable of every continuous aggregate, whose rows are compared as the
-- aggregate's data (it lives in TimescaleDB's internal schema, which the user tables leave out).
SELECT mat.schema_name, mat.table_name,
       quote_ident(a.user_view_schema) || '.' || quote_ident(a.user_view_name) AS display_name
FROM _timescaledb_catalog.continuous_agg a
JOIN _timescaledb_catalog.hypertable mat ON mat.id = a.mat_hypertable_id
ORDER BY 1, 2;
