-- Inventory: columns of user tables and views with type, nullability, identity, generation, collation, default.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname) AS name,
       concat_ws(' ',
                 format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attnotnull THEN 'not null' END,
                 CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default' END,
                 CASE WHEN a.attgenerated = 's' THEN 'generated ' || pg_get_expr(ad.adbin, ad.adrelid) END,
                 CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                      THEN 'collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END,
                 CASE WHEN a.attgenerated = '' AND ad.adbin IS NOT NULL
                      THEN 'default ' || pg_get_expr(ad.adbin, ad.adrelid) END) AS detail
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
