-- The comment on the current database (COMMENT ON DATABASE), NULL when it has none.
SELECT shobj_description(d.oid, 'pg_database') AS comment
FROM pg_database d
WHERE d.datname = current_database();
