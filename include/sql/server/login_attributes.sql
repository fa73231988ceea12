-- What the current login may do with roles: superuser, CREATEROLE.
SELECT rolsuper AS superuser, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user;
