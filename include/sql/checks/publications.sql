-- Publications of the current database, and whether each publishes all tables or whole schemas (PostgreSQL 15+;
-- to_regclass: older servers have no such catalog),
-- which only a superuser may create.
SELECT quote_ident(p.pubname) AS name, p.puballtables AS all_tables,
       current_setting('server_version_num')::int >= 150000
         AND EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.refclassid = 'pg_publication'::regclass AND d.refobjid = p.oid
                       AND d.classid = to_regclass('pg_catalog.pg_publication_namespace')) AS schemas
FROM pg_publication p
ORDER BY 1;
