-- Objects in the current database that neither PostgreSQL nor an extension owns (at most 50 names).
-- An empty answer means the database is empty enough to receive a migration (a load's claim does not count).
WITH system_schemas AS (
    SELECT n.oid
    FROM pg_namespace n
    WHERE n.nspname IN ('pg_catalog', 'information_schema', '_timescale_migration_claim')
       OR starts_with(n.nspname, 'pg_toast')
       OR starts_with(n.nspname, 'pg_temp')
       OR EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
), extension_members AS (
    SELECT d.classid, d.objid FROM pg_depend d WHERE d.deptype = 'e'
), objects AS (
    SELECT 'schema' AS kind, quote_ident(n.nspname) AS name
    FROM pg_namespace n
    WHERE n.oid NOT IN (SELECT oid FROM system_schemas) AND n.nspname <> 'public'
    UNION ALL
    SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' ELSE 'relation' END,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.oid NOT IN (SELECT oid FROM system_schemas)
      AND (c.oid NOT IN (SELECT objid FROM extension_members WHERE classid = 'pg_class'::regclass))
    UNION ALL
    SELECT 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname)
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.oid NOT IN (SELECT oid FROM system_schemas)
      AND p.oid NOT IN (SELECT objid FROM extension_members WHERE classid = 'pg_proc'::regclass)
    UNION ALL
    SELECT 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname)
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.oid NOT IN (SELECT oid FROM system_schemas)
      AND t.typrelid = 0
      AND t.typcategory <> 'A'
      AND t.oid NOT IN (SELECT objid FROM extension_members WHERE classid = 'pg_type'::regclass)
    UNION ALL
    SELECT 'large object', l.oid::text
    FROM pg_largeobject_metadata l
)
SELECT kind, name FROM objects ORDER BY kind, name LIMIT 50;
