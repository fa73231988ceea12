-- The runs that claimed this database for a load (normally one).
SELECT run, claimed_at, login FROM _timescale_migration_claim.load ORDER BY claimed_at;
