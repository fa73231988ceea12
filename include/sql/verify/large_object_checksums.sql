-- Count of large objects and an order-independent checksum of their oids and contents.
SELECT count(*) AS objects,
       coalesce(sum(h >> 32), 0)::text AS hash_high,
       coalesce(sum(h & 4294967295), 0)::text AS hash_low
FROM (SELECT hashtextextended(oid::text || ':' || md5(lo_get(oid)), 0) AS h FROM pg_largeobject_metadata) AS s;
