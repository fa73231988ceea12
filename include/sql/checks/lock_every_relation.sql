-- Lock every relation a dump of the current database locks, as pg_dump does (ACCESS SHARE on each table,
-- partitioned table, chunk, foreign table and materialized view; a sequence is locked by reading it), in the
-- caller's transaction, which is rolled back: whether the server's lock table holds them is tried, not guessed.
-- lock_timeout is the caller's: a relation someone holds exclusively ends the try without an answer.
DO $lock$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS relation, c.relkind
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'f', 'm', 'S')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')
    LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('SELECT 1 FROM %s LIMIT 0', r.relation);
        ELSE
            EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', r.relation);
        END IF;
    END LOOP;
END
$lock$;
