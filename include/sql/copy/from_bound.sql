-- The time column at or after the last chunk's end ({bound} typed as in in_chunk_range.sql).
{column} >= {bound}
