-- "n is a user's schema": not a system, TOAST or temporary schema, and not one an extension owns.
-- A query includes it as {{user_schema}} where its pg_namespace is aliased n.
n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast')
  AND NOT starts_with(n.nspname, 'pg_temp')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
