-- Inside a REPEATABLE READ transaction: a snapshot every pg_dump of a `parallel` copy reads from (--snapshot).
SELECT pg_export_snapshot() AS snapshot;
