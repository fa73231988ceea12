-- Every role of the server but the predefined ones, with the attributes `pg_dumpall --roles-only` carries.
SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
       r.rolreplication AS replication, r.rolbypassrls AS bypassrls, r.rolcanlogin AS login
FROM pg_roles r
WHERE NOT starts_with(r.rolname, 'pg_')
ORDER BY 1;
