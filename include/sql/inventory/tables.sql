-- Inventory: user tables, partitioned tables, views, materialized views, foreign tables and sequences, with what
-- each is and the state it is in: kind, persistence, whether a materialized view is populated, partition bound and
-- key, inheritance parents, the type of a typed table, its access method where not the heap, row security,
-- replica identity, the index it is clustered on, storage parameters (its own and its TOAST table's), and a foreign
-- table's server and options (options in name order: pg_dump writes them so). Views' and materialized views'
-- queries are inventory/view_definitions.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       concat_ws(' ',
                 CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                                WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                                WHEN 'S' THEN 'sequence' END,
                 CASE WHEN c.relpersistence = 'u' THEN 'unlogged' END,
                 CASE WHEN c.relkind = 'm' THEN CASE WHEN c.relispopulated THEN 'populated' ELSE 'not populated' END
                 END,
                 CASE WHEN c.relispartition THEN 'partition ' || pg_get_expr(c.relpartbound, c.oid) END,
                 CASE WHEN c.relkind = 'p' THEN 'by ' || pg_get_partkeydef(c.oid) END,
                 (SELECT 'inherits ' || string_agg(p.oid::regclass::text, ', ' ORDER BY i.inhseqno)
                  FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                  WHERE i.inhrelid = c.oid AND NOT c.relispartition),
                 CASE WHEN c.reloftype <> 0 THEN 'of ' || format_type(c.reloftype, NULL) END,
                 (SELECT 'using ' || quote_ident(a.amname) FROM pg_am a WHERE a.oid = c.relam AND a.amtype = 't'
                                                                          AND a.amname <> 'heap'),
                 CASE WHEN c.relrowsecurity THEN 'row security' END,
                 CASE WHEN c.relforcerowsecurity THEN 'forced' END,
                 CASE WHEN c.relkind IN ('r', 'p', 'm', 'f') AND c.relreplident <> 'd'
                      THEN 'replica identity ' || CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
                           ELSE 'index ' || coalesce((SELECT quote_ident(i.relname) FROM pg_index x
                                                      JOIN pg_class i ON i.oid = x.indexrelid
                                                      WHERE x.indrelid = c.oid AND x.indisreplident), '?') END END,
                 (SELECT 'clustered on ' || quote_ident(i.relname) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                  WHERE x.indrelid = c.oid AND x.indisclustered),
                 (SELECT 'with (' || string_agg(o, ', ' ORDER BY o) || ')' FROM unnest(c.reloptions) AS o),
                 (SELECT 'toast with (' || string_agg(o, ', ' ORDER BY o) || ')'
                  FROM pg_class t, unnest(t.reloptions) AS o WHERE t.oid = c.reltoastrelid),
                 (SELECT concat_ws(' ', 'server ' || quote_ident(s.srvname),
                                   (SELECT 'options (' || string_agg(o, ', ' ORDER BY o) || ')' FROM unnest(f.ftoptions) AS o))
                  FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver
                  WHERE f.ftrelid = c.oid)) AS detail
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
