-- The time column within one chunk's range, or within a gap between chunks ({start}, {end}: bounds typed as
-- utc_bound.sql, naive_bound.sql or integers).
{column} >= {start} AND {column} < {end}
