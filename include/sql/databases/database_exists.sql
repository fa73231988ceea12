-- Whether a database of this name exists on the server.
SELECT count(*) > 0 AS present FROM pg_database WHERE datname = %(name)s;
