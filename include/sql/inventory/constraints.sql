-- Inventory: table and domain constraints with their kind and definition (deferrable, NOT VALID, NO INHERIT and
-- NOT ENFORCED are part of it), whether a table's is inherited, and whose it is. NOT NULL constraints are rows here
-- where the server keeps them as rows (a domain's from PostgreSQL 17, a column's from 18): kind 'n', marked
-- "domain" or "column" so that verification can leave them out where the other side's version has no such row
-- (verify/normalize.py; nullability itself is in the columns and types sections on every version). The constraints
-- PostgreSQL adds to a table for its foreign key to a partitioned table (one per referenced partition, with names
-- numbered in the order the partitions were made) are named after that foreign key and the partition they reference.
WITH RECURSIVE same_table_root AS (
    SELECT k.oid, k.oid AS root
    FROM pg_constraint k
    WHERE k.conrelid <> 0
      AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.oid = k.conparentid AND p.conrelid = k.conrelid)
    UNION ALL
    SELECT k.oid, r.root
    FROM same_table_root r
    JOIN pg_constraint p ON p.oid = r.oid
    JOIN pg_constraint k ON k.conparentid = p.oid AND k.conrelid = p.conrelid
)
SELECT quote_ident(n.nspname) || '.' || quote_ident(coalesce(c.relname, t.typname)) || '.'
         || CASE WHEN r.root IS NOT NULL AND r.root <> k.oid
                 THEN quote_ident(root.conname) || ' referencing ' || k.confrelid::regclass::text
                 ELSE quote_ident(k.conname) END AS name,
       concat_ws(' ', k.contype::text,
                 CASE WHEN k.contype = 'n' THEN CASE WHEN k.contypid <> 0 THEN 'domain' ELSE 'column' END END,
                 pg_get_constraintdef(k.oid),
                 CASE WHEN k.conrelid <> 0 AND NOT k.conislocal THEN 'inherited' END) AS detail
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
LEFT JOIN pg_class c ON c.oid = k.conrelid
LEFT JOIN pg_type t ON t.oid = k.contypid
LEFT JOIN same_table_root r ON r.oid = k.oid
LEFT JOIN pg_constraint root ON root.oid = r.root
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = coalesce(k.conrelid, 0) AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = coalesce(k.contypid, 0) AND d.deptype = 'e')
ORDER BY 1;
