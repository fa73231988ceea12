-- Inventory: user collations: provider, deterministic or not, locale, ICU rules (16+); the encoding only where it is
-- neither any (-1) nor the database's (a collation copied FROM another keeps -1, pg_dump's CREATE COLLATION makes one
-- of the database's encoding: both serve the database alike). A libc collation's
-- locale is LC_COLLATE and LC_CTYPE; an ICU or builtin one's is its locale, which PostgreSQL 15 and 16 keep as
-- colliculocale (15 also copies it into LC_COLLATE and LC_CTYPE, 16 leaves them NULL) and 17 as colllocale: read
-- through to_jsonb so that the same collation reads the same on every version. Not the collation's version: the
-- library's, compared by the preflight (checks/locales.py).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.collname) AS name,
       concat_ws(' ', CASE c.collprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin'
                                          ELSE 'default' END,
                 CASE WHEN NOT c.collisdeterministic THEN 'nondeterministic' END,
                 CASE WHEN c.collencoding NOT IN (-1, (SELECT d.encoding FROM pg_database d
                                                       WHERE d.datname = current_database()))
                      THEN 'encoding ' || pg_encoding_to_char(c.collencoding) END,
                 CASE WHEN c.collprovider = 'c'
                      THEN 'collate ' || quote_literal(c.collcollate) || ' ctype ' || quote_literal(c.collctype)
                      WHEN c.collprovider IN ('i', 'b')
                      THEN 'locale ' || quote_literal(coalesce(to_jsonb(c) ->> 'colllocale',
                                                               to_jsonb(c) ->> 'colliculocale')) END,
                 'rules ' || quote_literal(to_jsonb(c) ->> 'collicurules')) AS detail
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
