-- Every chunk of every hypertable, with whether it is compressed (a compressed chunk is checked through its
-- hypertable, which decompresses; an uncompressed one on its own, to spread the work over sessions).
SELECT hypertable_schema, hypertable_name, chunk_schema, chunk_name, is_compressed
FROM timescaledb_information.chunks;
