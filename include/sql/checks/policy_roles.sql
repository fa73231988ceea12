-- Roles named by the row-level security policies of the current database: the dump's CREATE POLICY ... TO fails
-- when one does not exist on the target.
SELECT DISTINCT r.rolname AS name
FROM pg_policy p, unnest(p.polroles) AS role_oid
JOIN pg_roles r ON r.oid = role_oid
ORDER BY 1;
