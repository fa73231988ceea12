-- While the `parallel` load fills and indexes a table: no autovacuum on it (its ANALYZE and VACUUM would redo
-- the analyze phase's work, and hold locks that index builds and ANALYZE wait for). Reset after the load.
ALTER TABLE {table} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false);
