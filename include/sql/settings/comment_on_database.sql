-- The database's comment (pg_dump carries it only with --create).
COMMENT ON DATABASE {database} IS {comment}
