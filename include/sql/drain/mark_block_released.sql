-- The block of one database was undone (in the transaction that granted CONNECT back).
UPDATE timescale_migration.connect_blocks
SET released_at = now(), released_by = %(run)s, updated_at = now()
WHERE database_name = %(database)s;
