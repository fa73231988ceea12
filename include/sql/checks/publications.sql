-- Publications of the current database, and whether each publishes all tables or whole schemas (PostgreSQL 15+),
-- which only a superuser may create.
SELECT quote_ident(p.pubname) AS name, p.puballtables AS all_tables,
       current_setting('server_version_num')::int >= 150000
         AND EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.refclassid = 'pg_publication'::regclass AND d.refobjid = p.oid
                       AND d.classid = 'pg_publication_namespace'::regclass) AS schemas
FROM pg_publication p
ORDER BY 1;
