-- Inventory: user encoding conversions: from, to, function, whether the default for the pair.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) AS name,
       concat_ws(' ', 'for', pg_encoding_to_char(c.conforencoding), 'to', pg_encoding_to_char(c.contoencoding),
                 'from', c.conproc::regprocedure::text, CASE WHEN c.condefault THEN 'default' END) AS detail
FROM pg_conversion c
JOIN pg_namespace n ON n.oid = c.connamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_conversion'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
