-- TimescaleDB 2.19: batches of one compressed column stored with the NULL algorithm (the column is NULL in every
-- row of the batch). A 2.19 server cannot load them back (timescaledb#8893). compressed_data_info() reports such a
-- batch with algorithm = 'NULL': a name holding the text NULL, not SQL NULL (seen on a 2.19.3 community build).
SELECT count(*) AS batches
FROM {twin} t
CROSS JOIN LATERAL _timescaledb_functions.compressed_data_info(t.{column}) i
WHERE i.algorithm::text = 'NULL' OR i.algorithm IS NULL;
