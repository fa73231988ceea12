-- Every role of the server, by name.
SELECT rolname AS name FROM pg_roles ORDER BY 1;
