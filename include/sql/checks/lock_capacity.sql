-- How many relations of the current database a dump locks in its one transaction (tables, partitioned tables,
-- TimescaleDB chunks, foreign tables, materialized views and sequences: pg_dump reads each), and the size of
-- the server's lock table: max_locks_per_transaction * (max_connections + max_prepared_transactions).
SELECT (SELECT count(*)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'f', 'm', 'S')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')) AS relations,
       current_setting('max_locks_per_transaction')::int AS max_locks_per_transaction,
       current_setting('max_connections')::int AS max_connections,
       current_setting('max_prepared_transactions')::int AS max_prepared_transactions;
