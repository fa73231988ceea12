-- Whether this database holds the table of block records (a server never drained has none).
SELECT to_regclass('timescale_migration.connect_blocks') IS NOT NULL AS present;
