-- Whether a column holds a NULL in any row (a hypertable's time column cannot).
SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} IS NULL) AS has_nulls
