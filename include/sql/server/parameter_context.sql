-- Who may set a configuration parameter (pg_settings.context: user, superuser, ...); no row when the server
-- does not know it.
SELECT context FROM pg_settings WHERE lower(name) = lower(%(name)s);
