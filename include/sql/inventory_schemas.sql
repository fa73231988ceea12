-- Inventory: user schemas (not system, not an extension's).
SELECT quote_ident(n.nspname) AS name, coalesce(obj_description(n.oid, 'pg_namespace'), '') AS detail
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
ORDER BY 1;
