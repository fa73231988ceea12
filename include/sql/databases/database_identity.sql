-- Which server incarnation and which database a name stands for now: the cluster's system identifier (new with
-- every initdb; NULL where the login may not read pg_control_system()) and the named database's oid (new when it
-- is dropped and created again; NULL when there is no such database). The ledger records both.
SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS system_identifier,
       (SELECT oid::bigint FROM pg_catalog.pg_database WHERE datname = %(database)s) AS database_oid;
