-- `parallel` format, source side of one table's copy through a worker's long-lived psql session (a psql
-- meta-command, one line): its rows into the table's FIFO, which the target's session reads ({columns} and
-- {options} as in copy_rows_out.sql; {fifo}: the FIFO's quoted path).
\copy {table}{columns} to {fifo} {options}
