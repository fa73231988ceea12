-- Collations other than the database's default that columns and indexes of the current database use, with
-- where they are defined: pg_catalog's must exist on the target by name, the others are created by the dump.
WITH used AS (
    SELECT a.attcollation AS oid
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attcollation <> 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT starts_with(n.nspname, 'pg_toast')
    UNION
    SELECT unnest(i.indcollation::oid[])
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT starts_with(n.nspname, 'pg_toast')
    UNION
    SELECT t.typcollation
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typcollation <> 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
)
SELECT n.nspname AS schema_name, c.collname AS name, c.collprovider AS provider,
       to_jsonb(c) AS row
FROM used u
JOIN pg_collation c ON c.oid = u.oid
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE c.collname <> 'default'
ORDER BY 1, 2;
