-- Names of the collations pg_catalog holds for the current database's encoding (or any encoding), with their
-- versions.
SELECT c.collname AS name, c.collversion AS version
FROM pg_collation c
WHERE c.collnamespace = 'pg_catalog'::regnamespace
  AND c.collencoding IN (-1, (SELECT encoding FROM pg_database WHERE datname = current_database()));
