-- The claim's one table: which run loads (or loaded, and failed) into this database, when, as whom.
CREATE TABLE IF NOT EXISTS _timescale_migration_claim.load (
    run text PRIMARY KEY,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    login name NOT NULL DEFAULT current_user
);
