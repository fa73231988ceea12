-- Inventory: foreign-data wrappers outside extensions (handler, validator, options), foreign servers (wrapper,
-- type, version, options) and user mappings (server, user; their options as a hash: they may hold passwords).
-- Options in name order: pg_dump writes them so, whatever order they were given in.
-- Foreign tables are in the tables section (server and options), their columns' options in the columns section.
SELECT 'wrapper ' || quote_ident(w.fdwname) AS name,
       concat_ws(' ', CASE WHEN w.fdwhandler <> 0 THEN 'handler ' || w.fdwhandler::regprocedure::text END,
                 CASE WHEN w.fdwvalidator <> 0 THEN 'validator ' || w.fdwvalidator::regprocedure::text END,
                 (SELECT 'options (' || string_agg(o, ', ' ORDER BY o) || ')' FROM unnest(w.fdwoptions) AS o)) AS detail
FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_data_wrapper'::regclass AND e.objid = w.oid
                  AND e.deptype = 'e')
UNION ALL
SELECT 'server ' || quote_ident(s.srvname),
       concat_ws(' ', 'wrapper', quote_ident(w.fdwname), 'type ' || quote_literal(s.srvtype),
                 'version ' || quote_literal(s.srvversion),
                 (SELECT 'options (' || string_agg(o, ', ' ORDER BY o) || ')' FROM unnest(s.srvoptions) AS o))
FROM pg_foreign_server s
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_server'::regclass AND e.objid = s.oid
                  AND e.deptype = 'e')
UNION ALL
SELECT 'user mapping for ' || quote_ident(m.usename) || ' server ' || quote_ident(m.srvname),
       'options ' || coalesce((SELECT md5(string_agg(o, ', ' ORDER BY o)) FROM unnest(m.umoptions) AS o), '-')
FROM pg_user_mappings m
ORDER BY 1;
