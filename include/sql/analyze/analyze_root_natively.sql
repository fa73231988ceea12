-- Inside the transaction of one ANALYZE of a hypertable root: TimescaleDB steps aside (as for a database-wide
-- ANALYZE, which names no relation), so only the root and its inherited statistics are analyzed, not every
-- chunk again. LOCAL: gone at the end of the transaction.
SET LOCAL timescaledb.restoring = on;
