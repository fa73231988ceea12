-- Serialize drains and releases of one database (until the end of this transaction), whatever their run.
SELECT pg_advisory_xact_lock(hashtextextended('timescale_migration.connect_blocks/' || %(database)s, 0));
