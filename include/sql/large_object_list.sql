-- Every large object's oid and content md5 (asked only when the checksums differ, to name the differences).
SELECT oid::bigint AS oid, md5(lo_get(oid)) AS content_md5 FROM pg_largeobject_metadata ORDER BY oid;
