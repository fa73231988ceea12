-- What a Timescale service gives its tsdbadmin login in the service's database, run here by the superuser on a
-- test target (psycopg sql.SQL: {login} is the login as an identifier, {login_name} as a literal). A self-hosted TimescaleDB lets only a superuser call
-- timescaledb_pre_restore() / timescaledb_post_restore() (they set timescaledb.restoring on the database and stop
-- and restart the background workers; timescaledb#2686) and write TimescaleDB's catalog, which a dump's data
-- section does. This is the workaround a TimescaleDB maintainer gave in timescaledb#2686: both functions SECURITY
-- DEFINER, callable by the database's owner, and the catalog writable by it. Everything else the migration does
-- runs with the login's own rights.
DO $grants$
DECLARE
    ext_schema name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'timescaledb');
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['timescaledb_pre_restore', 'timescaledb_post_restore'] LOOP
        EXECUTE format('ALTER FUNCTION %I.%I() SECURITY DEFINER SET search_path = pg_catalog, pg_temp',
                       ext_schema, fn);
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.%I() FROM PUBLIC', ext_schema, fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I() TO %I', ext_schema, fn, {login_name});
    END LOOP;
END
$grants$;
GRANT CREATE ON SCHEMA _timescaledb_internal TO {login};
GRANT INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA _timescaledb_catalog, _timescaledb_config TO {login};
GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA _timescaledb_catalog, _timescaledb_config TO {login};
