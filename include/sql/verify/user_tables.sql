-- Relations that hold user rows: plain tables (unlogged ones included), partitioned tables and their partitions,
-- inheritance children, hypertable roots and populated materialized views. Not catalogs, not extension members, not
-- TimescaleDB chunks (chunks live in extension-owned schemas; their rows are counted through their hypertable).
-- Never read: views and foreign tables (no rows of their own), and a materialized view that was never populated
-- (CREATE ... WITH NO DATA; reading it is an error): their definition and state are compared as structure
-- (inventory/tables, inventory/view_definitions), so one populated on one side only is a difference there and here.
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display_name,
       CASE WHEN c.relkind = 'p' THEN 'partitioned'
            WHEN c.relkind = 'm' THEN 'materialized view'
            WHEN c.relispartition THEN 'partition'
            ELSE 'table' END AS kind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND (c.relkind <> 'm' OR c.relispopulated)
  AND c.relpersistence <> 't'
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2;
