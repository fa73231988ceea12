-- Indexes of user tables that are not valid (a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed): pg_dump
-- leaves them out (a partitioned index excepted: it is valid again once every partition's index is attached), so they
-- will not be on the target. Named as verify's inventory names indexes.
SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) AS name, x.indrelid::regclass::text AS table_name
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE NOT x.indisvalid AND i.relkind = 'i'
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indrelid AND d.deptype = 'e')
ORDER BY 1;
