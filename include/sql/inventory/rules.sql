-- Inventory: rules on user tables and views (not a view's own _RETURN rule: that is its query) with their event,
-- state (enabled, disabled, REPLICA, ALWAYS) and a hash of their definition.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(r.rulename) AS name,
       concat_ws(' ', CASE r.ev_type WHEN '1' THEN 'on select' WHEN '2' THEN 'on update' WHEN '3' THEN 'on insert'
                                     WHEN '4' THEN 'on delete' END,
                 CASE WHEN r.is_instead THEN 'instead' ELSE 'also' END,
                 CASE r.ev_enabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'enabled replica'
                                   WHEN 'A' THEN 'enabled always' END,
                 'definition ' || md5(pg_get_ruledef(r.oid))) AS detail
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT (r.ev_type = '1' AND r.rulename = '_RETURN')
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
