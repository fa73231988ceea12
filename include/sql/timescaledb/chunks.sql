-- TimescaleDB: per hypertable, the number of chunks and a hash of their ranges and compression state.
SELECT quote_ident(hypertable_schema) || '.' || quote_ident(hypertable_name) AS name,
       count(*) || ' chunk(s), ranges ' ||
       md5(string_agg(concat_ws('|', range_start, range_end, range_start_integer, range_end_integer,
                                is_compressed), ',' ORDER BY range_start, range_start_integer,
                                chunk_name)) AS detail
FROM timescaledb_information.chunks
GROUP BY 1
ORDER BY 1;
