-- Inventory: procedural languages, access methods and transforms created outside extensions (the system's own
-- and extensions' are not compared here): a language's trust, handler, inline and validator functions; an access
-- method's type and handler; a transform's functions.
SELECT 'language ' || quote_ident(l.lanname) AS name,
       concat_ws(' ', CASE WHEN l.lanpltrusted THEN 'trusted' ELSE 'untrusted' END,
                 CASE WHEN l.lanplcallfoid <> 0 THEN 'handler ' || l.lanplcallfoid::regprocedure::text END,
                 CASE WHEN l.laninline <> 0 THEN 'inline ' || l.laninline::regprocedure::text END,
                 CASE WHEN l.lanvalidator <> 0 THEN 'validator ' || l.lanvalidator::regprocedure::text END) AS detail
FROM pg_language l
WHERE l.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_language'::regclass AND d.objid = l.oid AND d.deptype = 'e')
UNION ALL
SELECT 'access method ' || quote_ident(a.amname),
       concat_ws(' ', CASE a.amtype WHEN 't' THEN 'table' WHEN 'i' THEN 'index' END, 'handler',
                 a.amhandler::regprocedure::text)
FROM pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_am'::regclass AND d.objid = a.oid AND d.deptype = 'e')
UNION ALL
SELECT 'transform for ' || format_type(t.trftype, NULL) || ' language ' || quote_ident(l.lanname),
       concat_ws(' ', CASE WHEN t.trffromsql <> 0 THEN 'from sql ' || t.trffromsql::regprocedure::text END,
                 CASE WHEN t.trftosql <> 0 THEN 'to sql ' || t.trftosql::regprocedure::text END)
FROM pg_transform t
JOIN pg_language l ON l.oid = t.trflang
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_transform'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1;
