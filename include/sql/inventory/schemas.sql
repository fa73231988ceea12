-- Inventory: user schemas (not system, not an extension's).
SELECT quote_ident(n.nspname) AS name, coalesce(obj_description(n.oid, 'pg_namespace'), '') AS detail
FROM pg_namespace n
WHERE {{user_schema}}
ORDER BY 1;
