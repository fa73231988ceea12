-- TimescaleDB: the time dimension of one hypertable as the chunk seed needs it: the column's type and the chunk
-- interval TimescaleDB stored (an interval for date and timestamp columns, an integer for integer columns).
SELECT d.column_type::text AS column_type, d.time_interval::text AS time_interval,
       d.integer_interval AS integer_interval
FROM timescaledb_information.dimensions d
WHERE d.hypertable_schema = %(schema)s AND d.hypertable_name = %(table)s AND d.dimension_type = 'Time'
ORDER BY d.dimension_number
LIMIT 1;
