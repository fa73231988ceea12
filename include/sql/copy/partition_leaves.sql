-- For every partitioned table: its leaf partitions (whose rows it holds).
SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) AS display_name,
       quote_ident(ln.nspname) || '.' || quote_ident(l.relname) AS leaf_display_name
FROM pg_class p
JOIN pg_namespace pn ON pn.oid = p.relnamespace
CROSS JOIN LATERAL pg_partition_tree(p.oid) AS tree
JOIN pg_class l ON l.oid = tree.relid
JOIN pg_namespace ln ON ln.oid = l.relnamespace
WHERE p.relkind = 'p' AND tree.isleaf
ORDER BY 1, 2;
