-- Inventory: extended statistics objects: their definition (kinds, columns, expressions) and statistics target.
-- A target left at its default is -1 before PostgreSQL 17 and NULL from 17: neither is shown.
SELECT quote_ident(n.nspname) || '.' || quote_ident(s.stxname) AS name,
       concat_ws(' ', pg_get_statisticsobjdef(s.oid),
                 CASE WHEN (to_jsonb(s) ->> 'stxstattarget')::integer >= 0
                      THEN 'statistics ' || (to_jsonb(s) ->> 'stxstattarget') END) AS detail
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_statistic_ext'::regclass AND d.objid = s.oid AND d.deptype = 'e')
ORDER BY 1;
