-- Inventory: sequence definitions (type, start, increment, bounds, cache, cycle) and what owns them: the column
-- whose identity it is, or the column it is OWNED BY (serial columns, ALTER SEQUENCE ... OWNED BY).
SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename) AS name,
       concat_ws(' ', s.data_type, 'start', s.start_value, 'increment', s.increment_by, 'min', s.min_value,
                 'max', s.max_value, 'cache', s.cache_size, CASE WHEN s.cycle THEN 'cycle' END,
                 (SELECT CASE d.deptype WHEN 'i' THEN 'identity of ' ELSE 'owned by ' END
                         || d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                  FROM pg_depend d
                  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                  WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
                  LIMIT 1)) AS detail
FROM pg_sequences s
WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = s.schemaname
                  AND EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass
                              AND e.objid = n.oid AND e.deptype = 'e'))
ORDER BY 1;
