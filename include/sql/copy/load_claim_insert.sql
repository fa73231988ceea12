-- Record that this run loads into the database (kept by a retry of the same run).
INSERT INTO _timescale_migration_claim.load (run) VALUES (%(run)s) ON CONFLICT (run) DO NOTHING;
