-- Bytes of table data (heap and TOAST, no indexes) in the current database: the estimate of a dump's size.
SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast');
