-- Restart TimescaleDB's background workers for the current database (after timescaledb_post_restore() has
-- committed: a scheduler started inside its transaction still sees the database as restoring and exits).
SELECT {schema}.restart_background_workers();
