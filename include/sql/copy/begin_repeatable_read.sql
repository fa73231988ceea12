-- The transaction that holds the exported snapshot open while the parallel pg_dumps run.
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
