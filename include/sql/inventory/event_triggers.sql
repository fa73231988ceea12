-- Inventory: event triggers outside extensions: event, tags, function and state (enabled, disabled, REPLICA,
-- ALWAYS).
SELECT quote_ident(e.evtname) AS name,
       concat_ws(' ', 'on', e.evtevent, 'tags (' || array_to_string(e.evttags, ', ') || ')',
                 'function', e.evtfoid::regprocedure::text,
                 CASE e.evtenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'enabled replica'
                                   WHEN 'A' THEN 'enabled always' END) AS detail
FROM pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid
                  AND d.deptype = 'e')
ORDER BY 1;
