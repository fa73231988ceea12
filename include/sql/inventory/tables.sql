-- Inventory: user tables, partitioned tables, views, materialized views, foreign tables and sequences,
-- with their kind, persistence, partition key and storage parameters (their own and their TOAST table's).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       concat_ws(' ',
                 CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                                WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                                WHEN 'S' THEN 'sequence' END,
                 CASE WHEN c.relpersistence = 'u' THEN 'unlogged' END,
                 CASE WHEN c.relispartition THEN 'partition ' || pg_get_expr(c.relpartbound, c.oid) END,
                 CASE WHEN c.relkind = 'p' THEN 'by ' || pg_get_partkeydef(c.oid) END,
                 CASE WHEN c.relrowsecurity THEN 'row security' END,
                 CASE WHEN c.relforcerowsecurity THEN 'forced' END,
                 'with (' || array_to_string(c.reloptions, ', ') || ')',
                 (SELECT 'toast with (' || array_to_string(t.reloptions, ', ') || ')'
                  FROM pg_class t WHERE t.oid = c.reltoastrelid)) AS detail
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
