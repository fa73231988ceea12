-- The current database's encoding and locale as its pg_database row has them (columns differ between versions:
-- datlocprovider and datcollversion since 15, daticulocale in 15 and 16, datlocale since 17).
SELECT pg_encoding_to_char(d.encoding) AS encoding, to_jsonb(d) AS row
FROM pg_database d
WHERE d.datname = current_database();
