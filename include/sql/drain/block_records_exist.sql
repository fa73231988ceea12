-- Whether this database holds the table of block records (a server never drained has none), and whether the
-- current login may use it (or, while it is absent, create it). Catalog joins, not names: no lookup can fail.
SELECT c.oid IS NOT NULL AS present,
       CASE WHEN c.oid IS NULL THEN has_database_privilege(current_database(), 'CREATE')
            ELSE has_schema_privilege(c.relnamespace, 'USAGE')
                 AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE') END AS writable
FROM (SELECT 1) AS one
LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'timescale_migration')
       ON c.relname = 'connect_blocks';
