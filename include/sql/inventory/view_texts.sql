-- The query of every user view and materialized view as pg_get_viewdef() prints it (in the pinned session settings:
-- every name outside pg_catalog qualified), kept so that a target of another major version can deparse it again
-- (verify/normalize.py). Never compared itself.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, pg_get_viewdef(c.oid) AS detail
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
