-- `parallel` format, the same as copy_rows_where_out.sql through a worker's long-lived psql session (a psql
-- meta-command, one line): the rows {predicate} selects into the copy's FIFO.
\copy (SELECT {columns} FROM ONLY {table} WHERE {predicate}) to {fifo} {options}
