-- Hypertables with their number of dimensions and chunks (only when timescaledb is installed).
SELECT hypertable_schema AS schema_name, hypertable_name AS table_name, num_dimensions, num_chunks
FROM timescaledb_information.hypertables
ORDER BY 1, 2;
