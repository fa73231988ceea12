-- The ten largest user tables of the current database (hypertable chunks count toward their hypertable
-- only through TimescaleDB's own size functions, so this lists relations as PostgreSQL sees them).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       pg_total_relation_size(c.oid) AS bytes,
       c.reltuples::bigint AS estimated_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT starts_with(n.nspname, 'pg_toast')
ORDER BY bytes DESC
LIMIT 10;
