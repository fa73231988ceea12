-- Row count and an order-independent checksum of one relation's rows, computed inside the server: every
-- row's text is hashed to 64 bits and the hashes are summed exactly (sum of bigint is numeric: duplicates add
-- up, nothing overflows). {only} is ONLY for a relation's own rows, empty to include children/chunks.
SELECT count(*) AS row_count,
       coalesce(sum(h), 0)::text AS hash_sum
FROM (SELECT hashtextextended(t::text, 0) AS h FROM {only} {table} AS t) AS s;
