-- Inventory: installed extensions and their versions.
SELECT quote_ident(extname) AS name, extversion AS detail FROM pg_extension ORDER BY 1;
