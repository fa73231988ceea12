-- `parallel` format, source side of one part of a split table: the rows of its own heap blocks {first} up to
-- {upper} (a TID range scan, PostgreSQL 14+), never its inheritance children's ({options}: binary or text).
COPY (SELECT {columns} FROM ONLY {table} WHERE ctid >= {first}::tid{upper}) TO STDOUT {options}
