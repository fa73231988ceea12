-- Hypertables preflight: the foreign keys of one source table (`outgoing`) and those of other tables that point
-- at it, each with the table at its other end (itself for a key that points at its own table).
SELECT quote_ident(n.nspname) || '.' || quote_ident(owner.relname) || '.' || quote_ident(k.conname) AS name,
       k.conrelid = %(oid)s AS outgoing,
       o.nspname::text AS other_schema, other.relname::text AS other_table
FROM pg_constraint k
JOIN pg_class owner ON owner.oid = k.conrelid
JOIN pg_namespace n ON n.oid = owner.relnamespace
JOIN pg_class other ON other.oid = CASE WHEN k.conrelid = %(oid)s THEN k.confrelid ELSE k.conrelid END
JOIN pg_namespace o ON o.oid = other.relnamespace
WHERE k.contype = 'f' AND %(oid)s IN (k.conrelid, k.confrelid)
ORDER BY 1;
