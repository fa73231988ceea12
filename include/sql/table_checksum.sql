-- Row count and an order-independent checksum of one relation's rows, computed inside the server: every
-- row's text is hashed to 64 bits and the high and low 32-bit halves are summed separately (duplicates add up,
-- no overflow below 2^31 rows). {only} is ONLY for a relation's own rows, empty to include children/chunks.
SELECT count(*) AS row_count,
       coalesce(sum(h >> 32), 0)::text AS hash_high,
       coalesce(sum(h & 4294967295), 0)::text AS hash_low
FROM (SELECT hashtextextended(t::text, 0) AS h FROM {only} {table} AS t) AS s;
