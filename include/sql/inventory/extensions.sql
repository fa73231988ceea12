-- Inventory: installed extensions, their versions and the schema each is in.
SELECT quote_ident(e.extname) AS name, e.extversion || ' in ' || quote_ident(n.nspname) AS detail
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1;
