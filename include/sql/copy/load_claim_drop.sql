-- Remove the claim once the load succeeded (the loaded database then holds only what the source held).
DROP SCHEMA IF EXISTS _timescale_migration_claim CASCADE;
