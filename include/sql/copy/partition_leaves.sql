-- For every partitioned table (a sub-partitioned partition included): its leaf partitions (whose rows it holds).
-- Walked through pg_inherits, not pg_partition_tree(), which locks every partition in the query's transaction:
-- 7,000 partitions on a source whose pg_dump holds 7,000 locks already ran out of shared memory.
WITH RECURSIVE tree AS (
    SELECT p.oid AS root, i.inhrelid AS relid
    FROM pg_class p
    JOIN pg_inherits i ON i.inhparent = p.oid
    WHERE p.relkind = 'p'
    UNION ALL
    SELECT t.root, i.inhrelid
    FROM tree t
    JOIN pg_inherits i ON i.inhparent = t.relid
)
SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) AS display_name,
       quote_ident(ln.nspname) || '.' || quote_ident(l.relname) AS leaf_display_name
FROM tree
JOIN pg_class p ON p.oid = tree.root
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class l ON l.oid = tree.relid
JOIN pg_namespace ln ON ln.oid = l.relnamespace
WHERE l.relkind NOT IN ('p', 'I')
ORDER BY 1, 2;
