-- Index builds running in the current database (post-data restore progress): which index on which table, the
-- build's phase, and blocks and tuples done of their totals.
SELECT index_relid::regclass::text AS index_name, relid::regclass::text AS table_name, phase,
       blocks_done, blocks_total, tuples_done, tuples_total
FROM pg_stat_progress_create_index
WHERE datname = current_database();
