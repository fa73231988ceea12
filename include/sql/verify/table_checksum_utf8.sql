-- As table_checksum.sql, for servers with different encodings: each row's text is converted to UTF8 bytes
-- before hashing, so the same characters hash the same whatever the server encoding.
SELECT count(*) AS row_count,
       coalesce(sum(h), 0)::text AS hash_sum
FROM (SELECT ('x' || left(md5(convert_to(t::text, 'UTF8')), 16))::bit(64)::bigint AS h
      FROM {only} {table} AS t) AS s;
