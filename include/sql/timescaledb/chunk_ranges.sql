-- TimescaleDB: the chunks of one hypertable with one (time) dimension and their ranges, in order: date and
-- timestamp ranges as UTC timestamps in text (the chunks' own alignment), integer ranges as integers.
SELECT c.chunk_schema, c.chunk_name,
       (c.range_start AT TIME ZONE 'UTC')::text AS range_start, (c.range_end AT TIME ZONE 'UTC')::text AS range_end,
       c.range_start_integer, c.range_end_integer
FROM timescaledb_information.chunks c
WHERE c.hypertable_schema = %(schema)s AND c.hypertable_name = %(table)s
ORDER BY c.range_start, c.range_start_integer;
