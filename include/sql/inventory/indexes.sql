-- Inventory: indexes of user relations with their definition and state: not valid (a failed concurrent build; a
-- partitioned index some partition lacks), not ready, the table clustered on it, the replica identity it is, the
-- partitioned index it is attached to, statistics targets set on its expression columns.
SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) AS name,
       concat_ws(' ', pg_get_indexdef(i.oid),
                 CASE WHEN NOT x.indisvalid THEN 'not valid' END,
                 CASE WHEN NOT x.indisready THEN 'not ready' END,
                 CASE WHEN x.indisclustered THEN 'clustered' END,
                 CASE WHEN x.indisreplident THEN 'replica identity' END,
                 (SELECT 'attached to ' || h.inhparent::regclass::text FROM pg_inherits h WHERE h.inhrelid = i.oid),
                 (SELECT 'statistics ' || string_agg(a.attnum || '=' || a.attstattarget, ',' ORDER BY a.attnum)
                  FROM pg_attribute a WHERE a.attrelid = i.oid AND a.attstattarget >= 0)) AS detail
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indrelid AND d.deptype = 'e')
ORDER BY 1;
