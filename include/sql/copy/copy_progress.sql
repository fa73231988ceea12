-- COPY commands running into the current database: which relation, rows and bytes so far (stream progress).
SELECT relid::regclass::text AS relation, tuples_processed AS rows_done, bytes_processed AS bytes_done
FROM pg_stat_progress_copy
WHERE datname = current_database();
