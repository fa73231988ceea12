-- Inventory: row-level security policies with command, mode, roles and expressions.
SELECT quote_ident(p.schemaname) || '.' || quote_ident(p.tablename) || '.' || quote_ident(p.policyname) AS name,
       concat_ws(' ', p.permissive, p.cmd, 'to', p.roles::text, 'using', p.qual, 'check', p.with_check) AS detail
FROM pg_policies p
ORDER BY 1;
