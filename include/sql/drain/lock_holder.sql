-- Which migration session holds an advisory lock on the current database (for a second run's error message).
SELECT a.pid, a.usename AS user_name, a.client_addr::text AS client_addr, a.backend_start
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND a.application_name = 'timescale-migration'
LIMIT 1;
