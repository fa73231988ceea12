-- Verification of the tables a load converted into hypertables (the `hypertables` param), on the target: each
-- one's name as the inventory writes it, its dimensions in order, its chunks (count, first and last range,
-- names), its compression settings and its policy jobs.
SELECT h.hypertable_schema::text AS schema_name, h.hypertable_name::text AS table_name,
       quote_ident(h.hypertable_schema) || '.' || quote_ident(h.hypertable_name) AS display_name,
       (SELECT json_agg(json_build_object('column', d.column_name, 'type', d.dimension_type,
                                          'interval', d.time_interval::text, 'integer_interval', d.integer_interval,
                                          'partitions', d.num_partitions) ORDER BY d.dimension_number)
        FROM timescaledb_information.dimensions d
        WHERE d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name) AS dimensions,
       (SELECT json_build_object(
                   'count', count(*),
                   'first', coalesce(min(k.range_start)::text, min(k.range_start_integer)::text),
                   'last', coalesce(max(k.range_end)::text, max(k.range_end_integer)::text),
                   'names', coalesce(json_agg(json_build_array(k.chunk_schema, k.chunk_name)
                                              ORDER BY k.chunk_schema, k.chunk_name), '[]'::json))
        FROM timescaledb_information.chunks k
        WHERE k.hypertable_schema = h.hypertable_schema AND k.hypertable_name = h.hypertable_name) AS chunks,
       (SELECT json_build_object('segmentby', coalesce(s.segmentby, '{}'),
                                 'orderby', coalesce(s.orderby, '{}'),
                                 'orderby_desc', coalesce(s.orderby_desc, '{}'),
                                 'orderby_nullsfirst', coalesce(s.orderby_nullsfirst, '{}'))
        FROM _timescaledb_catalog.compression_settings s
        WHERE s.relid = (quote_ident(h.hypertable_schema) || '.' || quote_ident(h.hypertable_name))::regclass
        LIMIT 1) AS compression,
       (SELECT coalesce(json_agg(json_build_object('id', j.job_id, 'proc', j.proc_name, 'config', j.config,
                                                   'scheduled', j.scheduled) ORDER BY j.job_id), '[]'::json)
        FROM timescaledb_information.jobs j
        WHERE j.hypertable_schema = h.hypertable_schema AND j.hypertable_name = h.hypertable_name
          AND j.job_id >= 1000) AS jobs
FROM timescaledb_information.hypertables h
WHERE (h.hypertable_schema::text, h.hypertable_name::text) IN
      (SELECT s, t FROM unnest(%(schemas)s::text[], %(tables)s::text[]) AS u(s, t))
ORDER BY 1, 2;
