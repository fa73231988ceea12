-- What the current login may do on this server: its role attributes, and whether it may run server programs or
-- create subscriptions (as a member of the predefined roles that allow it; a superuser may anyway).
SELECT r.rolsuper AS superuser, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
       r.rolreplication AS replication, r.rolbypassrls AS bypassrls,
       r.rolsuper OR coalesce(pg_has_role(current_user, to_regrole('pg_execute_server_program'), 'USAGE'), false)
         AS server_programs,
       r.rolsuper OR coalesce(pg_has_role(current_user, to_regrole('pg_create_subscription'), 'USAGE'), false)
         AS subscriptions
FROM pg_roles r
WHERE r.rolname = current_user;
