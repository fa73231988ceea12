-- The schema of the drain's block records, in a database of the source server that is never migrated
-- (the maintenance database `postgres` unless $TSM_BLOCK_RECORD_DATABASE names another).
CREATE SCHEMA IF NOT EXISTS timescale_migration;
