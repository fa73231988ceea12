-- Who and where we are: server version, current user and database, and what that user may do.
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_user AS user_name,
       current_database() AS database_name,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS can_read_passwords,
       pg_database_size(current_database()) AS database_bytes,
       current_setting('server_encoding') AS encoding;
