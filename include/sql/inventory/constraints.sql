-- Inventory: table and domain constraints with their kind and definition.
SELECT quote_ident(n.nspname) || '.' || quote_ident(coalesce(c.relname, t.typname)) || '.' || quote_ident(k.conname)
         AS name,
       concat_ws(' ', k.contype, pg_get_constraintdef(k.oid)) AS detail
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
LEFT JOIN pg_class c ON c.oid = k.conrelid
LEFT JOIN pg_type t ON t.oid = k.contypid
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = coalesce(k.conrelid, 0) AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = coalesce(k.contypid, 0) AND d.deptype = 'e')
ORDER BY 1;
