-- TimescaleDB 2.19: batches of one compressed column stored with the NULL algorithm (the column is NULL in every
-- row of the batch; compressed_data_info() shows (NULL,t)). A 2.19 server cannot load them back (timescaledb#8893).
SELECT count(*) AS batches
FROM {twin} t
CROSS JOIN LATERAL _timescaledb_functions.compressed_data_info(t.{column}) i
WHERE i.algorithm IS NULL AND i.has_nulls;
