-- `parallel` format, target side of one table's copy: the rows from standard input ({columns} as in
-- copy_rows_out.sql). {options}: the format, and FREEZE for a whole table, emptied by truncate_only.sql in the
-- same transaction as FREEZE requires: no later pass sets hint bits or freezes the rows, so index builds,
-- ANALYZE and autovacuum find the pages done. The parts of a split table load without FREEZE.
COPY {table}{columns} FROM STDIN {options}
