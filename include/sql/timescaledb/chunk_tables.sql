-- Every TimescaleDB chunk table (wherever its schema), whose rows are counted through its hypertable.
SELECT chunk_schema AS schema_name, chunk_name AS table_name FROM timescaledb_information.chunks;
