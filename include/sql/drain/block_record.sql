-- The block record of one database of this server, released or not.
SELECT database_name, database_oid, revoked, granted, superusers, migrator, first_run, runs,
       extract(epoch FROM blocked_at)::float8 AS blocked_at, restore_sql,
       extract(epoch FROM released_at)::float8 AS released_at, released_by
FROM timescale_migration.connect_blocks
WHERE database_name = %(database)s;
