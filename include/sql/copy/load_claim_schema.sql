-- The load's claim on its target: a schema of the migration's own, created before the first object is loaded and
-- dropped when the load succeeded. Its presence says which run left a partly loaded database behind.
CREATE SCHEMA IF NOT EXISTS _timescale_migration_claim;
