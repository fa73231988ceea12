-- The post-data items of the source that name a table converted to a hypertable in ways TimescaleDB refuses as
-- pg_dump writes them (`ALTER TABLE ONLY`): its primary key, unique, exclusion and check constraints and its
-- replica identity index (`early`: restored without ONLY before the other post-data items), and every foreign
-- key from or to it (`early` false: restored last, once the keys it references exist). As (catalog, object)
-- oids, which `pg_restore -l` prints for each entry.
SELECT 'pg_constraint'::regclass::oid::bigint AS classid, k.oid::bigint AS objid, k.contype <> 'f' AS early
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid OR (k.contype = 'f' AND c.oid = k.confrelid)
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype IN ('p', 'u', 'x', 'c', 'f')
  AND (n.nspname, c.relname) IN (SELECT s, t FROM unnest(%(schemas)s::text[], %(tables)s::text[]) AS u(s, t))
UNION
SELECT 'pg_class'::regclass::oid::bigint, x.indexrelid::bigint, true
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE x.indisreplident
  AND (n.nspname, c.relname) IN (SELECT s, t FROM unnest(%(schemas)s::text[], %(tables)s::text[]) AS u(s, t));
