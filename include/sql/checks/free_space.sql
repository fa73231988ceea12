-- The free space of the file system holding the server's data directory, as `df -Pk .` run by the server in it
-- prints it (superuser or pg_execute_server_program only; inside a transaction that is rolled back).
COPY tsm_preflight_df FROM PROGRAM 'df -Pk .';
