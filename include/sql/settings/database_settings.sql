-- Settings stored for the current database, one row per parameter in the text form the server keeps:
-- ALTER DATABASE ... SET (role_name NULL) and ALTER ROLE ... IN DATABASE ... SET (the role's name).
SELECT r.rolname AS role_name, o.option_name AS parameter, o.option_value AS value
FROM pg_db_role_setting s
JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database()
LEFT JOIN pg_roles r ON r.oid = s.setrole
CROSS JOIN LATERAL pg_options_to_table(s.setconfig) AS o
WHERE s.setrole = 0 OR r.oid IS NOT NULL
ORDER BY r.rolname NULLS FIRST, o.option_name;
