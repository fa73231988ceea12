-- Every relation a database-wide ANALYZE processes (tables, materialized views, partitioned tables; not temporary
-- tables, not foreign tables) that the current user may analyze (superuser, owner, database owner except for
-- shared catalogs, or the MAINTAIN privilege of PostgreSQL 17), largest first: the analyze phase hands them to
-- several sessions. Chunks and catalogs included, as ANALYZE without a table list would. Partitions are left
-- to their partitioned root: ANALYZE of a partitioned table analyzes every partition too (its size is theirs).
-- An inheritance parent (a hypertable's root) counts its children's size: its ANALYZE may have to read them.
-- Partition trees are walked through pg_inherits: pg_partition_tree() locks every partition in the transaction.
-- `reachable`: the login may name it (USAGE on its schema), which ANALYZE by name needs and ANALYZE of the whole
-- database does not.
SELECT n.nspname AS schema_name, c.relname AS table_name, has_schema_privilege(n.oid, 'USAGE') AS reachable,
       CASE WHEN c.relkind = 'p'
            THEN (WITH RECURSIVE tree AS (SELECT i.inhrelid AS relid FROM pg_inherits i WHERE i.inhparent = c.oid
                                          UNION ALL
                                          SELECT i.inhrelid FROM tree t JOIN pg_inherits i ON i.inhparent = t.relid)
                  SELECT coalesce(sum(pg_relation_size(tree.relid)), 0) FROM tree)
            ELSE pg_relation_size(c.oid)
                 + (SELECT coalesce(sum(pg_relation_size(i.inhrelid)), 0) FROM pg_inherits i
                    WHERE i.inhparent = c.oid) END AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm', 'p')
  AND c.relpersistence <> 't'
  AND NOT c.relispartition
  AND ((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
       OR pg_has_role(c.relowner, 'USAGE')
       OR (NOT c.relisshared
           AND pg_has_role((SELECT d.datdba FROM pg_database d WHERE d.datname = current_database()), 'USAGE'))
       OR CASE WHEN current_setting('server_version_num')::int >= 170000
               THEN has_table_privilege(c.oid, 'MAINTAIN') ELSE false END)
ORDER BY bytes DESC, 1, 2;
