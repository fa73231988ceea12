-- Replication slots of the source server that concern the current database: its logical slots and every
-- physical slot (a replica of the whole server).
SELECT s.slot_name AS name, s.slot_type AS kind, s.plugin, s.active
FROM pg_replication_slots s
WHERE s.slot_type = 'physical' OR s.database = current_database()
ORDER BY 1;
