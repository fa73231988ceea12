-- The versions of every extension this server can install, and whether a login without superuser may create it
-- (trusted): name, version, trusted, and whether it is the default version.
SELECT v.name, v.version, v.trusted, v.version = e.default_version AS is_default
FROM pg_available_extension_versions v
JOIN pg_available_extensions e ON e.name = v.name
ORDER BY v.name, v.version;
