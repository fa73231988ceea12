-- Extensions this server can install (its share/extension directory), with the default version.
SELECT name, default_version, installed_version
FROM pg_available_extensions
ORDER BY name;
