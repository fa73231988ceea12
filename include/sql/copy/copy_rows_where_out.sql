-- `parallel` format, source side of one chunk's share of a table loaded as a hypertable: the rows {predicate}
-- selects on the time column (the chunk's range; or the rows no chunk range holds), never its inheritance
-- children's ({options}: binary or text).
COPY (SELECT {columns} FROM ONLY {table} WHERE {predicate}) TO STDOUT {options}
