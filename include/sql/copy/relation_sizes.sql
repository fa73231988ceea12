-- Size of every user relation in bytes, a hypertable's including its chunks (to schedule the largest first).
SELECT n.nspname AS schema_name, c.relname AS table_name,
       pg_total_relation_size(c.oid)
         + coalesce((SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = c.oid), 0)
         AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast');
