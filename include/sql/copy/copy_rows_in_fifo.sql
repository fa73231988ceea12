-- `parallel` format, target side of one table's copy through a worker's long-lived psql session (a psql
-- meta-command, one line): the rows from the table's FIFO ({options} as in copy_rows_in.sql).
\copy {table}{columns} from {fifo} {options}
