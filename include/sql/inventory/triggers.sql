-- Inventory: user triggers (not internal, not TimescaleDB's own) with their definition and state: enabled,
-- disabled, enabled for replicas only (REPLICA) or always (ALWAYS); whether a partition's is cloned from its
-- partitioned table's.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(g.tgname) AS name,
       concat_ws(' ', pg_get_triggerdef(g.oid),
                 CASE g.tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'enabled replica'
                                  WHEN 'A' THEN 'enabled always' END,
                 CASE WHEN coalesce((to_jsonb(g) ->> 'tgparentid')::oid, 0) <> 0 THEN 'cloned' END) AS detail
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal
  AND g.tgname NOT IN ('ts_insert_blocker', 'ts_cagg_invalidation_trigger')
  AND {{user_schema}}
ORDER BY 1;
