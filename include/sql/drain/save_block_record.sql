-- Write one database's block record (a new block, or one more run re-applying it), in the transaction that
-- revokes: the record is there before anything is revoked, or nothing is.
INSERT INTO timescale_migration.connect_blocks
    (database_name, database_oid, revoked, granted, superusers, migrator, first_run, runs, blocked_at, updated_at,
     restore_sql, released_at, released_by)
VALUES (%(database_name)s, %(database_oid)s, %(revoked)s, %(granted)s, %(superusers)s, %(migrator)s, %(first_run)s,
        %(runs)s, to_timestamp(%(blocked_at)s), now(), %(restore_sql)s, NULL, NULL)
ON CONFLICT (database_name) DO UPDATE
SET database_oid = EXCLUDED.database_oid, revoked = EXCLUDED.revoked, granted = EXCLUDED.granted,
    superusers = EXCLUDED.superusers, migrator = EXCLUDED.migrator, first_run = EXCLUDED.first_run,
    runs = EXCLUDED.runs, blocked_at = EXCLUDED.blocked_at, updated_at = now(), restore_sql = EXCLUDED.restore_sql,
    released_at = NULL, released_by = NULL;
