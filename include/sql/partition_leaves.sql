-- For every partitioned table: its leaf partitions (whose rows it holds).
SELECT pn.nspname AS schema_name, p.relname AS table_name, ln.nspname AS leaf_schema, l.relname AS leaf_name
FROM pg_class p
JOIN pg_namespace pn ON pn.oid = p.relnamespace
CROSS JOIN LATERAL pg_partition_tree(p.oid) AS tree
JOIN pg_class l ON l.oid = tree.relid
JOIN pg_namespace ln ON ln.oid = l.relnamespace
WHERE p.relkind = 'p' AND tree.isleaf
ORDER BY 1, 2, 3, 4;
