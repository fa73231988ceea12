-- Hypertables preflight: one source table as create_hypertable would see it (no row when it does not exist):
-- its kind and persistence, whether it is a partition, an inheritance parent or child, its rules (a hypertable
-- takes none) and its row triggers with transition tables (a hypertable refuses them).
SELECT c.oid::bigint AS oid,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
                      ELSE 'relation' END AS kind,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'logged' END AS persistence,
       c.relispartition AS is_partition,
       (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' ORDER BY 1)
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = c.oid) AS parents,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS children,
       array(SELECT r.rulename::text FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'
             ORDER BY 1) AS rules,
       array(SELECT g.tgname::text FROM pg_trigger g
             WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND (g.tgtype & 1) = 1
               AND (g.tgoldtable IS NOT NULL OR g.tgnewtable IS NOT NULL)
             ORDER BY 1) AS transition_row_triggers
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(table)s;
