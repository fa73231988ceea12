-- The version of the current database's default collation that the server's library has now (PostgreSQL 15+).
SELECT pg_database_collation_actual_version(d.oid) AS version
FROM pg_database d
WHERE d.datname = current_database();
