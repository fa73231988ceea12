-- `parallel` format, source side of one table's copy: its rows on standard output ({options}: binary or text).
COPY {table} ({columns}) TO STDOUT {options}
