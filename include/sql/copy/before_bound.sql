-- The time column before the first chunk's start ({bound} typed as in in_chunk_range.sql), or NULL (a NULL time is
-- copied into the hypertable, which refuses it loudly, rather than left behind).
{column} IS NULL OR {column} < {bound}
