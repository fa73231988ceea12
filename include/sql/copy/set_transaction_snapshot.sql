-- `parallel` format: a source session reads from the snapshot the copy exported (first statement of its
-- REPEATABLE READ transaction).
SET TRANSACTION SNAPSHOT {snapshot}
