-- TimescaleDB: hypertables with their number of dimensions and whether compression is enabled.
SELECT quote_ident(hypertable_schema) || '.' || quote_ident(hypertable_name) AS name,
       concat_ws(' ', num_dimensions || ' dimension(s)',
                 CASE WHEN compression_enabled THEN 'compression enabled' END) AS detail
FROM timescaledb_information.hypertables
ORDER BY 1;
