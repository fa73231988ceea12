-- Inventory: user triggers (not internal, not TimescaleDB's own) with their definition.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(g.tgname) AS name,
       pg_get_triggerdef(g.oid) AS detail
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal
  AND g.tgname NOT IN ('ts_insert_blocker', 'ts_cagg_invalidation_trigger')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
ORDER BY 1;
