-- Versions of one extension that this server can install.
SELECT version
FROM pg_available_extension_versions
WHERE name = %(name)s
ORDER BY version;
