-- The schema of TimescaleDB's restart_background_workers() (_timescaledb_functions since 2.12,
-- _timescaledb_internal before).
SELECT n.nspname AS schema_name
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
WHERE p.proname = 'restart_background_workers'
ORDER BY n.nspname = '_timescaledb_functions' DESC
LIMIT 1;
