-- TimescaleDB: every dimension of every hypertable: column, type, interval or partitions, integer now function.
SELECT quote_ident(hypertable_schema) || '.' || quote_ident(hypertable_name) || '.' || quote_ident(column_name)
         AS name,
       concat_ws(' ', dimension_type, column_type::text, 'interval', coalesce(time_interval::text,
                 integer_interval::text), 'partitions', num_partitions::text,
                 'now', integer_now_func) AS detail
FROM timescaledb_information.dimensions
ORDER BY 1;
