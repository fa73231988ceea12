-- `parallel` format, source side of one part of a split table through a worker's long-lived psql session (a
-- psql meta-command, one line): the rows of its own heap blocks {first} up to {upper} into the part's FIFO.
\copy (SELECT {columns} FROM ONLY {table} WHERE ctid >= {first}::tid{upper}) to {fifo} {options}
