-- Inventory: user enums (with labels in order), domains (with base type) and composite and range types.
SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name,
       concat_ws(' ', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite'
                                     WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange' ELSE 'base' END,
                 CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                 (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid)) AS detail
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE t.typtype IN ('e', 'd', 'c', 'r', 'm', 'b')
  AND (t.typrelid = 0 OR c.relkind = 'c')
  AND t.typcategory <> 'A'
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1;
