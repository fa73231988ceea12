-- Every user relation's columns (chunks and partitions included), in the table's order, not dropped: what a
-- checksum hashes as ROW(...) (cheaper than the whole-row value, which copies each row first).
SELECT n.nspname AS schema_name, c.relname AS table_name,
       array(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast');
