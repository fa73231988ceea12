-- What a DBA runs in the records database after giving CONNECT back by hand (shown in the drain's log).
UPDATE timescale_migration.connect_blocks SET released_at = now(), released_by = 'by hand'
WHERE database_name = {database_name};
