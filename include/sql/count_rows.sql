-- Exact number of rows of one table, its partitions, children or chunks included.
SELECT count(*) AS row_count FROM {table};
