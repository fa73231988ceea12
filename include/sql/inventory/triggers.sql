-- Inventory: user triggers (not internal, not TimescaleDB's own) with their definition.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(g.tgname) AS name,
       pg_get_triggerdef(g.oid) AS detail
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal
  AND g.tgname NOT IN ('ts_insert_blocker', 'ts_cagg_invalidation_trigger')
  AND {{user_schema}}
ORDER BY 1;
