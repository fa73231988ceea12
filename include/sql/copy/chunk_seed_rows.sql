-- `parallel` format, a table split into parts and loaded as a hypertable: the first {per_slice} row(s) of every
-- chunk-interval slice of {column} that holds rows; {next_slice} is where the slice after `s.point` begins, as
-- TimescaleDB aligns its chunks (copy/next_time_slice, copy/next_integer_slice). Walks an index that leads with
-- the column: one probe per slice. Copied into the empty hypertable and deleted again, these rows make TimescaleDB
-- create the chunks before the parts load (a chunk created during COPY locks the hypertable until that COPY
-- commits, so the parts would wait for each other).
COPY (
    WITH RECURSIVE slices(point) AS (
        (SELECT t.{column} FROM ONLY {table} t WHERE t.{column} IS NOT NULL ORDER BY t.{column} LIMIT 1)
        UNION ALL
        SELECT (SELECT t.{column} FROM ONLY {table} t WHERE t.{column} >= {next_slice}
                ORDER BY t.{column} LIMIT 1)
        FROM slices s
        WHERE s.point IS NOT NULL
    )
    SELECT r.*
    FROM slices s,
         LATERAL (SELECT {columns} FROM ONLY {table} t WHERE t.{column} >= s.point
                  ORDER BY t.{column} LIMIT {per_slice}) r
    WHERE s.point IS NOT NULL
) TO STDOUT
