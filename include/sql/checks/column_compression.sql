-- Compression methods set on columns of user tables (ALTER TABLE ... SET COMPRESSION, PostgreSQL 14+; read through
-- to_jsonb so that this runs on 13 too): method, how many columns, one of them.
SELECT CASE to_jsonb(a) ->> 'attcompression' WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4'
                                             ELSE to_jsonb(a) ->> 'attcompression' END AS method,
       count(*) AS columns,
       min(quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname)) AS example
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND coalesce(to_jsonb(a) ->> 'attcompression', '') <> ''
  AND c.relkind IN ('r', 'p', 'm')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY 1
ORDER BY 1;
