-- Inventory: the query of every user view and materialized view (what it means, not its rows: a view and a
-- materialized view never populated have none), as a hash of pg_get_viewdef() in the pinned session settings.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END || ' query '
         || md5(pg_get_viewdef(c.oid)) AS detail
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
