-- Every chunk of every hypertable, with whether it is compressed (a compressed chunk is read without ONLY, which
-- TimescaleDB decompresses; an uncompressed one with ONLY: its own rows).
SELECT hypertable_schema, hypertable_name, chunk_schema, chunk_name, is_compressed
FROM timescaledb_information.chunks;
