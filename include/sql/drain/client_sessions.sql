-- Client sessions connected to the current database, other than this one.
SELECT pid,
       usename AS user_name,
       application_name,
       coalesce(client_addr::text, 'local') AS client_addr,
       state,
       backend_start
FROM pg_stat_activity
WHERE datname = current_database()
  AND pid <> pg_backend_pid()
  AND backend_type = 'client backend'
ORDER BY backend_start;
