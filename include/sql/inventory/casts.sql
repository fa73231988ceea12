-- Inventory: user casts (not the system's, not an extension's): function, binary coercible or through I/O,
-- and when it applies (explicitly, in assignments, implicitly).
SELECT format('(%s AS %s)', format_type(c.castsource, NULL), format_type(c.casttarget, NULL)) AS name,
       concat_ws(' ', CASE c.castmethod WHEN 'f' THEN 'with function ' || c.castfunc::regprocedure::text
                                        WHEN 'i' THEN 'with inout' ELSE 'without function' END,
                 CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'as assignment' ELSE 'as implicit' END) AS detail
FROM pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
