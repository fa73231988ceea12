-- The current database's encoding and locale as its pg_database row has them (columns differ between versions:
-- datlocprovider and datcollversion since 15, daticulocale in 15 and 16, datlocale since 17), and the version of
-- its default collation the server's library has now (15+).
SELECT pg_encoding_to_char(d.encoding) AS encoding, to_jsonb(d) AS row,
       CASE WHEN current_setting('server_version_num')::int >= 150000
            THEN pg_database_collation_actual_version(d.oid) END AS actual_version
FROM pg_database d
WHERE d.datname = current_database();
