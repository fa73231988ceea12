-- Inventory: sequence definitions (type, start, increment, bounds, cycle).
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name,
       concat_ws(' ', data_type, 'start', start_value, 'increment', increment_by, 'min', min_value,
                 'max', max_value, CASE WHEN cycle THEN 'cycle' END) AS detail
FROM pg_sequences s
WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = s.schemaname
                  AND EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass
                              AND e.objid = n.oid AND e.deptype = 'e'))
ORDER BY 1;
