-- Tables whose rows the `parallel` format copies itself: ordinary tables (partition leaves and TimescaleDB
-- chunks included) that are not part of an extension, largest first, each with the columns COPY moves (not
-- dropped, not generated, in the table's order) and whether every one of them has a built-in type (only those
-- tables may travel in COPY's binary format), its heap's blocks (a split table is copied in block ranges), and
-- whether it (or its TOAST table) sets autovacuum_enabled itself (the load leaves those settings alone), and
-- whether it may be split: never a table in TimescaleDB's schemas nor an inheritance child (a TimescaleDB chunk
-- or compressed chunk, wherever its schema): a SELECT from a compressed chunk decompresses its rows, which
-- would then be copied twice (once from the chunk, once with its compressed twin).
-- The rest travel in the skeleton.
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_table_size(c.oid) AS bytes,
       pg_relation_size(c.oid) / current_setting('block_size')::bigint AS blocks,
       array(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum) AS columns,
       NOT EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                     AND a.atttypid >= 16384) AS builtin_types,
       EXISTS (SELECT 1 FROM pg_class r, unnest(r.reloptions) AS o(option)
               WHERE r.oid IN (c.oid, c.reltoastrelid) AND starts_with(o.option, 'autovacuum_enabled=')) AS autovacuum_set,
       NOT starts_with(n.nspname, '_timescaledb_')
         AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                         WHERE i.inhrelid = c.oid AND p.relkind = 'r') AS splittable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND pg_table_size(c.oid) >= %(min_bytes)s
ORDER BY bytes DESC, n.nspname, c.relname
LIMIT %(max_tables)s;
