-- As table_checksum.sql, hashing each row's binary values (hash_record_extended, PostgreSQL 14+) instead of
-- its text: about twice as fast. Used only for relations whose every column type hashes the same way on any
-- server (see text_hashed_tables.sql) and never across encodings. {columns} is ROW(...) of the relation's
-- columns in order (relation_columns.sql): the same values as the whole-row value, without copying each row.
SELECT count(*) AS row_count,
       coalesce(sum(h), 0)::text AS hash_sum
FROM (SELECT hash_record_extended({columns}, 0) AS h FROM {only} {table} AS t) AS s;
