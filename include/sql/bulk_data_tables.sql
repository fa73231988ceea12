-- Tables whose rows the `parallel` format copies in parallel pipelines: ordinary tables (partition leaves and
-- TimescaleDB chunks included) that are not part of an extension, largest first. The rest travel in the skeleton.
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_table_size(c.oid) AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND pg_table_size(c.oid) >= %(min_bytes)s
ORDER BY bytes DESC, n.nspname, c.relname
LIMIT %(max_tables)s;
