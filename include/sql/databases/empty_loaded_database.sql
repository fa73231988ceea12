-- Empty a database that an earlier attempt of this same run's load left partly loaded (the load's claim says
-- so): every relation, routine, type and domain in user schemas that no extension owns, then the user schemas
-- that hold nothing of an extension (public stays), then every large object. Extensions and their schemas stay
-- (TimescaleDB is dropped and created again around this by the caller). The server builds each DROP with
-- format(): one object at a time, looked up again after each DROP ... CASCADE.
DO $empty$
DECLARE
    obj record;
    dropped integer := 0;
BEGIN
    LOOP
        SELECT n.nspname AS schema_name, c.relname AS name,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                              WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
          INTO obj
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_timescale_migration_claim')
           AND NOT starts_with(n.nspname, 'pg_')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                                                       AND d.objid = n.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                                       AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
         ORDER BY CASE c.relkind WHEN 'v' THEN 0 WHEN 'm' THEN 1 ELSE 2 END
         LIMIT 1;
        EXIT WHEN NOT FOUND;
        EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE', obj.kind, obj.schema_name, obj.name);
        dropped := dropped + 1;
    END LOOP;
    LOOP
        SELECT p.oid::regprocedure AS routine INTO obj
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', '_timescale_migration_claim')
           AND NOT starts_with(n.nspname, 'pg_')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                                                       AND d.objid = n.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                                       AND d.objid = p.oid AND d.deptype = 'e')
         LIMIT 1;
        EXIT WHEN NOT FOUND;
        EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', obj.routine);
        dropped := dropped + 1;
    END LOOP;
    LOOP
        SELECT n.nspname AS schema_name, t.typname AS name,
               CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
          INTO obj
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typrelid = 0 AND t.typcategory <> 'A'
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_timescale_migration_claim')
           AND NOT starts_with(n.nspname, 'pg_')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                                                       AND d.objid = n.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                                       AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
         LIMIT 1;
        EXIT WHEN NOT FOUND;
        EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE', obj.kind, obj.schema_name, obj.name);
        dropped := dropped + 1;
    END LOOP;
    FOR obj IN
        SELECT n.nspname AS schema_name
          FROM pg_namespace n
         WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema', '_timescale_migration_claim')
           AND NOT starts_with(n.nspname, 'pg_')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                                                       AND d.objid = n.oid AND d.deptype = 'e')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class c ON d.objid = c.oid
                            WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relnamespace = n.oid)
           AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_proc p ON d.objid = p.oid
                            WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e' AND p.pronamespace = n.oid)
    LOOP
        EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', obj.schema_name);
        dropped := dropped + 1;
    END LOOP;
    PERFORM lo_unlink(l.oid) FROM pg_largeobject_metadata l;
    RAISE NOTICE 'emptied the partly loaded database: % object(s) dropped', dropped;
END
$empty$;
