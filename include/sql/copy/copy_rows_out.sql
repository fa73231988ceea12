-- `parallel` format, source side of one table's copy: its rows on standard output ({columns}: " (a, b, ...)", or
-- empty for a table without columns; {options}: binary or text).
COPY {table}{columns} TO STDOUT {options}
