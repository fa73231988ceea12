-- `parallel` format, target side of one table's copy: the rows from standard input, frozen as they are written
-- (the table was emptied by truncate_only.sql in the same transaction, which FREEZE requires): no later pass
-- sets hint bits or freezes them, so index builds, ANALYZE and autovacuum find the pages done.
COPY {table} ({columns}) FROM STDIN {options}
