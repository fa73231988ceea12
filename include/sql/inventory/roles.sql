-- Inventory: roles (by their plain name) with the attributes a non-superuser target keeps, and the roles they are
-- members of (each once: from PostgreSQL 16 a membership granted by several grantors is a row per grantor).
SELECT r.rolname AS name,
       concat_ws(' ', CASE WHEN r.rolcanlogin THEN 'login' ELSE 'nologin' END,
                 CASE WHEN r.rolinherit THEN 'inherit' ELSE 'noinherit' END,
                 CASE WHEN r.rolcreaterole THEN 'createrole' END, CASE WHEN r.rolcreatedb THEN 'createdb' END,
                 'connlimit ' || r.rolconnlimit,
                 'member of ' || coalesce((SELECT string_agg(DISTINCT quote_ident(g.rolname), ',')
                                           FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                                           WHERE m.member = r.oid), '-')) AS detail
FROM pg_roles r
WHERE NOT starts_with(r.rolname, 'pg_')
ORDER BY 1;
