-- Whether an earlier load attempt left its claim in this database.
SELECT to_regclass('_timescale_migration_claim.load') IS NOT NULL AS present;
