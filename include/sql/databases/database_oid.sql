-- The oid of the named database on this server (a database dropped and created again gets a new one).
SELECT oid::bigint AS oid FROM pg_database WHERE datname = %(database)s;
